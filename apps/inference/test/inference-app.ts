import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer } from '@shipyard/testing';
import { InferenceModule } from '../src/app.module';
import { loadInferenceConfig } from '../src/config';
import { configureInferenceHttp } from '../src/http/configure-http';
import { FakeRegistry } from '../src/testing/fake-registry';

/** Collects what pino would print. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/** Real PostgreSQL, a private NATS, the fake registry on it, and the inference app in process. */
export class InferenceHarness {
  readonly apps: NestFastifyApplication[] = [];
  readonly logs = new LogSink();

  private constructor(
    readonly db: TestDatabase,
    readonly nats: TestNatsServer,
    readonly registry: FakeRegistry,
    readonly cacheDir: string,
  ) {}

  static async start(cacheDir: string): Promise<InferenceHarness> {
    const [db, nats] = await Promise.all([TestDatabase.create('shipyard_inference'), TestNatsServer.start()]);
    return new InferenceHarness(db, nats, await FakeRegistry.start(nats.url), cacheDir);
  }

  /** Boots an inference app (more than one = replicas); returns its base URL. */
  async boot(env: Record<string, string> = {}): Promise<string> {
    const config = loadInferenceConfig({
      SHIPYARD_ENV: 'test',
      SHIPYARD_DATABASE_URL: this.db.url,
      SHIPYARD_NATS_URL: this.nats.url,
      SHIPYARD_LOG_LEVEL: 'info',
      SHIPYARD_INFERENCE_CACHE_DIR: this.cacheDir,
      SHIPYARD_INFERENCE_WARMUP_RUNS: '1',
      ...env,
    });
    const app = await createServiceApp({ service: 'inference', title: 'inference', module: InferenceModule.register(config, this.logs), port: 0, shutdownTimeoutMs: 5000, configure: (a) => configureInferenceHttp(a, config) });
    await app.listen(0, '127.0.0.1');
    this.apps.push(app);
    return (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  async stop(): Promise<void> {
    for (const app of this.apps.splice(0)) await app.close();
    await this.registry.stop();
    await this.nats.destroy();
    await this.db.drop();
  }
}

/** Polls `fn` until it returns something truthy (no fixed sleeps). */
export async function eventually<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const ACTOR_HEADERS = { 'x-shipyard-actor': 'user:00000000-0000-4000-8000-000000000001', 'x-shipyard-user': '00000000-0000-4000-8000-000000000001', 'x-shipyard-permissions': 'admin,predict,models:read' };
