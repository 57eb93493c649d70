import { Controller, DynamicModule, Get, Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, Provider, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { createServer, Server } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { DataSource, EntitySchema, MixedList } from 'typeorm';
import { DEFAULT_RELAY_OPTIONS, DEFAULT_STREAM_SETTINGS, JetStreamPublisher, NatsConnector, Outbox, OutboxRelay, PgOutbox, PgOutboxStore } from '@shipyard/messaging';
import { loggerParams, ProbeRegistry, singleton } from '@shipyard/observability';
import { createServiceDataSource, initialiseDataSource, Transactions } from '@shipyard/persistence';
import { metricsText } from './cluster';
import { HealthController } from './health.controller';
import { IDEMPOTENCY_SCHEMA, IdempotencyInterceptor } from './idempotency';
import { Lifecycle } from './lifecycle';

/** The configuration every service shares (see baseConfigShape in @shipyard/config). */
export interface BaseServiceConfig {
  SHIPYARD_ENV: 'development' | 'test' | 'production';
  SHIPYARD_DATABASE_URL: string;
  SHIPYARD_DATABASE_POOL_SIZE: number;
  SHIPYARD_NATS_URL: string;
  SHIPYARD_EVENTS_STREAM: string;
  SHIPYARD_LOG_LEVEL: string;
  SHIPYARD_SHUTDOWN_TIMEOUT_MS: number;
  SHIPYARD_OUTBOX_RELAY_ENABLED?: boolean;
  SHIPYARD_BIND_HOST?: string;
  /** A second port serving only /metrics (0: off). */
  SHIPYARD_METRICS_PORT?: number;
}

export interface ServiceKitOptions {
  service: string;
  config: BaseServiceConfig;
  database?: {
    schema: string;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
    entities: MixedList<Function | string | EntitySchema>;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own migration list type
    migrations: MixedList<Function | string>;
    /** Run the transactional outbox relay for this schema. */
    outbox: boolean;
    /** Honour `Idempotency-Key` on writes (the schema's migrations create idempotency_keys: idempotencyTableSql). */
    idempotency?: boolean;
  };
  logDestination?: DestinationStream;
  /** Routes pino-http never logs (Nest route syntax, e.g. `v2/*path`): per-request logging on a hot path. */
  unloggedPaths?: string[];
}

export const SERVICE_KIT_OPTIONS = Symbol('SERVICE_KIT_OPTIONS');

let defaultMetricsCollected = false;

/** The service's NATS connection: connects in the background, reports readiness, drains on shutdown. */
export function natsProvider(service: string, url: string): Provider {
  return {
    provide: NatsConnector,
    inject: [Lifecycle, ProbeRegistry],
    useFactory: (lifecycle: Lifecycle, probes: ProbeRegistry) => {
      const logger = new Logger('nats');
      const connector = new NatsConnector({ servers: url, name: `shipyard-${service}`, log: (m) => logger.log(m) });
      // Rejects only when closed before the first connection (shutdown during boot): nothing to report.
      connector.connect().catch(() => undefined);
      lifecycle.onShutdown('messaging', 'nats', () => connector.close());
      probes.add({
        name: 'nats',
        check: async () => {
          if (!connector.isConnected()) throw new Error('not connected');
          return { rttMs: await connector.rtt() };
        },
      });
      return connector;
    },
  };
}

/** /metrics: this process's registry, or with several processes behind the port the sum over them. */
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    const { contentType, text } = await metricsText();
    void response.header('content-type', contentType);
    return text;
  }
}

/** /metrics with process metrics (collected once per process, even when tests boot several apps). */
export function prometheusModule(service: string): DynamicModule {
  const collectDefaults = !defaultMetricsCollected;
  defaultMetricsCollected = true;
  return PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: collectDefaults }, defaultLabels: { service } });
}

