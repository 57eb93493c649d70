import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor, OnApplicationBootstrap } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { from, Observable, of, throwError } from 'rxjs';
import { catchError, map, mergeMap } from 'rxjs/operators';
import { DataSource } from 'typeorm';
import { ACTOR_HEADER, ErrorKind } from '@shipyard/contracts';
import { DomainError } from './domain-error';
import { Lifecycle } from './lifecycle';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAY_HEADER = 'idempotent-replayed';

/** How long a key's answer is kept (and replayed). */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** A key still "pending" this long after it was taken belongs to a request that died (a crash): another may take it. */
const ABANDONED_AFTER_S = 120;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export enum IdempotencyErrorCode {
  InvalidKey = 'IDEMPOTENCY_KEY_INVALID',
  KeyReused = 'IDEMPOTENCY_KEY_REUSED',
  InProgress = 'IDEMPOTENCY_KEY_IN_PROGRESS',
  Unsupported = 'IDEMPOTENCY_KEY_UNSUPPORTED',
}

/** The table a service's migration creates for its keys (one per schema, like the outbox). */
export function idempotencyTableSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".idempotency_keys (
      actor text NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      state text NOT NULL CHECK (state IN ('pending', 'done')),
      status integer,
      body jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (actor, key)
    )`,
    `CREATE INDEX idempotency_keys_created_idx ON "${schema}".idempotency_keys (created_at)`,
  ];
}

interface KeyRow {
  fingerprint: string;
  state: 'pending' | 'done';
  status: number | null;
  body: unknown;
}

export const IDEMPOTENCY_SCHEMA = Symbol('IDEMPOTENCY_SCHEMA');

/**
 * `Idempotency-Key` on a write (POST/PUT/PATCH/DELETE): the first request with a key runs and its answer
 * (status and JSON body, 2xx only) is kept for 24 hours per caller; a retry with the same key and the same
 * request gets that answer again (`Idempotent-Replayed: true`) without running twice. This is what makes a
 * create safe to retry after a 503 or a timeout whose write may have committed. The same key with another
 * request is 400; while the first is still running, 409 with Retry-After. A request that fails releases the
 * key, so a retry runs again. The answer is stored after the write commits, in its own statement: a process
 * that dies between the two leaves the key pending, and after two minutes a retry runs again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnApplicationBootstrap {
  private readonly logger = new Logger('idempotency');
  private readonly table: string;

  constructor(
    private readonly ds: DataSource,
    @Inject(IDEMPOTENCY_SCHEMA) schema: string,
    private readonly lifecycle: Lifecycle,
  ) {
    this.table = `"${schema}".idempotency_keys`;
  }

  onApplicationBootstrap(): void {
    const timer = setInterval(() => {
      this.ds.query(`DELETE FROM ${this.table} WHERE created_at < now() - make_interval(hours => $1)`, [IDEMPOTENCY_TTL_HOURS]).catch((e: unknown) => this.logger.warn(`pruning expired keys failed: ${(e as Error).message}`));
    }, 600_000);
    timer.unref();
    this.lifecycle.onShutdown('workers', 'idempotency key pruning', () => {
      clearInterval(timer);
      return Promise.resolve();
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers[IDEMPOTENCY_HEADER];
    if (header === undefined || !WRITES.has(req.method)) return next.handle();
    const key = Array.isArray(header) ? header.join(',') : header;
    if (!KEY_SHAPE.test(key)) throw new DomainError(IdempotencyErrorCode.InvalidKey, ErrorKind.InvalidInput, 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    if (req.body instanceof Readable || Buffer.isBuffer(req.body)) throw new DomainError(IdempotencyErrorCode.Unsupported, ErrorKind.InvalidInput, 'Idempotency-Key is not supported on uploads (a raw or streamed body); these routes can be retried as they are');
    const actorHeader = req.headers[ACTOR_HEADER];
    const actor = typeof actorHeader === 'string' ? actorHeader : '';
    const fingerprint = createHash('sha256').update(`${req.method} ${req.url}\n`).update(JSON.stringify(req.body ?? null)).digest('hex');
    const reply = context.switchToHttp().getResponse<FastifyReply>();

    return from(this.claim(actor, key, fingerprint)).pipe(
      mergeMap((prior) => {
        if (prior) {
          void reply.status(prior.status ?? 200).header(IDEMPOTENT_REPLAY_HEADER, 'true');
          return of(prior.body ?? undefined);
        }
        return next.handle().pipe(
          mergeMap((body: unknown) => from(this.complete(actor, key, reply.statusCode, body)).pipe(map(() => body))),
          catchError((e: unknown) => from(this.release(actor, key)).pipe(mergeMap(() => throwError(() => e)))),
        );
      }),
    );
  }

  /** Takes the key for this request (null), or returns the answer kept for an earlier identical one. */
  private async claim(actor: string, key: string, fingerprint: string): Promise<KeyRow | null> {
    const taken = await this.ds.query<unknown[]>(
      `INSERT INTO ${this.table} (actor, key, fingerprint, state) VALUES ($1, $2, $3, 'pending')
       ON CONFLICT (actor, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, state = 'pending', status = NULL, body = NULL, created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
            OR (idempotency_keys.state = 'pending' AND idempotency_keys.created_at < now() - make_interval(secs => $5))
       RETURNING 1`,
      [actor, key, fingerprint, IDEMPOTENCY_TTL_HOURS, ABANDONED_AFTER_S],
    );
    if (taken.length > 0) return null;
    const [row] = await this.ds.query<KeyRow[]>(`SELECT fingerprint, state, status, body FROM ${this.table} WHERE actor = $1 AND key = $2`, [actor, key]);
    // Released meanwhile (the other request failed): take it on the next try.
    if (!row) throw inProgress();
    if (row.fingerprint !== fingerprint) {
      throw new DomainError(IdempotencyErrorCode.KeyReused, ErrorKind.InvalidInput, 'this Idempotency-Key was used for another request (method, path or body differ); use a new key for a new request');
    }
    if (row.state === 'pending') throw inProgress();
    return row;
  }

  private async complete(actor: string, key: string, status: number, body: unknown): Promise<void> {
    if (status >= 300) {
      await this.release(actor, key);
      return;
    }
    await this.ds.query(`UPDATE ${this.table} SET state = 'done', status = $3, body = $4::jsonb WHERE actor = $1 AND key = $2`, [actor, key, status, JSON.stringify(body ?? null)]);
  }

  private async release(actor: string, key: string): Promise<void> {
    try {
      await this.ds.query(`DELETE FROM ${this.table} WHERE actor = $1 AND key = $2 AND state = 'pending'`, [actor, key]);
    } catch (e) {
      // The key stays pending and is taken over once abandoned: the caller's retry waits, never runs twice at once.
      this.logger.warn(`could not release Idempotency-Key after a failed request: ${(e as Error).message}`);
    }
  }
}

function inProgress(): DomainError {
  return new DomainError(IdempotencyErrorCode.InProgress, ErrorKind.Conflict, 'a request with this Idempotency-Key is still running; retry shortly', { retryAfterSeconds: 1 });
}
