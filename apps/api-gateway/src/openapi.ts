import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApi, createServiceApp } from '@shipyard/service-kit';
import { GatewayModule } from './app.module';
import { RouteEntry, RoutePolicies } from './auth/route-policies';
import { loadGatewayConfig } from './config';
import { documentIdempotency } from './openapi-idempotency';

/** Builds the gateway in-process (no listening socket), hands it to `use`, and closes it. */
async function withGatewayApp<T>(use: (app: NestFastifyApplication) => T): Promise<T> {
  const config = loadGatewayConfig({ SHIPYARD_LOG_LEVEL: 'silent' });
  const app = await createServiceApp({ service: 'api-gateway', title: 'Shipyard API', module: GatewayModule.register(config), port: 0, shutdownTimeoutMs: 1000, bodyParser: false, openApi: documentIdempotency });
  try {
    return use(app);
  } finally {
    await app.close();
  }
}

/** The public API document, built from the gateway's routes exactly as it serves them at /openapi.json. */
export function gatewayOpenApi(): Promise<OpenAPIObject> {
  return withGatewayApp((app) => documentIdempotency(buildOpenApi(app, 'Shipyard API')));
}

/** Every route the gateway registers, with its declared access policy (for the RBAC matrix test). */
export function gatewayRoutes(): Promise<readonly RouteEntry[]> {
  return withGatewayApp((app) => app.get(RoutePolicies).all());
}

/** Stable text for the committed file: two-space JSON and a final newline. */
export function serialiseOpenApi(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
