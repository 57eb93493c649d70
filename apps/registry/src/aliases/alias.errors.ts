import { ALIAS_PATTERN, ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

export enum AliasErrorCode {
  NotFound = 'ALIAS_NOT_FOUND',
  Invalid = 'INVALID_ALIAS',
}

export class AliasNotFound extends DomainError<AliasErrorCode> {
  constructor(model: string, alias: string) {
    super(AliasErrorCode.NotFound, ErrorKind.NotFound, `model "${model}" has no alias "${alias}"`);
  }
}

/** Validates the `{alias}` path segment (the DB CHECK backs it up, but a client mistake must read as a 400). */
export function parseAlias(raw: string): string {
  if (!ALIAS_PATTERN.test(raw)) {
    throw new DomainError(AliasErrorCode.Invalid, ErrorKind.InvalidInput, `alias "${raw.slice(0, 80)}" is not valid: 1-64 letters, digits, "_" or "-", starting with a letter or digit; "latest" and "v<N>" are reserved`);
  }
  return raw;
}
