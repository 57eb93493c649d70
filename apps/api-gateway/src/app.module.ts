import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { loggerParams, ProbeRegistry } from '@shipyard/observability';
import { HealthController, prometheusModule } from '@shipyard/service-kit';
import { GatewayConfig } from './config';
import { ProxyService } from './proxy/proxy.service';
import { Upstreams } from './proxy/upstreams';
import { AuditRoutes } from './routes/audit.routes';
import { ModelsRoutes } from './routes/models.routes';
import { GATEWAY_CONFIG } from './tokens';

/** The gateway keeps no state: no database, no outbox. It authenticates, authorises and routes. */
@Module({})
export class GatewayModule {
  static register(config: GatewayConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        LoggerModule.forRoot(loggerParams({ service: 'api-gateway', level: config.SHIPYARD_LOG_LEVEL, ...(logDestination ? { destination: logDestination } : {}) })),
        prometheusModule('api-gateway'),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController, ModelsRoutes, AuditRoutes],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        ProbeRegistry,
        Upstreams,
        ProxyService,
      ],
    };
  }
}
