import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayOpenApi, serialiseOpenApi } from './openapi';

const COMMITTED = join(__dirname, '..', 'openapi.json');

describe('the committed OpenAPI document', () => {
  it('matches the routes the gateway serves (run `npm run openapi` after changing a route)', async () => {
    const generated = serialiseOpenApi(await gatewayOpenApi());
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });

  it('documents every route with a summary and its error responses', async () => {
    const doc = await gatewayOpenApi();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, { summary?: string; responses?: Record<string, unknown> }>)) {
        if (path.startsWith('/health') || path === '/metrics') continue;
        expect(`${method.toUpperCase()} ${path}: ${op.summary ?? 'NO SUMMARY'}`).not.toMatch(/NO SUMMARY/);
        expect(Object.keys(op.responses ?? {})).toEqual(expect.arrayContaining(['400']));
      }
    }
  });
});
