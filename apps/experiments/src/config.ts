import { baseConfigShape, fields, loadConfig } from '@shipyard/config';

export const experimentsConfigShape = {
  ...baseConfigShape,
  SHIPYARD_EXPERIMENTS_PORT: fields.port.default(8083),
};

export type ExperimentsConfig = ReturnType<typeof loadExperimentsConfig>;

export function loadExperimentsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(experimentsConfigShape, env);
}
