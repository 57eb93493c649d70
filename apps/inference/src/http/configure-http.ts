import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { serveRawRoutes } from '@shipyard/service-kit';
import type { InferenceConfig } from '../config';
import { inferenceMetrics } from '../models/inference-metrics';
import { ModelManager } from '../models/model-manager';
import { DataPlane, rawInferenceRoutes, registerInferenceRoutes } from './inference.routes';

/**
 * Adds the data-plane routes to the service (main.ts and the tests both call it): infer and predict as
 * raw node routes in front of fastify (what HTTP clients reach), and every OIP route on fastify.
 */
export function configureInferenceHttp(app: NestFastifyApplication, config: InferenceConfig): void {
  const plane = new DataPlane(app.get(ModelManager), inferenceMetrics());
  registerInferenceRoutes(app.getHttpAdapter().getInstance(), plane, config.SHIPYARD_INFERENCE_BODY_LIMIT_BYTES);
  serveRawRoutes(app, rawInferenceRoutes(plane, config.SHIPYARD_INFERENCE_BODY_LIMIT_BYTES));
}
