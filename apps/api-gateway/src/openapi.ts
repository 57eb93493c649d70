import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApi, createServiceApp } from '@shipyard/service-kit';
import { GatewayModule } from './app.module';
import { RouteEntry, RoutePolicies } from './auth/route-policies';
import { loadGatewayConfig } from './config';

/** The public API document, built from the gateway's routes exactly as it serves them at /openapi.json. */
export async function gatewayOpenApi(): Promise<OpenAPIObject> {
  const config = loadGatewayConfig({ SHIPYARD_LOG_LEVEL: 'silent' });
  const app: NestFastifyApplication = await createServiceApp({ service: 'api-gateway', title: 'Shipyard API', module: GatewayModule.register(config), port: 0, shutdownTimeoutMs: 1000, bodyParser: false });
  try {
    return buildOpenApi(app, 'Shipyard API');
  } finally {
    await app.close();
  }
}

/** Every route the gateway registers, with its declared access policy (for the RBAC matrix test). */
export async function gatewayRoutes(): Promise<readonly RouteEntry[]> {
  const config = loadGatewayConfig({ SHIPYARD_LOG_LEVEL: 'silent' });
  const app: NestFastifyApplication = await createServiceApp({ service: 'api-gateway', title: 'Shipyard API', module: GatewayModule.register(config), port: 0, shutdownTimeoutMs: 1000, bodyParser: false });
  try {
    return app.get(RoutePolicies).all();
  } finally {
    await app.close();
  }
}

/** Stable text for the committed file: two-space JSON and a final newline. */
export function serialiseOpenApi(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
