import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { REQUEST_ID_HEADER } from '@shipyard/contracts';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's x-request-id is kept when it is safe to log; otherwise a fresh UUID stands in. */
export function normaliseRequestId(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  return candidate !== undefined && SAFE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

/**
 * Fastify's genReqId: decides the id once per request and writes it back onto the raw headers, so
 * the HTTP logger, the handlers and the outbox all see the same value.
 */
export function assignRequestId(req: IncomingMessage): string {
  const id = normaliseRequestId(req.headers[REQUEST_ID_HEADER]);
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}
