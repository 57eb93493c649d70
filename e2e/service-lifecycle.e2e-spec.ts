import { randomUUID } from 'node:crypto';
import { ServiceName, ServiceProcess, TestStack, freePort, waitFor } from '@shipyard/testing';
import { auditEvents, request } from './http';

const ALL: ServiceName[] = ['audit', 'registry', 'auth', 'experiments', 'inference', 'api-gateway'];
const PORT_VAR: Record<ServiceName, string> = {
  'api-gateway': 'SHIPYARD_GATEWAY_PORT',
  auth: 'SHIPYARD_AUTH_PORT',
  registry: 'SHIPYARD_REGISTRY_PORT',
  experiments: 'SHIPYARD_EXPERIMENTS_PORT',
  audit: 'SHIPYARD_AUDIT_PORT',
  inference: 'SHIPYARD_INFERENCE_PORT',
};

describe('service lifecycle: config, health, metrics, graceful shutdown (processes)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ALL });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it.each(ALL)('%s refuses to boot on invalid configuration and names the variable', async (service) => {
    const port = await freePort();
    const p = new ServiceProcess(service, port, { [PORT_VAR[service]]: 'eighty', SHIPYARD_NATS_URL: 'http://not-nats', SHIPYARD_LOG_LEVEL: 'warn' });
    p.start();
    expect(await p.exited()).toBe(1);
    expect(p.output()).toContain(`${PORT_VAR[service]}="eighty"`);
    expect(p.output()).toContain('SHIPYARD_NATS_URL');
  });

  it.each(ALL)('%s serves /health/live, /health/ready and /metrics with the HTTP latency histogram', async (service) => {
    const base = stack.url(service);
    expect((await request(base, 'GET', '/health/live')).status).toBe(200);
    const ready = await request<{ status: string }>(base, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    const metrics = await fetch(`${base}/metrics`);
    const text = await metrics.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('shipyard_http_request_duration_seconds_bucket');
  });

  it('keeps each service in its own schema with committed migrations applied', async () => {
    const rows = await stack.db.query<{ schemaname: string; tablename: string }>("SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('auth','registry','experiments','audit','inference') ORDER BY 1, 2");
    const bySchema = (s: string) => rows.filter((r) => r.schemaname === s).map((r) => r.tablename);
    for (const schema of ['auth', 'registry', 'experiments', 'inference']) expect(bySchema(schema)).toEqual(expect.arrayContaining(['migrations', 'outbox']));
    expect(bySchema('registry')).toContain('models');
    expect(bySchema('audit')).toEqual(expect.arrayContaining(['events', 'dead_letters', 'migrations']));
  });

  it('reports not-ready while NATS is down, and ready again when it returns', async () => {
    const registry = stack.url('registry');
    await stack.nats.stop();
    try {
      const down = await waitFor('registry not ready', async () => {
        const r = await request<{ status: string; error: Record<string, unknown> }>(registry, 'GET', '/health/ready');
        return r.status === 503 ? r : null;
      });
      expect(down.body.error).toHaveProperty('nats');
      expect((await request(registry, 'GET', '/health/live')).status).toBe(200);
    } finally {
      await stack.nats.restart();
    }
    await waitFor('registry ready again', async () => (await request(registry, 'GET', '/health/ready')).status === 200);
  });

  it('drains in-flight requests on SIGTERM: every answered write is kept and audited, and the exit is clean', async () => {
    const registry = stack.service('registry');
    const prefix = `drain-${randomUUID().slice(0, 6)}`;
    const calls = Array.from({ length: 150 }, (_, i) =>
      request<{ id: string }>(registry.baseUrl, 'POST', '/api/v1/models', { body: { name: `${prefix}-${i}` }, headers: { 'x-shipyard-actor': 'user:drain' } }).then(
        (r) => ({ status: r.status, id: r.body.id }),
        () => ({ status: 0, id: '' }), // refused: the server had stopped accepting; nothing was written
      ),
    );
    await new Promise((r) => setTimeout(r, 30));
    const exit = registry.kill('SIGTERM');
    const results = await Promise.all(calls);
    // Once its shutdown hooks are done the service exits 0 (process.exit, so the buffered log lines are
    // written), never our "graceful shutdown exceeded" exit 1.
    expect(await exit).toBe(0);
    expect(registry.output()).not.toContain('graceful shutdown exceeded');
    expect(results.every((r) => [201, 503, 0].includes(r.status))).toBe(true);
    const created = results.filter((r) => r.status === 201).map((r) => r.id);
    expect(created.length).toBeGreaterThan(0);

    registry.start();
    await registry.waitReady();
    const gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    // Everything the client saw as created exists, and nothing it did not see was half-written.
    const listed = await request<{ items: Array<{ id: string }> }>(gw, 'GET', `/api/v1/models?namePrefix=${prefix}&limit=500`);
    expect(listed.body.items.map((m) => m.id).sort()).toEqual([...created].sort());
    await waitFor('every created model audited', async () => {
      const events = (await auditEvents(gw, { subject: 'shipyard.registry.model.created.v1' })).filter((e) => created.includes(e.aggregate.id));
      return events.length === created.length;
    });
  });
});
