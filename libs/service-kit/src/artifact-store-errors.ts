import { Logger } from '@nestjs/common';
import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { DomainError } from './domain-error';
import { isStorageError, StorageErrorCode } from '@shipyard/storage';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** The artifact store is down, frozen or not set up: the request may succeed if retried, so 503, never 500. */
export class ArtifactStoreUnavailable extends DomainError<CommonErrorCode> {
  constructor(what: string) {
    super(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, `${what} failed: the artifact store is unavailable; retry shortly`);
  }
}

const logger = new Logger('artifacts');

/**
 * The one place a storage failure that is the store's fault becomes the API's 503. The driver's detail
 * (endpoint, bucket, errno) goes to the log only: it names internal addresses clients have no use for.
 * Anything else (NOT_FOUND, SIZE_MISMATCH…) is returned as is, for the use case to judge.
 */
export function storeUnavailable(e: unknown, what: string): ArtifactStoreUnavailable | null {
  if (!isStorageError(e, StorageErrorCode.Unavailable) && !isStorageError(e, StorageErrorCode.BucketNotFound)) return null;
  logger.warn(`${what}: artifact store unavailable (${e.message})`);
  return new ArtifactStoreUnavailable(what);
}

/** Runs one artifact store operation, turning store unavailability into ArtifactStoreUnavailable. */
export async function withArtifactStore<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    throw storeUnavailable(e, what) ?? e;
  }
}

/** Waits for a stream read from the store; one that breaks midway (S3 died or froze) is the store's failure. */
export async function readFromArtifactStore(what: string, stream: Readable): Promise<void> {
  try {
    await finished(stream);
  } catch (e) {
    logger.warn(`${what}: the artifact store's stream failed (${(e as Error).message})`);
    throw new ArtifactStoreUnavailable(what);
  }
}
