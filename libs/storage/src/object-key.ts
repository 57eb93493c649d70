import { ByteRange } from './artifact-store';
import { StorageError, StorageErrorCode } from './storage-error';

export const MAX_KEY_BYTES = 1024;
/** SigV4 presigned URLs cannot outlive seven days. */
export const MAX_PRESIGN_EXPIRY_SECONDS = 7 * 24 * 3600;

// Control characters and backslashes are legal in S3 but become path tricks or log injection elsewhere.
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\]/;

/**
 * One rule for both drivers, so a key that works against the filesystem in dev also works against S3
 * in production, and the reverse. Trailing `/` is refused because a directory cannot be a file.
 */
export function assertValidKey(key: string): void {
  const invalid = (why: string): never => {
    throw new StorageError(StorageErrorCode.InvalidKey, `invalid key ${JSON.stringify(key)}: ${why}`, key);
  };
  if (typeof key !== 'string' || key.length === 0) invalid('empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) invalid(`longer than ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith('/')) invalid('leading "/"');
  if (FORBIDDEN_CHARS.test(key)) invalid('control character or backslash');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') invalid(`segment ${JSON.stringify(segment)}`);
  }
}

/** A prefix may end mid-segment (`runs/4` matches `runs/42/…`) or on a `/`; its complete segments follow the key rules. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const invalid = (why: string): never => {
    throw new StorageError(StorageErrorCode.InvalidKey, `invalid prefix ${JSON.stringify(prefix)}: ${why}`, prefix);
  };
  if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) invalid(`longer than ${MAX_KEY_BYTES} bytes`);
  if (prefix.startsWith('/')) invalid('leading "/"');
  if (FORBIDDEN_CHARS.test(prefix)) invalid('control character or backslash');
  const complete = prefix.split('/').slice(0, -1);
  for (const segment of complete) {
    if (segment === '' || segment === '.' || segment === '..') invalid(`segment ${JSON.stringify(segment)}`);
  }
}

export function assertValidRange(key: string, range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new StorageError(StorageErrorCode.InvalidArgument, `invalid byte range ${start}-${end ?? ''}`, key);
  }
}

export function assertValidExpiry(key: string, seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_EXPIRY_SECONDS) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `presign expiry must be an integer between 1 and ${MAX_PRESIGN_EXPIRY_SECONDS} seconds, got ${seconds}`,
      key,
    );
  }
}

export function assertValidSize(key: string, size: number | undefined): void {
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw new StorageError(StorageErrorCode.InvalidArgument, `invalid size ${size}`, key);
  }
}
