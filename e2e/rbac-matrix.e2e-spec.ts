import { randomUUID } from 'node:crypto';
import { effectivePermissions, Permission, ROLES, SCOPES } from '@shipyard/contracts';
import { TestStack } from '@shipyard/testing';
import { gatewayRoutes } from '../apps/api-gateway/src/openapi';
import type { RouteEntry } from '../apps/api-gateway/src/auth/route-policies';
import { request } from './http';

/** MLflow's endpoints, each served under both prefixes (the client's /api and the UI's /ajax-api). */
const MLFLOW_ROUTES: Record<string, Permission> = {
  'POST experiments/create': 'experiments:write',
  'GET experiments/get': 'experiments:read',
  'GET experiments/get-by-name': 'experiments:read',
  'POST experiments/search': 'experiments:read',
  'GET experiments/search': 'experiments:read',
  'POST experiments/update': 'experiments:write',
  'POST experiments/delete': 'experiments:write',
  'POST experiments/restore': 'experiments:write',
  'POST experiments/set-experiment-tag': 'experiments:write',
  'POST runs/create': 'experiments:write',
  'GET runs/get': 'experiments:read',
  'POST runs/update': 'experiments:write',
  'POST runs/delete': 'experiments:write',
  'POST runs/restore': 'experiments:write',
  'POST runs/search': 'experiments:read',
  'POST runs/log-metric': 'experiments:write',
  'POST runs/log-parameter': 'experiments:write',
  'POST runs/log-batch': 'experiments:write',
  'POST runs/set-tag': 'experiments:write',
  'POST runs/delete-tag': 'experiments:write',
  'POST runs/log-inputs': 'experiments:write',
  'GET metrics/get-history': 'experiments:read',
  'POST registered-models/create': 'models:write',
  'GET registered-models/get': 'models:read',
  'GET registered-models/search': 'models:read',
  'PATCH registered-models/update': 'models:write',
  'DELETE registered-models/delete': 'models:write',
  'POST model-versions/create': 'models:write',
  'GET model-versions/get': 'models:read',
  'GET model-versions/search': 'models:read',
  'PATCH model-versions/update': 'models:write',
  'POST model-versions/transition-stage': 'models:write',
  'POST registered-models/alias': 'models:write',
  'DELETE registered-models/alias': 'models:write',
  'GET registered-models/alias': 'models:read',
  'POST registered-models/rename': 'models:write',
  'POST registered-models/set-tag': 'models:write',
  'DELETE registered-models/delete-tag': 'models:write',
  'GET registered-models/get-latest-versions': 'models:read',
  'POST registered-models/get-latest-versions': 'models:read',
  'POST model-versions/set-tag': 'models:write',
  'DELETE model-versions/delete-tag': 'models:write',
  'DELETE model-versions/delete': 'models:write',
};
const mlflowMatrix = (prefix: string) => Object.fromEntries(Object.entries(MLFLOW_ROUTES).map(([route, need]) => {
  const [method, path] = route.split(' ') as [string, string];
  return [`${method} ${prefix}/${path}`, need];
}));

/**
 * The access matrix, route by route. A route the gateway serves that is missing here (or declares a
 * different policy) fails the first test: every new route is a decision someone writes down.
 */