@Injectable()
class OutboxRelayRunner implements OnApplicationBootstrap {
  private readonly logger = new Logger('outbox');
  private relay: OutboxRelay | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(SERVICE_KIT_OPTIONS) private readonly opts: ServiceKitOptions,
    private readonly ds: DataSource,
    private readonly nats: NatsConnector,
    private readonly lifecycle: Lifecycle,
  ) {}

  onApplicationBootstrap(): void {
    const db = this.opts.database;
    if (!db?.outbox) return;
    if (this.opts.config.SHIPYARD_OUTBOX_RELAY_ENABLED === false) {
      this.logger.warn('outbox relay disabled by SHIPYARD_OUTBOX_RELAY_ENABLED=false: events stay in the outbox until a relay runs');
      return;
    }
    const store = new PgOutboxStore(this.ds, db.schema, this.opts.config.SHIPYARD_DATABASE_URL, (m) => this.logger.log(m));
    const publisher = new JetStreamPublisher(this.nats, DEFAULT_STREAM_SETTINGS(this.opts.config.SHIPYARD_EVENTS_STREAM));
    const published = singleton('shipyard_outbox_published_total', () => new Counter({ name: 'shipyard_outbox_published_total', help: 'Events relayed from the outbox to JetStream' }));
    const backlog = singleton('shipyard_outbox_pending', () => new Gauge({ name: 'shipyard_outbox_pending', help: 'Outbox rows not yet published', aggregator: 'max' /* one table, read by each process */ }));
    this.relay = new OutboxRelay(store, publisher, DEFAULT_RELAY_OPTIONS, {
      published: (n) => published.inc(n),
      failed: (e, attempt, retryIn) => {
        if (attempt === 1 || attempt % 10 === 0) this.logger.warn(`outbox publish failed (attempt ${attempt}, retry in ${retryIn} ms): ${e.message}`);
      },
    });
    this.relay.start();
    this.timer = setInterval(() => {
      store.pendingCount().then((n) => backlog.set(n), () => undefined);
      store.prunePublished(24 * 3_600_000).catch(() => undefined);
    }, 15_000);
    this.timer.unref();
    this.lifecycle.onShutdown('workers', 'outbox relay', async () => {
      if (this.timer) clearInterval(this.timer);
      await this.relay?.stop();
      await store.close();
    });
  }
}

/**
 * `/metrics` on a port of its own (SHIPYARD_METRICS_PORT, off when 0): what a NetworkPolicy can open to
 * Prometheus without opening the service's API, which shares the main port with `/metrics` (a policy
 * cannot tell paths apart). Nothing else is served there.
 */
@Injectable()
class MetricsServer implements OnApplicationBootstrap {
  private readonly logger = new Logger('metrics');
  private server: Server | null = null;

  constructor(
    @Inject(SERVICE_KIT_OPTIONS) private readonly opts: ServiceKitOptions,
    private readonly lifecycle: Lifecycle,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.opts.config.SHIPYARD_METRICS_PORT ?? 0;
    if (port === 0) return;
    const host = this.opts.config.SHIPYARD_BIND_HOST ?? '127.0.0.1';
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"ROUTE_NOT_FOUND","message":"only GET /metrics is served on the metrics port"}}');
        return;
      }
      metricsText().then(
        ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text),
        (e: unknown) => {
          this.logger.error(`collecting metrics failed: ${(e as Error).message}`);
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${host}:${port}/metrics`);
    this.lifecycle.onShutdown('workers', 'metrics server', () => this.close());
  }

  private close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(opts: ServiceKitOptions): DynamicModule {
    const cfg = opts.config;

    const providers: Provider[] = [
      { provide: SERVICE_KIT_OPTIONS, useValue: opts },
      Lifecycle,
      MetricsServer,
      natsProvider(opts.service, cfg.SHIPYARD_NATS_URL),
      ProbeRegistry,
    ];

    if (opts.database) {
      const db = opts.database;
      providers.push(
        {
          provide: DataSource,
          inject: [Lifecycle, ProbeRegistry],
          useFactory: async (lifecycle: Lifecycle, probes: ProbeRegistry) => {
            const logger = new Logger('database');
            const ds = createServiceDataSource({ url: cfg.SHIPYARD_DATABASE_URL, schema: db.schema, entities: db.entities, migrations: db.migrations, poolSize: cfg.SHIPYARD_DATABASE_POOL_SIZE, applicationName: `shipyard-${opts.service}` });
            await initialiseDataSource(ds, db.schema, { log: (m) => logger.log(m) });
            lifecycle.onShutdown('database', 'postgres', () => ds.destroy());
            probes.add({ name: 'database', check: async () => void (await ds.query('SELECT 1')) });
            return ds;
          },
        },
        { provide: Transactions, inject: [DataSource], useFactory: (ds: DataSource) => new Transactions(ds) },
        { provide: Outbox, useValue: new PgOutbox(db.schema) },
        OutboxRelayRunner,
      );
      if (db.idempotency) providers.push({ provide: IDEMPOTENCY_SCHEMA, useValue: db.schema }, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor });
    }

    return {
      module: ServiceKitModule,
      imports: [
        LoggerModule.forRoot(loggerParams({ service: opts.service, level: cfg.SHIPYARD_LOG_LEVEL, ...(opts.logDestination ? { destination: opts.logDestination } : {}), ...(opts.unloggedPaths ? { unloggedPaths: opts.unloggedPaths } : {}) })),
        prometheusModule(opts.service),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers,
      exports: [SERVICE_KIT_OPTIONS, Lifecycle, NatsConnector, ProbeRegistry, ...(opts.database ? [DataSource, Transactions, Outbox] : [])],
    };
  }
}
