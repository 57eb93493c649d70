import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { NatsConnector } from '@shipyard/messaging';
import { loggerParams, ProbeRegistry } from '@shipyard/observability';
import { HealthController, Lifecycle, MetricsController, natsProvider, prometheusModule, redisProvider } from '@shipyard/service-kit';
import { ACCESS_POLICY, AccessPolicy } from './auth/access-policy';
import { ApiKeyVerifier } from './auth/api-key-verifier';
import { AuthEventsListener } from './auth/auth-events.listener';
import { JwtVerifier } from './auth/jwt-verifier';
import { PrincipalGuard } from './auth/principal.guard';
import { RedisThrottlerStorage } from './auth/redis-throttler.storage';
import { TokenRevocations } from './auth/revocations';
import { RoutePolicies } from './auth/route-policies';
import { ApiKeyStrategy, JwtStrategy } from './auth/strategies';
import { clientIpTracker, principalTracker, rateLimitCounter, ShipyardThrottlerGuard } from './auth/throttle.guard';
import { GatewayConfig } from './config';
import { ProxyService } from './proxy/proxy.service';
import { Upstreams } from './proxy/upstreams';
import { AdminRoutes } from './routes/admin.routes';
import { ApiKeysRoutes } from './routes/api-keys.routes';
import { AuditRoutes } from './routes/audit.routes';
import { AuthRoutes } from './routes/auth.routes';
import { ModelArtifactsRoutes, ModelVersionsRoutes } from './routes/model-versions.routes';
import { ModelGovernanceRoutes } from './routes/model-governance.routes';
import { ExperimentsRoutes } from './routes/experiments.routes';
import { InferenceRoutes, ServedModelsRoutes } from './routes/inference.routes';
import { MlflowArtifactsRoutes } from './routes/mlflow-artifacts.routes';
import { MlflowRegistryRoutes } from './routes/mlflow-registry.routes';
import { MlflowTrackingRoutes } from './routes/mlflow-tracking.routes';
import { ModelsRoutes } from './routes/models.routes';
import { LineageRoutes } from './routes/lineage.routes';
import { RunsRoutes } from './routes/runs.routes';
import { GATEWAY_CONFIG, REDIS } from './tokens';

// Infrastructure routes that need no credentials (probes and scrapes reach them without any).
const PUBLIC: AccessPolicy = { kind: 'public' };
for (const [cls, methods] of [[HealthController, ['live', 'ready']], [MetricsController, ['index']]] as const) {
  for (const m of methods) Reflect.defineMetadata(ACCESS_POLICY, PUBLIC, (cls.prototype as unknown as Record<string, object>)[m] as object);
}

type PolicyOf = (handler: object) => AccessPolicy | undefined;
const policyOf: PolicyOf = (handler) => Reflect.getMetadata(ACCESS_POLICY, handler) as AccessPolicy | undefined;

/** Connections and settings the gateway's modules share (Redis is also the rate limiter's storage). */
@Global()
@Module({})
class GatewayInfraModule {
  static register(config: GatewayConfig): DynamicModule {
    const providers = [{ provide: GATEWAY_CONFIG, useValue: config }, ProbeRegistry, Lifecycle, natsProvider('api-gateway', config.SHIPYARD_NATS_URL), redisProvider(REDIS, GATEWAY_CONFIG)];
    return { module: GatewayInfraModule, providers, exports: [GATEWAY_CONFIG, ProbeRegistry, Lifecycle, NatsConnector, REDIS] };
  }
}

/** The gateway keeps no state: it authenticates, authorises, rate-limits and routes. */
@Module({})
export class GatewayModule {
  static register(config: GatewayConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        GatewayInfraModule.register(config),
        LoggerModule.forRoot(loggerParams({ service: 'api-gateway', level: config.SHIPYARD_LOG_LEVEL, ...(logDestination ? { destination: logDestination } : {}) })),
        prometheusModule('api-gateway'),
        TerminusModule.forRoot({ logger: false }),
        DiscoveryModule,
        PassportModule,
        ThrottlerModule.forRootAsync({
          imports: [GatewayInfraModule],
          inject: [REDIS],
          useFactory: (redis: Redis) => ({
            storage: new RedisThrottlerStorage(redis, `${config.SHIPYARD_REDIS_KEY_PREFIX}:rl`),
            throttlers: [
              {
                name: 'api',
                ttl: config.SHIPYARD_RATE_LIMIT_WINDOW_S * 1000,
                limit: config.SHIPYARD_RATE_LIMIT,
                getTracker: principalTracker,
                // One budget per user across routes (the default key is per route).
                generateKey: (_context: unknown, tracker: string) => rateLimitCounter(tracker),
                skipIf: (ctx) => policyOf(ctx.getHandler())?.kind === 'public',
              },
              {
                name: 'login',
                ttl: config.SHIPYARD_LOGIN_RATE_LIMIT_WINDOW_S * 1000,
                limit: config.SHIPYARD_LOGIN_RATE_LIMIT,
                getTracker: clientIpTracker,
                skipIf: (ctx) => {
                  const p = policyOf(ctx.getHandler());
                  return !(p?.kind === 'public' && p.login === true);
                },
              },
            ],
          }),
        }),
      ],
      controllers: [HealthController, AuthRoutes, ApiKeysRoutes, AdminRoutes, ModelsRoutes, ModelVersionsRoutes, ModelArtifactsRoutes, ModelGovernanceRoutes, ExperimentsRoutes, RunsRoutes, LineageRoutes, AuditRoutes, InferenceRoutes, ServedModelsRoutes, MlflowTrackingRoutes, MlflowRegistryRoutes, MlflowArtifactsRoutes],
      providers: [
        Upstreams,
        ProxyService,
        TokenRevocations,
        JwtVerifier,
        ApiKeyVerifier,
        AuthEventsListener,
        JwtStrategy,
        ApiKeyStrategy,
        RoutePolicies,
        // Order matters: authenticate first, so the rate limiter can count per principal.
        { provide: APP_GUARD, useClass: PrincipalGuard },
        { provide: APP_GUARD, useClass: ShipyardThrottlerGuard },
      ],
      exports: [RoutePolicies],
    };
  }
}
