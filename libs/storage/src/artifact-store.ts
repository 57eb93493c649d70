import { Readable } from 'node:stream';

export interface PutOptions {
  /** Byte count of the body. Give it whenever known: the S3 driver needs it for a single PUT, and both
   *  drivers reject a body whose length differs (SIZE_MISMATCH) instead of storing a truncated artifact. */
  size?: number;
  contentType?: string;
}

export interface PutResult {
  size: number;
  /** Lower-case hex SHA-256 of the bytes as stored, computed while streaming. */
  sha256: string;
  etag?: string;
}

/** Inclusive byte offsets, as in an HTTP Range header; `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ArtifactStat {
  size: number;
  etag?: string;
  lastModified: Date;
  contentType?: string;
}

export interface ArtifactListing {
  key: string;
  size: number;
}

/**
 * Where model artifacts and run outputs live. An abstract class rather than an interface so that it can
 * be the NestJS injection token itself: `{ provide: ArtifactStore, useFactory: () => createArtifactStore(cfg) }`.
 *
 * Keys are `/`-separated, relative, at most 1024 UTF-8 bytes, without empty, `.` or `..` segments;
 * anything else is rejected with INVALID_KEY before any I/O.
 */
export abstract class ArtifactStore {
  /** Creates the bucket (or root directory) when missing. Idempotent; safe when replicas race at boot. */
  abstract ensureBucket(): Promise<void>;

  /**
   * Streams `body` to `key`, replacing any existing object, hashing it on the way. Memory stays bounded:
   * the filesystem driver holds one chunk; the S3 driver holds at most one part (its `partSize`), since
   * minio reads each request body into memory to sign it.
   */
  abstract put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<PutResult>;

  /** Rejects with NOT_FOUND when the key is missing and INVALID_RANGE when `range.start` is past the end. */
  abstract get(key: string, range?: ByteRange): Promise<Readable>;

  /** `null` when the key is missing. */
  abstract stat(key: string): Promise<ArtifactStat | null>;

  /** Succeeds when the key is already missing. */
  abstract delete(key: string): Promise<void>;

  abstract list(prefix: string): AsyncIterable<ArtifactListing>;

  /** A URL that lets a client without credentials PUT the object directly (S3 only). */
  abstract presignedPutUrl(key: string, expirySeconds: number): Promise<string>;

  /** A URL that lets a client without credentials GET the object directly (S3 only). */
  abstract presignedGetUrl(key: string, expirySeconds: number): Promise<string>;

  /** Resolves when the backend answers and the bucket is usable; for readiness probes. */
  abstract ping(): Promise<void>;

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }
}
