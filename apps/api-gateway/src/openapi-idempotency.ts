import { OpenAPIObject } from '@nestjs/swagger';

/** The route groups whose services (registry, experiments, inference) honour `Idempotency-Key` on writes. */
const IDEMPOTENT_TAGS = new Set(['models', 'model versions', 'model artifacts', 'model governance', 'experiments', 'runs', 'inference']);
const WRITE_METHODS = ['post', 'put', 'patch', 'delete'] as const;

/**
 * Adds the optional `Idempotency-Key` header to every write of those groups that takes a JSON body or
 * none (uploads are refused a key: a raw body is not kept to compare a retry with).
 */
export function documentIdempotency(doc: OpenAPIObject): OpenAPIObject {
  doc.components = doc.components ?? {};
  doc.components.parameters = {
    ...doc.components.parameters,
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
      description:
        'Makes a retry safe: the first request with a key runs, and for 24 hours a retry by the same caller with the same key and request gets its answer again (header `Idempotent-Replayed: true`) without running twice. The same key with another request → 400 IDEMPOTENCY_KEY_REUSED; while the first still runs → 409 IDEMPOTENCY_KEY_IN_PROGRESS with Retry-After. A request that fails frees its key.',
    },
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path.endsWith('/search')) continue; // a query sent as POST: nothing to repeat
    for (const method of WRITE_METHODS) {
      const op = ops[method];
      if (!op || !(op.tags ?? []).some((t) => IDEMPOTENT_TAGS.has(t))) continue;
      const body = op.requestBody && 'content' in op.requestBody ? Object.keys(op.requestBody.content) : [];
      if (body.length > 0 && !body.includes('application/json')) continue;
      op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }];
    }
  }
  return doc;
}
