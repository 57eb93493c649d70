import { baseConfigShape, fields, loadConfig } from '@shipyard/config';

export const registryConfigShape = {
  ...baseConfigShape,
  SHIPYARD_REGISTRY_PORT: fields.port.default(8082),
};

export type RegistryConfig = ReturnType<typeof loadRegistryConfig>;

export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(registryConfigShape, env);
}
