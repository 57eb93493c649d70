import { Controller, Get, Module } from '@nestjs/common';
import { freePort, TestNatsServer } from '@shipyard/testing';
import { createServiceApp } from './bootstrap';
import { ServiceKitModule } from './service-kit.module';

@Controller('api/v1/things')
class ThingsController {
  @Get()
  list() {
    return { items: [] };
  }
}

/** SHIPYARD_METRICS_PORT: /metrics alone on a second port, so a NetworkPolicy can open it without the API. */
describe('metrics port (real NATS)', () => {
  let nats: TestNatsServer;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
  });

  afterAll(async () => {
    await nats?.destroy();
  });

  async function boot(metricsPort: number) {
    @Module({
      imports: [
        ServiceKitModule.forRoot({
          service: 'metrics-port-test',
          config: { SHIPYARD_ENV: 'test', SHIPYARD_DATABASE_URL: 'postgres://unused', SHIPYARD_DATABASE_POOL_SIZE: 1, SHIPYARD_NATS_URL: nats.url, SHIPYARD_EVENTS_STREAM: 'X', SHIPYARD_LOG_LEVEL: 'silent', SHIPYARD_SHUTDOWN_TIMEOUT_MS: 1000, SHIPYARD_METRICS_PORT: metricsPort },
        }),
      ],
      controllers: [ThingsController],
    })
    class TestModule {}
    const app = await createServiceApp({ service: 'metrics-port-test', title: 'test', module: TestModule, port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    return app;
  }

  it('serves GET /metrics there and nothing else; stops with the app', async () => {
    const port = await freePort();
    const app = await boot(port);
    try {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await metrics.text()).toMatch(/^# HELP /m);
      for (const path of ['/api/v1/things', '/health/ready', '/metrics/../api/v1/things']) {
        expect({ path, status: (await fetch(`http://127.0.0.1:${port}${path}`)).status }).toEqual({ path, status: 404 });
      }
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await app.close();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
