export enum StorageErrorCode {
  InvalidKey = 'INVALID_KEY',
  InvalidArgument = 'INVALID_ARGUMENT',
  InvalidConfig = 'INVALID_CONFIG',
  NotFound = 'NOT_FOUND',
  InvalidRange = 'INVALID_RANGE',
  SizeMismatch = 'SIZE_MISMATCH',
  /** The caller's body stream failed (e.g. the client aborted its upload); nothing was stored. */
  SourceFailed = 'SOURCE_FAILED',
  /** The filesystem cannot hold both `a` and `a/b`; S3 can. */
  KeyConflict = 'KEY_CONFLICT',
  BucketNotFound = 'BUCKET_NOT_FOUND',
  PresignUnsupported = 'PRESIGN_UNSUPPORTED',
  /** The backend failed or did not answer; the cause carries the driver's error. */
  Unavailable = 'UNAVAILABLE',
}

/**
 * Every failure that leaves an ArtifactStore is one of these. It deliberately does not extend the
 * service-kit DomainError: whether a missing artifact is a 404 or a 500 is the calling use case's call.
 */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}

/** Reads `code` off driver errors (minio S3Error, NodeJS.ErrnoException) without trusting their types. */
export function errorCodeOf(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = e.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
