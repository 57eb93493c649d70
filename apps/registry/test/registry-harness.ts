import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { effectivePermissions, Role, RUN_SUMMARY_RPC, RunSummary } from '@shipyard/contracts';
import { NatsConnector } from '@shipyard/messaging';
import { createServiceApp, Lifecycle, RpcServer } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer, waitFor } from '@shipyard/testing';
import { RegistryModule } from '../src/app.module';
import { loadRegistryConfig } from '../src/config';

export interface Caller {
  userId: string;
  role: Role;
}

export interface Reply<T> {
  status: number;
  body: T;
  text: string;
  headers: Record<string, unknown>;
}

/**
 * The registry in-process over a fresh database and a private NATS server, called the way the gateway
 * calls it (principal headers), plus a stand-in experiments responder answering RUN_SUMMARY_RPC for real.
 */
export class RegistryHarness {
  private experiments: { connector: NatsConnector; lifecycle: Lifecycle } | null = null;
  readonly runs = new Map<string, RunSummary>();

  private constructor(
    readonly db: TestDatabase,
    readonly nats: TestNatsServer,
    readonly app: NestFastifyApplication,
  ) {}

  /** `env` adds to the registry's configuration, e.g. an s3rver's (`TestS3Server.env()`). */
  static async start(env: Record<string, string> = {}): Promise<RegistryHarness> {
    const [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
    const config = loadRegistryConfig({ SHIPYARD_ENV: 'test', SHIPYARD_DATABASE_URL: db.url, SHIPYARD_NATS_URL: nats.url, SHIPYARD_LOG_LEVEL: 'silent', ...env });
    const app = await createServiceApp({ service: 'registry', title: 'registry', module: RegistryModule.register(config), port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return new RegistryHarness(db, nats, app);
  }

  /** Starts answering run summaries from `this.runs` (a real RpcServer in the `experiments` queue group). */
  async startExperiments(): Promise<void> {
    const connector = new NatsConnector({ servers: this.nats.url, name: 'experiments-stand-in' });
    const lifecycle = new Lifecycle();
    const server = new RpcServer(connector, lifecycle);
    server.handle('experiments', RUN_SUMMARY_RPC, ({ runIds }) =>
      Promise.resolve({ runs: runIds.flatMap((id) => this.runs.get(id) ?? []), missing: runIds.filter((id) => !this.runs.has(id)) }),
    );
    const nc = await connector.connect();
    // handle() subscribes once the connection is ready; an answered round trip proves the subscription is live.
    await waitFor('the experiments stand-in to answer', async () => {
      await nc.request(RUN_SUMMARY_RPC.subject, new TextEncoder().encode(JSON.stringify({ runIds: ['warm-up'] })), { timeout: 1_000 });
      return true;
    });
    this.experiments = { connector, lifecycle };
  }

  async stopExperiments(): Promise<void> {
    const e = this.experiments;
    this.experiments = null;
    if (!e) return;
    await e.lifecycle.onApplicationShutdown();
    await e.connector.close();
  }

  async stop(): Promise<void> {
    await this.stopExperiments();
    await this.app?.close();
    await this.nats?.destroy();
    await this.db?.drop();
  }

  async call<T = unknown>(as: Caller, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const res = await this.app.getHttpAdapter().getInstance().inject({
      method,
      url,
      headers: {
        'x-shipyard-actor': `user:${as.userId}`,
        'x-shipyard-user': as.userId,
        'x-shipyard-permissions': effectivePermissions(as.role).join(','),
        'x-request-id': `int-${randomUUID()}`,
        ...(payload ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
    let body: unknown = res.body;
    try {
      body = res.body ? JSON.parse(res.body) : null;
    } catch {
      // not JSON (card.md): the text is the body
    }
    return { status: res.statusCode, body: body as T, text: res.body, headers: res.headers };
  }

  /**
   * Marks a version READY with an artifact row, the state an upload leaves it in (uploads are not part
   * of this feature; the e2e test uploads for real once that route exists).
   */
  async markReady(modelId: string, version: number, opts: { size?: number; sha256?: string; signature?: object } = {}): Promise<void> {
    await this.db.query(
      `UPDATE registry.model_versions SET status = 'READY', artifact_key = $3, artifact_size = $4, artifact_sha256 = $5, signature = $6 WHERE model_id = $1 AND version = $2`,
      [modelId, version, `models/${modelId}/${version}`, opts.size ?? 3, opts.sha256 ?? 'a'.repeat(64), opts.signature ? JSON.stringify(opts.signature) : null],
    );
  }

  /** Envelopes the registry wrote to its outbox for `aggregateId`, oldest first. */
  async events(aggregateId: string): Promise<Array<{ type: string; payload: Record<string, unknown>; before?: Record<string, unknown>; after?: Record<string, unknown> }>> {
    const rows = await this.db.query<{ envelope: { type: string; payload: Record<string, unknown>; before?: Record<string, unknown>; after?: Record<string, unknown> } }>(
      `SELECT envelope FROM registry.outbox WHERE envelope->'aggregate'->>'id' = $1 ORDER BY seq`,
      [aggregateId],
    );
    return rows.map((r) => r.envelope);
  }
}

export function caller(role: Role): Caller {
  return { userId: randomUUID(), role };
}

export function run(id: string, params: Record<string, string>, metrics: Record<string, number>): RunSummary {
  return { id, experimentId: 'exp-1', experimentName: 'churn', name: `run ${id}`, status: 'FINISHED', params, metrics, datasets: [] };
}
