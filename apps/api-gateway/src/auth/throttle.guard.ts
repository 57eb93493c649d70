import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import type { RequestWithPrincipal } from './principal';

/** Whom a request counts against on the API: its user (an API key counts against its owner); the client IP only if nobody is authenticated. */
export function principalTracker(req: RequestWithPrincipal & { ip?: string }): string {
  return req.user ? `user:${req.user.userId}` : clientIpTracker(req);
}

/** Whom a request counts against on login, refresh, logout and signup: the client IP (each route keeps its own count). */
export function clientIpTracker(req: { ip?: string }): string {
  return `ip:${String(req.ip)}`;
}

/**
 * The API throttler's counter for `tracker` (the storage prefixes it with the throttler's name): one
 * per user, whatever the route. @nestjs/throttler's default key is per class, handler and tracker,
 * which made SHIPYARD_RATE_LIMIT a budget per route. The inference fast path counts on the same key.
 */
export function rateLimitCounter(tracker: string): string {
  return createHash('sha256').update(tracker).digest('hex');
}

/** @nestjs/throttler, answering 429 in Shipyard's error shape with a plain Retry-After header. */
@Injectable()
export class ShipyardThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = Math.max(1, detail.timeToBlockExpire || detail.timeToExpire);
    void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(wait));
    throw new DomainError(CommonErrorCode.RateLimited, ErrorKind.RateLimited, `rate limit exceeded; retry in ${wait} s`, { retryAfterSeconds: wait, limit: detail.limit });
  }
}
