import { baseConfigShape, fields, loadConfig } from '@shipyard/config';

export const authConfigShape = {
  ...baseConfigShape,
  SHIPYARD_AUTH_PORT: fields.port.default(8081),
};

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(authConfigShape, env);
}
