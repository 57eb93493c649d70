import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InferenceConfig } from '../config';
import { inferenceMetrics } from '../models/inference-metrics';
import { ModelManager } from '../models/model-manager';
import { registerInferenceRoutes } from './inference.routes';

/** Adds the data-plane routes to the service's fastify instance (main.ts and the tests both call it). */
export function configureInferenceHttp(app: NestFastifyApplication, config: InferenceConfig): void {
  registerInferenceRoutes(app.getHttpAdapter().getInstance(), app.get(ModelManager), inferenceMetrics(), config.SHIPYARD_INFERENCE_BODY_LIMIT_BYTES);
}
