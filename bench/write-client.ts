import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** One model-creation request as the client saw it. */
export interface WriteResult {
  name: string;
  /** Wall clock (epoch ms, the clock the services stamp events with) when the request was handed to the pool. */
  sentAtMs: number;
  /** Monotonic send and response times (performance.now()), for the HTTP latency. */
  sentMono: number;
  doneMono: number;
  /** Wall clock when the whole response had arrived. */
  doneAtMs: number;
  /** HTTP status, or 0 when no response came (connection error, timeout). */
  status: number;
  /** Model id from a 201 response. */
  modelId: string | null;
  error: string | null;
  /** Open loop: when the schedule wanted this request sent (performance.now()); null otherwise. */
  dueMono: number | null;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Creates models through the gateway over keep-alive connections (loopback only). */
export class ModelWriteClient {
  private readonly pool: Pool;

  constructor(
    readonly gatewayUrl: string,
    connections: number,
    /** Bearer token of the writing principal (a data scientist, as a real client would be). */
    private readonly token: string,
  ) {
    const url = new URL(gatewayUrl);
    if (url.hostname !== '127.0.0.1') throw new Error(`the benchmark only talks to 127.0.0.1, not ${url.hostname}`);
    this.pool = new Pool(url.origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  }

  /** Never rejects: failures come back as a result with status 0 or the error status. */
  async createModel(name: string): Promise<WriteResult> {
    const body = JSON.stringify({ name, tags: ['bench'] });
    const sentAtMs = Date.now();
    const sentMono = performance.now();
    let status = 0;
    let modelId: string | null = null;
    let error: string | null = null;
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: '/api/v1/models',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body,
      });
      status = res.statusCode;
      const text = await res.body.text();
      if (status === 201) {
        modelId = idOf(text);
        if (!modelId) error = `201 without an id: ${text.slice(0, 200)}`;
      } else {
        error = text.slice(0, 300);
      }
    } catch (e) {
      const err = e as Error & { code?: string };
      error = `${err.code ?? err.name}: ${err.message}`;
    }
    return { name, sentAtMs, sentMono, doneMono: performance.now(), doneAtMs: Date.now(), status, modelId, error, dueMono: null };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function idOf(text: string): string | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string') return parsed.id;
  } catch {
    // not JSON: reported as an error by the caller
  }
  return null;
}