const MATRIX: Record<string, 'public' | 'authenticated' | Permission> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /.well-known/jwks.json': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  'POST /api/v1/auth/signup': 'public',
  'GET /api/v1/auth/me': 'authenticated',
  'POST /api/v1/api-keys': 'authenticated',
  'GET /api/v1/api-keys': 'authenticated',
  'DELETE /api/v1/api-keys/:id': 'authenticated',
  'GET /api/v1/admin/users': 'admin',
  'POST /api/v1/admin/users': 'admin',
  'PATCH /api/v1/admin/users/:id': 'admin',
  'POST /api/v1/admin/users/:id/password': 'admin',
  'GET /api/v1/admin/api-keys': 'admin',
  'POST /api/v1/models': 'models:write',
  'GET /api/v1/models': 'models:read',
  'GET /api/v1/models/:id': 'models:read',
  'PATCH /api/v1/models/:id': 'models:write',
  'DELETE /api/v1/models/:id': 'models:write',
  'POST /api/v1/models/:id/restore': 'models:write',
  'POST /api/v1/models/:id/versions': 'models:write',
  'GET /api/v1/models/:id/versions': 'models:read',
  'GET /api/v1/models/:id/versions/:v': 'models:read',
  'PATCH /api/v1/models/:id/versions/:v': 'models:write',
  'DELETE /api/v1/models/:id/versions/:v': 'models:write',
  'PUT /api/v1/models/:id/versions/:v/artifact': 'models:write',
  'GET /api/v1/models/:id/versions/:v/artifact': 'models:read',
  'POST /api/v1/models/:id/versions/:v/artifact/upload-url': 'models:write',
  'POST /api/v1/models/:id/versions/:v/artifact/complete': 'models:write',
  'GET /api/v1/models/:id/versions/:v/artifact/download-url': 'models:read',
  'PUT /api/v1/models/:id/aliases/:alias': 'models:write',
  'DELETE /api/v1/models/:id/aliases/:alias': 'models:write',
  'POST /api/v1/models/:id/versions/:v/stage': 'models:write',
  'GET /api/v1/models/:id/versions/:v/stage-decisions': 'models:read',
  'GET /api/v1/models/:id/gates': 'models:read',
  'PUT /api/v1/models/:id/gates': 'admin', // not models:write: whoever promotes must not switch the gates off
  'POST /api/v1/models/:id/versions/:v/reviews': 'models:write',
  'GET /api/v1/models/:id/versions/:v/reviews': 'models:read',
  'POST /api/v1/models/:id/versions/:v/reviews/:reviewId/decision': 'models:approve',
  'GET /api/v1/models/:id/versions/:v/card': 'models:read',
  'PUT /api/v1/models/:id/versions/:v/card': 'models:write',
  'GET /api/v1/models/:id/versions/:v/card.md': 'models:read',
  'GET /api/v1/models/:id/versions/compare': 'models:read',
  'POST /api/v1/experiments': 'experiments:write',
  'GET /api/v1/experiments': 'experiments:read',
  'GET /api/v1/experiments/:id': 'experiments:read',
  'PATCH /api/v1/experiments/:id': 'experiments:write',
  'DELETE /api/v1/experiments/:id': 'experiments:write',
  'POST /api/v1/experiments/:id/restore': 'experiments:write',
  'POST /api/v1/runs': 'experiments:write',
  'POST /api/v1/runs/search': 'experiments:read',
  'GET /api/v1/runs/compare': 'experiments:read',
  'GET /api/v1/runs/:id': 'experiments:read',
  'PATCH /api/v1/runs/:id': 'experiments:write',
  'DELETE /api/v1/runs/:id': 'experiments:write',
  'POST /api/v1/runs/:id/restore': 'experiments:write',
  'POST /api/v1/runs/:id/params': 'experiments:write',
  'POST /api/v1/runs/:id/metrics': 'experiments:write',
  'POST /api/v1/runs/:id/tags': 'experiments:write',
  'DELETE /api/v1/runs/:id/tags/:key': 'experiments:write',
  'POST /api/v1/runs/:id/log-batch': 'experiments:write',
  'GET /api/v1/runs/:id/metric-history': 'experiments:read',
  'POST /api/v1/runs/:id/inputs': 'experiments:write',
  'GET /api/v1/lineage/:kind/:id': 'experiments:read',
  'GET /v2/health/live': 'public',
  'GET /v2/health/ready': 'public',
  'GET /v2': 'public',
  'GET /v2/models/:name': 'predict',
  'GET /v2/models/:name/versions/:version': 'predict',
  'GET /v2/models/:name/ready': 'predict',
  'GET /v2/models/:name/versions/:version/ready': 'predict',
  'POST /v2/models/:name/infer': 'predict',
  'POST /v2/models/:name/versions/:version/infer': 'predict',
  'POST /api/v1/predict/:model': 'predict',
  'POST /api/v1/inference/models': 'admin',
  'GET /api/v1/inference/models': 'models:read',
  'DELETE /api/v1/inference/models/:name': 'admin',
  'GET /api/v1/audit/events': 'audit:read',
  'GET /api/v1/audit/verify': 'audit:read',
  'GET /api/v1/audit/export': 'audit:read',
  ...mlflowMatrix('/api/2.0/mlflow'),
  ...mlflowMatrix('/ajax-api/2.0/mlflow'),
  'GET /api/2.0/mlflow-artifacts/artifacts': 'experiments:read',
  'GET /api/2.0/mlflow-artifacts/artifacts/*': 'experiments:read',
  'PUT /api/2.0/mlflow-artifacts/artifacts/*': 'experiments:write',
  'GET /ajax-api/2.0/mlflow-artifacts/artifacts': 'experiments:read',
  'GET /ajax-api/2.0/mlflow-artifacts/artifacts/*': 'experiments:read',
  'PUT /ajax-api/2.0/mlflow-artifacts/artifacts/*': 'experiments:write',
};

