import { freePort } from './ports';
import { TestDatabase } from './postgres';
import { TestNatsServer } from './nats-server';
import { ServiceName, ServiceProcess } from './service-process';

const PORT_VARS: Record<ServiceName, string> = {
  'api-gateway': 'SHIPYARD_GATEWAY_PORT',
  auth: 'SHIPYARD_AUTH_PORT',
  registry: 'SHIPYARD_REGISTRY_PORT',
  experiments: 'SHIPYARD_EXPERIMENTS_PORT',
  audit: 'SHIPYARD_AUDIT_PORT',
  inference: 'SHIPYARD_INFERENCE_PORT',
};
const URL_VARS: Partial<Record<ServiceName, string>> = {
  auth: 'SHIPYARD_AUTH_URL',
  registry: 'SHIPYARD_REGISTRY_URL',
  experiments: 'SHIPYARD_EXPERIMENTS_URL',
  audit: 'SHIPYARD_AUDIT_URL',
  inference: 'SHIPYARD_INFERENCE_URL',
};

export interface StackOptions {
  services: ServiceName[];
  env?: Record<string, string>;
}

/**
 * Services as processes over a private NATS server and a fresh database: what `npm start` runs,
 * isolated per test file. Call `stop()` in afterAll.
 */
export class TestStack {
  private constructor(
    readonly db: TestDatabase,
    readonly nats: TestNatsServer,
    readonly services: Map<ServiceName, ServiceProcess>,
  ) {}

  static async start(opts: StackOptions): Promise<TestStack> {
    const [db, nats] = await Promise.all([TestDatabase.create('shipyard_e2e'), TestNatsServer.start()]);
    const ports = new Map<ServiceName, number>();
    for (const s of opts.services) ports.set(s, await freePort());
    const env: Record<string, string> = {
      SHIPYARD_ENV: 'test',
      SHIPYARD_DATABASE_URL: db.url,
      SHIPYARD_NATS_URL: nats.url,
      SHIPYARD_LOG_LEVEL: process.env.SHIPYARD_TEST_LOG_LEVEL ?? 'warn',
      ...Object.fromEntries(opts.services.map((s) => [PORT_VARS[s], String(ports.get(s))])),
      ...Object.fromEntries(opts.services.flatMap((s) => (URL_VARS[s] ? [[URL_VARS[s], `http://127.0.0.1:${ports.get(s)}`]] : []))),
      ...opts.env,
    };
    const services = new Map(opts.services.map((s) => [s, new ServiceProcess(s, ports.get(s) ?? 0, env)] as const));
    const stack = new TestStack(db, nats, services);
    // Services with a schema migrate on start; starting them one by one keeps the logs readable on failure.
    for (const p of services.values()) {
      p.start();
      await p.waitReady();
    }
    return stack;
  }

  service(name: ServiceName): ServiceProcess {
    const p = this.services.get(name);
    if (!p) throw new Error(`${name} is not part of this stack`);
    return p;
  }

  url(name: ServiceName): string {
    return this.service(name).baseUrl;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((p) => p.kill('SIGTERM')));
    await this.nats.destroy();
    await this.db.drop();
  }
}
