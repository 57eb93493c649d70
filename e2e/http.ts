/** Small HTTP helpers for e2e tests: everything goes through the gateway, as a user's client would. */
export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Where to send a request, and as whom (an access token or API key), if anyone. */
export type Target = string | { url: string; token?: string };

export async function request<T = unknown>(target: Target, method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string>; token?: string | null } = {}): Promise<JsonResponse<T>> {
  const base = typeof target === 'string' ? target : target.url;
  const token = opts.token === null ? undefined : (opts.token ?? (typeof target === 'string' ? undefined : target.token));
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers };
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text so the assertion shows it
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
/** One MLflow REST call under `base` (e.g. /api/2.0/mlflow): asserts the status (200 unless told) and returns the body. */
export async function mlflowCall<T = Record<string, unknown>>(target: Target, base: string, method: string, path: string, body?: unknown, expected = 200): Promise<T> {
  const res = await request<T>(target, method, `${base}/${path}`, body === undefined ? {} : { body });
  expect({ path, status: res.status, body: res.body }).toEqual({ path, status: expected, body: expect.anything() });
  return res.body;
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

export interface AuditEvent {
  seq: number;
  eventId: string;
  subject: string;
  action: string;
  actor: { type: string; id: string };
  aggregate: { type: string; id: string };
  payload: Record<string, unknown>;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  correlationId: string;
}

/** Every audit event matching `query`, following nextCursor through the gateway. */
export async function auditEvents(gateway: Target, query: Record<string, string>): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const qs: URLSearchParams = new URLSearchParams({ ...query, limit: '500', ...(cursor ? { cursor } : {}) });
    const res: JsonResponse<{ items: AuditEvent[]; nextCursor: string | null }> = await request(gateway, 'GET', `/api/v1/audit/events?${qs.toString()}`);
    if (res.status !== 200) throw new Error(`audit query answered ${res.status}: ${JSON.stringify(res.body)}`);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

/** Polls `fn` every 100 ms until it returns something truthy; a bound, never an assertion on speed. */
export async function eventually<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The value of the Prometheus series `name` with every label in `labels`, or 0. */
export function metric(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
