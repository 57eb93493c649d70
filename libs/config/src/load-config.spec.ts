import { z } from 'zod';
import { ConfigError, assertProductionSafe, baseConfigShape, fields, loadConfig, s3ConfigShape } from './load-config';

describe('loadConfig', () => {
  const shape = { ...baseConfigShape, SHIPYARD_REGISTRY_PORT: fields.port.default(8082), SHIPYARD_S3_SECRET_KEY: z.string().min(8) };

  it('applies defaults and coerces numbers', () => {
    const cfg = loadConfig(shape, { SHIPYARD_S3_SECRET_KEY: 'abcdefgh', SHIPYARD_REGISTRY_PORT: '9000' });
    expect(cfg.SHIPYARD_REGISTRY_PORT).toBe(9000);
    expect(cfg.SHIPYARD_ENV).toBe('development');
    expect(cfg.SHIPYARD_NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('names every bad variable and never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig(shape, { SHIPYARD_REGISTRY_PORT: 'eighty', SHIPYARD_DATABASE_URL: 'mysql://x', SHIPYARD_S3_SECRET_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('SHIPYARD_REGISTRY_PORT="eighty"');
    expect(message).toContain('SHIPYARD_DATABASE_URL="mysql://x"');
    expect(message).toContain('SHIPYARD_S3_SECRET_KEY="<redacted>"');
    expect(message).not.toContain('short');
  });

  it('takes the S3 idle timeout in whole seconds, 30 by default, 1 to 3600', () => {
    expect(loadConfig(s3ConfigShape, {}).SHIPYARD_S3_TIMEOUT_S).toBe(30);
    expect(loadConfig(s3ConfigShape, { SHIPYARD_S3_TIMEOUT_S: '5' }).SHIPYARD_S3_TIMEOUT_S).toBe(5);
    for (const bad of ['0', '-1', '2.5', '3601', 'soon']) expect(() => loadConfig(s3ConfigShape, { SHIPYARD_S3_TIMEOUT_S: bad })).toThrow(/SHIPYARD_S3_TIMEOUT_S/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(shape, { SHIPYARD_REGISTRY_PORT: '', SHIPYARD_S3_SECRET_KEY: '12345678' }).SHIPYARD_REGISTRY_PORT).toBe(8082);
  });

  it('reports a missing required variable by name', () => {
    expect(() => loadConfig(shape, {})).toThrow(/SHIPYARD_S3_SECRET_KEY/);
  });

  it('refuses development defaults in production only', () => {
    expect(() => assertProductionSafe('development', [{ name: 'SHIPYARD_JWT_KEY', insecure: true }])).not.toThrow();
    expect(() => assertProductionSafe('production', [{ name: 'SHIPYARD_JWT_KEY', insecure: true }])).toThrow(/SHIPYARD_JWT_KEY/);
  });
});
