import { baseConfigShape, fields, loadConfig } from '@shipyard/config';

export const inferenceConfigShape = {
  ...baseConfigShape,
  SHIPYARD_INFERENCE_PORT: fields.port.default(8085),
};

export type InferenceConfig = ReturnType<typeof loadInferenceConfig>;

export function loadInferenceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(inferenceConfigShape, env);
}
