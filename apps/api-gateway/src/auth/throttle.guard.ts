import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

/** @nestjs/throttler, answering 429 in Shipyard's error shape with a plain Retry-After header. */
@Injectable()
export class ShipyardThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = Math.max(1, detail.timeToBlockExpire || detail.timeToExpire);
    void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(wait));
    throw new DomainError(CommonErrorCode.RateLimited, ErrorKind.RateLimited, `rate limit exceeded; retry in ${wait} s`, { retryAfterSeconds: wait, limit: detail.limit });
  }
}
