import { ErrorKind } from '@shipyard/contracts';

/** A failure the domain anticipates. Carries a stable code; the edge maps `kind` to an HTTP status. */
export class DomainError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly kind: ErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
