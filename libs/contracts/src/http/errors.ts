import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Error kinds map one-to-one onto HTTP statuses at the edge. */
export enum ErrorKind {
  InvalidInput = 'invalid_input',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  RateLimited = 'rate_limited',
  Unavailable = 'unavailable',
  Internal = 'internal',
}

export const HTTP_STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({
  [ErrorKind.InvalidInput]: 400,
  [ErrorKind.Unauthenticated]: 401,
  [ErrorKind.Forbidden]: 403,
  [ErrorKind.NotFound]: 404,
  [ErrorKind.Conflict]: 409,
  [ErrorKind.PayloadTooLarge]: 413,
  [ErrorKind.UnsupportedMediaType]: 415,
  [ErrorKind.RateLimited]: 429,
  [ErrorKind.Unavailable]: 503,
  [ErrorKind.Internal]: 500,
});

/** Codes shared by every service; each context adds its own (MODEL_NOT_FOUND, …). */
export enum CommonErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  MalformedJson = 'MALFORMED_JSON',
  NotFound = 'NOT_FOUND',
  RouteNotFound = 'ROUTE_NOT_FOUND',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  RateLimited = 'RATE_LIMITED',
  UpstreamUnavailable = 'UPSTREAM_UNAVAILABLE',
  Internal = 'INTERNAL',
}

export class ErrorBody {
  @ApiProperty({ example: 'MODEL_NOT_FOUND' }) code!: string;
  @ApiProperty({ example: 'model "churn" was not found' }) message!: string;
  @ApiPropertyOptional({ description: 'Structured detail, e.g. one entry per invalid field' }) details?: unknown;
  @ApiProperty({ example: '3f1c2d9e-5a8b-4f0e-9b1c-2d3e4f5a6b7c' }) requestId!: string;
  @ApiPropertyOptional({ description: 'Present on 5xx; the same id is in the server log line' }) errorId?: string;
}

export class ErrorResponse {
  @ApiProperty({ type: ErrorBody }) error!: ErrorBody;
}
