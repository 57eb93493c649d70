import { randomBytes } from 'node:crypto';
import { freePort } from './ports';
import { TestDatabase } from './postgres';
import { TestNatsServer } from './nats-server';
import { TestS3Server } from './s3-server';
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

/** Services that keep artifacts in S3: a stack with one of them starts an s3rver. */
const S3_SERVICES: ReadonlySet<ServiceName> = new Set(['registry', 'experiments', 'inference']);

/** The first administrator every test stack boots with. */
export const ADMIN = Object.freeze({ email: 'admin@shipyard.test', password: 'e2e-Str0ng-Passw0rd!' });

export interface StackOptions {
  services: ServiceName[];
  env?: Record<string, string>;
}

/**
 * Services as processes over a private NATS server and a fresh database: what `npm start` runs,
 * isolated per test file. Call `stop()` in afterAll.
 */
export class TestStack {
  private readonly extras: ServiceProcess[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly nats: TestNatsServer,
    readonly services: Map<ServiceName, ServiceProcess>,
    private readonly env: Record<string, string>,
    /** The S3 server of the stack, when a service that keeps artifacts is part of it. */
    readonly s3: TestS3Server | null,
  ) {}

  private adminTokenCache: string | null = null;

  static async start(opts: StackOptions): Promise<TestStack> {
    // The gateway verifies tokens against the auth service: a stack with a gateway has auth too.
    if (opts.services.includes('api-gateway') && !opts.services.includes('auth')) opts = { ...opts, services: ['auth', ...opts.services] };
    const needsS3 = opts.services.some((s) => S3_SERVICES.has(s));
    const [db, nats, s3] = await Promise.all([TestDatabase.create('shipyard_e2e'), TestNatsServer.start(), needsS3 ? TestS3Server.start() : Promise.resolve(null)]);
    const ports = new Map<ServiceName, number>();
    for (const s of opts.services) ports.set(s, await freePort());
    const env: Record<string, string> = {
      SHIPYARD_ENV: 'test',
      SHIPYARD_DATABASE_URL: db.url,
      SHIPYARD_NATS_URL: nats.url,
      SHIPYARD_LOG_LEVEL: process.env.SHIPYARD_TEST_LOG_LEVEL ?? 'warn',
      SHIPYARD_REDIS_URL: process.env.SHIPYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      // Each stack counts rate limits in its own Redis namespace; limits are generous unless a test lowers them.
      SHIPYARD_REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      SHIPYARD_RATE_LIMIT: '1000000',
      SHIPYARD_LOGIN_RATE_LIMIT: '1000000',
      SHIPYARD_LOGIN_LIMIT_PER_ACCOUNT: '1000000',
      SHIPYARD_ADMIN_EMAIL: ADMIN.email,
      SHIPYARD_ADMIN_PASSWORD: ADMIN.password,
      ...(s3 ? s3.env() : {}),
      ...Object.fromEntries(opts.services.map((s) => [PORT_VARS[s], String(ports.get(s))])),
      ...Object.fromEntries(opts.services.flatMap((s) => (URL_VARS[s] ? [[URL_VARS[s], `http://127.0.0.1:${ports.get(s)}`]] : []))),
      ...opts.env,
    };
    const services = new Map(opts.services.map((s) => [s, new ServiceProcess(s, ports.get(s) ?? 0, env)] as const));
    const stack = new TestStack(db, nats, services, env, s3);
    // Services with a schema migrate on start; starting them one by one keeps the logs readable on failure.
    for (const p of services.values()) {
      p.start();
      await p.waitReady();
    }
    return stack;
  }

  /**
   * Another replica of a service, sharing the stack's database, NATS and Redis namespace. With
   * `waitReady: false` it returns once the process is spawned (to watch it become ready).
   */
  async startReplica(name: ServiceName, extraEnv: Record<string, string> = {}, opts: { waitReady?: boolean } = {}): Promise<ServiceProcess> {
    const port = await freePort();
    const p = new ServiceProcess(name, port, { ...this.env, [PORT_VARS[name]]: String(port), ...extraEnv });
    this.extras.push(p);
    p.start();
    if (opts.waitReady !== false) await p.waitReady();
    return p;
  }

  service(name: ServiceName): ServiceProcess {
    const p = this.services.get(name);
    if (!p) throw new Error(`${name} is not part of this stack`);
    return p;
  }

  url(name: ServiceName): string {
    return this.service(name).baseUrl;
  }

  /** Logs in through the gateway; returns the token response. */
  async login(email: string, password: string): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
    const res = await fetch(`${this.url('api-gateway')}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (res.status !== 200) throw new Error(`login of ${email} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
  }

  /** An access token of the first administrator (cached for the stack). */
  async adminToken(): Promise<string> {
    this.adminTokenCache ??= (await this.login(ADMIN.email, ADMIN.password)).accessToken;
    return this.adminTokenCache;
  }

  /** Creates a user through the admin API and returns its id and a fresh access token. */
  async user(email: string, role: 'viewer' | 'data-scientist' | 'approver' | 'admin', password = 'Correct-Horse-42!'): Promise<{ id: string; token: string; email: string; password: string }> {
    const res = await fetch(`${this.url('api-gateway')}/api/v1/admin/users`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.adminToken()}` }, body: JSON.stringify({ email, password, role }) });
    if (res.status !== 201) throw new Error(`creating ${email} answered ${res.status}: ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    return { id, email, password, token: (await this.login(email, password)).accessToken };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values(), ...this.extras].map((p) => p.kill('SIGTERM')));
    await this.nats.destroy();
    await this.db.drop();
    await this.s3?.stop();
  }
}
