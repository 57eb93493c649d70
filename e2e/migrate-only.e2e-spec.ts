import { ServiceName, ServiceProcess, TestDatabase, TestNatsServer, freePort, portOpen } from '@shipyard/testing';

/**
 * SHIPYARD_MIGRATE_ONLY=true: what the Helm chart's pre-install/pre-upgrade Job runs. Each service
 * applies its migrations to its own schema, never listens, and exits 0, also when NATS is unreachable
 * (a migration needs no broker) and when there is nothing left to apply.
 */
const PORT_VAR: Record<ServiceName, string> = {
  'api-gateway': 'SHIPYARD_GATEWAY_PORT',
  auth: 'SHIPYARD_AUTH_PORT',
  registry: 'SHIPYARD_REGISTRY_PORT',
  experiments: 'SHIPYARD_EXPERIMENTS_PORT',
  audit: 'SHIPYARD_AUDIT_PORT',
  inference: 'SHIPYARD_INFERENCE_PORT',
};
const WITH_SCHEMA: ServiceName[] = ['auth', 'registry', 'experiments', 'audit', 'inference'];

describe('SHIPYARD_MIGRATE_ONLY=true (the chart migrations Job)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create('shipyard_migrate'), TestNatsServer.start()]);
  });

  afterAll(async () => {
    await nats?.destroy();
    await db?.drop();
  });

  async function migrateOnly(service: ServiceName, natsUrl: string): Promise<{ code: number | null; output: string; listened: boolean }> {
    const port = await freePort();
    const p = new ServiceProcess(service, port, {
      SHIPYARD_ENV: 'test',
      SHIPYARD_MIGRATE_ONLY: 'true',
      SHIPYARD_DATABASE_URL: db.url,
      SHIPYARD_NATS_URL: natsUrl,
      SHIPYARD_LOG_LEVEL: 'info',
      SHIPYARD_LOG_FORMAT: 'json',
      [PORT_VAR[service]]: String(port),
    });
    p.start();
    let listened = false;
    let deadline: NodeJS.Timeout | undefined;
    const watch = setInterval(() => {
      void portOpen(port).then((open) => (listened ||= open));
    }, 50);
    try {
      const code = await Promise.race([p.exited(), new Promise<'timeout'>((r) => (deadline = setTimeout(() => r('timeout'), 60_000)))]);
      if (code === 'timeout') {
        await p.kill('SIGKILL');
        throw new Error(`${service} did not exit within 60 s in migrate-only mode:\n${p.output(40)}`);
      }
      listened ||= await portOpen(port);
      return { code, output: p.output(), listened };
    } finally {
      clearInterval(watch);
      clearTimeout(deadline);
    }
  }

  it.each(WITH_SCHEMA)('%s applies its migrations, exits 0 and never listens', async (service) => {
    const run = await migrateOnly(service, nats.url);
    expect(run.output).toContain('migrations applied, exiting');
    expect(run.code).toBe(0);
    expect(run.listened).toBe(false);
    const tables = await db.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [service]);
    expect(tables.map((t) => t.tablename)).toContain('migrations');
    const applied = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${service}".migrations`);
    expect(Number(applied[0]?.n)).toBeGreaterThan(0);
  });

  it('is idempotent: a second run finds nothing to apply and exits 0', async () => {
    const before = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM registry.migrations');
    const run = await migrateOnly('registry', nats.url);
    expect(run.code).toBe(0);
    expect(await db.query<{ n: string }>('SELECT count(*)::text AS n FROM registry.migrations')).toEqual(before);
  });

  it('needs no broker: exits 0 while NATS is unreachable', async () => {
    const closed = await freePort();
    const run = await migrateOnly('audit', `nats://127.0.0.1:${closed}`);
    expect(run.output).toContain('migrations applied, exiting');
    expect(run.code).toBe(0);
  });

  it('the gateway (no schema) exits 0 without listening', async () => {
    const run = await migrateOnly('api-gateway', nats.url);
    expect(run.output).toContain('migrations applied, exiting');
    expect(run.code).toBe(0);
    expect(run.listened).toBe(false);
  });
});
