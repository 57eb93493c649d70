import { ArgumentMetadata, DynamicModule, INestApplication, Logger as NestLogger, Type, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { NatsConnector } from '@shipyard/messaging';
import { assignRequestId, httpRequestDuration } from '@shipyard/observability';
import { REQUEST_ID_HEADER } from '@shipyard/contracts';
import { flattenValidationErrors, ShipyardExceptionFilter, ValidationFailed } from './exception-filter';
import { MAX_NESTING_DEPTH, scanInput } from './nul-characters';
import { untilReadyToListen } from './cluster';
import { isDraining, markDraining } from './raw-routes';

/** A service's JSON body limit unless it sets its own (`bodyLimitBytes`). */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export interface BootstrapOptions {
  service: string;
  title: string;
  module: Type<unknown> | DynamicModule;
  host?: string;
  port: number;
  shutdownTimeoutMs: number;
  bodyLimitBytes?: number;
  /** false: register no body parsers (the gateway streams bodies through unparsed). */
  bodyParser?: boolean;
  /**
   * Whose X-Forwarded-For `req.ip` believes (fastify's trustProxy: true, a hop count, or a function of
   * (address, hop)). Default true: a service sits behind the gateway, which sets the header itself; the
   * gateway, facing clients, passes SHIPYARD_TRUST_PROXY.
   */
  trustProxy?: boolean | number | ((address: string, hop: number) => boolean);
  /** Called after the app is configured and before it listens (extra routes, content parsers). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
  /** Completes the OpenAPI document served at /openapi.json (what decorators cannot say). */
  openApi?: (doc: OpenAPIObject) => OpenAPIObject;
}

/**
 * ValidationPipe that first refuses input nested more than MAX_NESTING_DEPTH levels deep (Nest's and
 * class-transformer's walks recurse: JSON thousands of levels deep overflowed the stack, a 500) and
 * NUL characters (PostgreSQL stores no \u0000 in text or jsonb) in every body, query and path parameter
 * a Nest handler receives, custom decorators included (MLflow's `@Args()`, raw batch bodies), whatever
 * the DTO says. Routes outside Nest (raw data-plane routes, plain fastify routes) and handlers reading
 * `@Req()` themselves (streams) never come through here, and binary bodies (Buffers, streams) are not walked.
 */
class ShipyardValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { tooDeep, nulFields } = scanInput(value, metadata.data ?? '');
    if (tooDeep) {
      const field = metadata.data || metadata.type;
      throw new ValidationFailed([{ field, problems: [`${field} must not be nested more than ${MAX_NESTING_DEPTH} levels deep`] }]);
    }
    const fields = nulFields.map((f) => f || metadata.type);
    if (fields.length) throw new ValidationFailed(fields.map((field) => ({ field, problems: [`${field} must not contain a NUL character (\\u0000)`] })));
    return super.transform(value, metadata);
  }
}

/** The strict pipe of CONVENTIONS §4: unknown fields are errors, types are coerced from the DTO, NUL characters refused. */
export function shipyardValidationPipe(): ValidationPipe {
  return new ShipyardValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
  });
}

/** Creates a configured app without listening (tests use it in-process, `bootstrapService` listens). */
export async function createServiceApp(opts: BootstrapOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    genReqId: assignRequestId,
    bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: opts.trustProxy ?? true,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(opts.module, adapter, { bufferLogs: true, abortOnError: false, bodyParser: opts.bodyParser ?? true });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(shipyardValidationPipe());
  app.useGlobalFilters(new ShipyardExceptionFilter(app.get(Logger)));
  // useProcessExit: after the hooks Nest calls process.exit(0) instead of re-raising the signal
  // (process.kill(pid, signal), which ends the process without an 'exit' event), so the logger's
  // exit flush writes the buffered log lines (the shutdown ones included) before the process ends.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });

  const fastify = app.getHttpAdapter().getInstance();
  // JSON APIs: a text/plain body is an unsupported media type (415), not a string to validate.
  if (opts.bodyParser !== false) fastify.removeContentTypeParser('text/plain');
  const latency = httpRequestDuration();
  fastify.addHook('onSend', (req, reply, payload, done) => {
    void reply.header(REQUEST_ID_HEADER, req.headers[REQUEST_ID_HEADER]);
    // While draining, close each keep-alive connection after its response, or the server would wait
    // for clients to hang up before it can finish closing.
    if (isDraining()) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    latency.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  const built = buildOpenApi(app, opts.title);
  const document = opts.openApi ? opts.openApi(built) : built;
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  await opts.configure?.(app);
  return app;
}

export function buildOpenApi(app: INestApplication, title: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Access token (JWT) or API key (shp_…)' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Boots a service: listens, logs where, and bounds graceful shutdown by SHIPYARD_SHUTDOWN_TIMEOUT_MS.
 * With SHIPYARD_MIGRATE_ONLY=true it only applies the service's migrations (creating the app
 * initialises the DataSource, which migrates) and returns the closed app without listening: what the
 * Helm chart's pre-install/pre-upgrade Job runs, so that pods of a new release start on a migrated schema.
 */
export async function bootstrapService(opts: BootstrapOptions): Promise<NestFastifyApplication> {
  const app = await createServiceApp(opts);
  const logger = new NestLogger('bootstrap');
  if (process.env.SHIPYARD_MIGRATE_ONLY === 'true') {
    // A migration needs no broker: the connector may still be connecting in the background, and its
    // promise rejects once closed, which must not fail the Job (nor may a late connection keep it alive).
    natsConnectorOf(app)?.connect().catch(() => undefined);
    app.flushLogs(); // logs are buffered until listen(), which never comes here
    await app.close();
    logger.log(`${opts.service}: migrations applied, exiting`);
    setTimeout(() => process.exit(0), 2_000).unref();
    return app;
  }
  const host = opts.host ?? '127.0.0.1';
  await app.init();
  await untilReadyToListen((line) => logger.log(line));
  await app.listen(opts.port, host);
  logger.log(`${opts.service} listening on http://${host}:${opts.port} (docs at /docs)`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      markDraining();
      setTimeout(() => {
        logger.error(`graceful shutdown exceeded ${opts.shutdownTimeoutMs} ms; exiting`);
        process.exit(1);
      }, opts.shutdownTimeoutMs).unref();
    });
  }
  return app;
}

/** The app's NATS connector, if it has one (the gateway has none). */
function natsConnectorOf(app: NestFastifyApplication): NatsConnector | null {
  try {
    return app.get(NatsConnector, { strict: false });
  } catch {
    return null;
  }
}

/** Wraps main(): a configuration error prints its message (no stack) and exits 1. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((e: unknown) => {
    const err = e as Error;
    process.stderr.write(`${err.name === 'ConfigError' ? err.message : (err.stack ?? String(err))}\n`);
    process.exit(1);
  });
}