function declared(r: RouteEntry): string {
  if (!r.policy) return 'none';
  return r.policy.kind === 'permission' ? r.policy.permission : r.policy.kind;
}

interface Caller {
  name: string;
  token: string | null;
  permissions: ReadonlySet<Permission> | null; // null = anonymous
}

describe('RBAC matrix: every gateway route × anonymous, each role, an API key per scope', () => {
  let routes: readonly RouteEntry[];
  let stack: TestStack;
  const callers: Caller[] = [];

  beforeAll(async () => {
    routes = await gatewayRoutes();
    stack = await TestStack.start({ services: ['audit', 'registry', 'experiments', 'inference', 'api-gateway'] });
    callers.push({ name: 'anonymous', token: null, permissions: null });
    for (const role of ROLES) {
      const token = role === 'admin' ? await stack.adminToken() : (await stack.user(`${role}-${randomUUID().slice(0, 6)}@example.com`, role)).token;
      callers.push({ name: `role ${role}`, token, permissions: new Set(effectivePermissions(role)) });
    }
    for (const scope of SCOPES) {
      const res = await request<{ key: string }>(stack.url('api-gateway'), 'POST', '/api/v1/api-keys', { token: await stack.adminToken(), body: { name: `scope-${scope}`, scopes: [scope] } });
      callers.push({ name: `api key ${scope}`, token: res.body.key, permissions: new Set(effectivePermissions('admin', [scope])) });
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists exactly the routes the gateway serves, each with the policy it declares', () => {
    const served = Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, declared(r)]));
    expect(served).toEqual(MATRIX);
  });

  it('allows and denies exactly as the matrix says', async () => {
    const gw = stack.url('api-gateway');
    const mismatches: string[] = [];
    for (const [route, need] of Object.entries(MATRIX)) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template.replace(/:reviewId/g, randomUUID()).replace(/:kind/g, 'run').replace(/:id/g, randomUUID()).replace(/:v\b/g, '1').replace(/:alias/g, 'champion').replace(/:key/g, 'some-key').replace(/:name/g, 'no-such-model').replace(/:version/g, '1').replace(/:model/g, 'no-such-model');
      for (const c of callers) {
        const res = await request(gw, method, path, { token: c.token, ...(['POST', 'PATCH', 'PUT'].includes(method) ? { body: {} } : {}) });
        const expected = need === 'public' ? 'allow' : c.permissions === null ? 401 : need === 'authenticated' || c.permissions.has(need) ? 'allow' : 403;
        const got = res.status === 401 || res.status === 403 ? res.status : 'allow';
        if (got !== expected) mismatches.push(`${route} as ${c.name}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
