import { createHash } from 'node:crypto';
import { Readable, Transform, TransformCallback, Writable } from 'node:stream';
import { StorageError, StorageErrorCode } from './storage-error';

/**
 * A pass-through that hashes and counts bytes on their way to the backend, so the body is read once.
 * With an expected size it fails the pipeline on the first extra byte, or at the end when short: a
 * truncated upload must never be stored under a digest the caller believes in.
 */
export class DigestingStream extends Transform {
  private readonly hash = createHash('sha256');
  private count = 0;
  private digest: string | undefined;
  /** Set when this stream failed the pipeline; lets callers prefer it over the backend's echo of it. */
  failure: StorageError | undefined;

  constructor(
    private readonly key: string,
    private readonly expectedSize?: number,
  ) {
    super();
  }

  get byteCount(): number {
    return this.count;
  }

  /** Hex SHA-256; only available once the source has ended. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error('DigestingStream: sha256 read before the stream ended');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.expectedSize !== undefined && this.count > this.expectedSize) {
      callback(this.mismatch(`more than the declared ${this.expectedSize} bytes`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.count !== this.expectedSize) {
      callback(this.mismatch(`${this.count} bytes, declared ${this.expectedSize}`));
      return;
    }
    this.digest = this.hash.digest('hex');
    callback();
  }

  private mismatch(detail: string): StorageError {
    this.failure = new StorageError(StorageErrorCode.SizeMismatch, `body of ${this.key} has ${detail}`, this.key);
    return this.failure;
  }
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function assertBufferSize(key: string, body: Buffer, expectedSize: number | undefined): void {
  if (expectedSize !== undefined && body.length !== expectedSize) {
    throw new StorageError(StorageErrorCode.SizeMismatch, `body of ${key} has ${body.length} bytes, declared ${expectedSize}`, key);
  }
}

/**
 * Remembers the first error of the caller's stream, to tell "your body broke" from "the backend broke".
 * When the backend fails first, the pipeline tears the source down with the backend's error: that echo
 * is not the caller's fault, so a source failure counts only when it came before `sink` failed or closed.
 */
export function watchSource(key: string, body: Readable, sink: Readable | Writable): () => StorageError | undefined {
  let failure: StorageError | undefined;
  let sinkFailed = false;
  sink.once('error', () => (sinkFailed = true));
  sink.once('close', () => {
    // A sink the backend reads (S3) is done when read to its end; one we write (a file), when finished.
    if (!(sink instanceof Readable ? sink.readableEnded : sink.writableFinished)) sinkFailed = true;
  });
  body.once('error', (e: unknown) => {
    if (sinkFailed) return;
    const detail = e instanceof Error ? e.message : String(e);
    failure = new StorageError(StorageErrorCode.SourceFailed, `body of ${key} failed: ${detail}`, key, { cause: e });
  });
  return () => failure;
}
