import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import { BucketItem, Client } from 'minio';
import { request as undiciRequest } from 'undici';
import { ArtifactListing, ArtifactStat, ArtifactStore, ByteRange, PutOptions, PutResult } from './artifact-store';
import { assertBufferSize, DigestingStream, sha256Hex, watchSource } from './digesting-stream';
import { assertValidExpiry, assertValidKey, assertValidPrefix, assertValidRange, assertValidSize } from './object-key';
import { errorCodeOf, StorageError, StorageErrorCode } from './storage-error';

export interface S3ArtifactStoreOptions {
  /** Full URL of the S3 API, e.g. `http://127.0.0.1:9000`; no path, the bucket is addressed path-style. */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** Defaults to us-east-1. Setting it spares minio a GetBucketLocation round trip before each first call. */
  region?: string;
  /**
   * Objects whose declared size is at most `partSize` go up in one PUT; larger or unsized ones use
   * multipart. minio reads a single-PUT body (or each part) into memory first to sign it, so this also
   * bounds memory per concurrent upload. Minimum 5 MiB; minio's default is 64 MiB.
   */
  partSize?: number;
  /**
   * How long S3 may stay silent, in ms (default 30 s): connecting, waiting for an answer, or moving no byte
   * of a request or response body. An idle limit, not a deadline, so a 20 GiB transfer that keeps moving
   * is never cut; a frozen store fails with UNAVAILABLE within this time instead of hanging the caller.
   */
  timeoutMs?: number;
}

export const DEFAULT_S3_TIMEOUT_MS = 30_000;

const DEFAULT_REGION = 'us-east-1';
/** S3's limit for a single PUT; larger (or unsized) uploads go multipart. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
const STREAMED_PUT_URL_EXPIRY_S = 24 * 3600;
const MISSING_OBJECT_CODES = new Set(['NoSuchKey', 'NotFound']);
// MinIO and AWS answer BucketAlreadyOwnedByYou when we lost a creation race; s3rver answers BucketAlreadyExists.
const BUCKET_TAKEN_CODES = new Set(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);

/**
 * ArtifactStore over any S3 API (MinIO, AWS, s3rver in tests) through the minio client.
 *
 * Upload path, and why the size matters: a stream whose size is known and at most 5 GiB goes up in one
 * PUT to a presigned URL, streamed as it arrives (memory: one chunk). Larger or unsized streams use
 * minio's multipart upload, which holds one part (`partSize`) in memory at a time. s3rver 3.7 cannot do
 * multipart (it answers minio's GET ?uploads with 501), so tests always pass sizes; real MinIO/S3 do both.
 */
export class S3ArtifactStore extends ArtifactStore {
  readonly bucket: string;
  private readonly client: Client;
  private readonly region: string;
  private readonly timeoutMs: number;

  constructor(options: S3ArtifactStoreOptions) {
    super();
    const { hostname, port, useSSL } = parseEndpoint(options.endpoint);
    this.bucket = options.bucket;
    this.region = options.region ?? DEFAULT_REGION;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_S3_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new StorageError(StorageErrorCode.InvalidConfig, `invalid S3 timeout ${String(options.timeoutMs)}: expected a positive number of milliseconds`);
    }
    try {
      this.client = new Client({
        endPoint: hostname,
        port,
        useSSL,
        accessKey: options.accessKey,
        secretKey: options.secretKey,
        region: this.region,
        pathStyle: true,
        transport: idleTimeoutTransport(useSSL ? https : http, this.timeoutMs),
        ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
      });
    } catch (e) {
      throw new StorageError(StorageErrorCode.InvalidConfig, `invalid S3 storage options: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  async ensureBucket(): Promise<void> {
    try {
      if (await this.client.bucketExists(this.bucket)) return;
      await this.client.makeBucket(this.bucket, this.region);
    } catch (e) {
      const code = errorCodeOf(e);
      if (code !== undefined && BUCKET_TAKEN_CODES.has(code) && (await this.bucketExists())) return;
      throw this.translate(e);
    }
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    assertValidSize(key, opts.size);
    const metaData = opts.contentType ? { 'Content-Type': opts.contentType } : {};

    if (Buffer.isBuffer(body)) {
      assertBufferSize(key, body, opts.size);
      const info = await this.call(key, () => this.client.putObject(this.bucket, key, body, body.length, metaData));
      return { size: body.length, sha256: sha256Hex(body), etag: info.etag || undefined };
    }

    const digester = new DigestingStream(key, opts.size);
    const sourceFailure = watchSource(key, body, digester);
    // pipeline() rather than pipe(): a failing source must fail the upload, and minio's multipart path
    // never listens for errors on the stream we hand it.
    const sourceFailed = new Promise<never>((_, reject) => {
      pipeline(body, digester, (err) => {
        if (err) reject(err);
      });
    });
    try {
      // A sized stream that fits one S3 PUT goes up through a presigned URL, streamed as it arrives:
      // minio's own putObject would first read the whole single-PUT body into memory to sign it.
      const upload = opts.size !== undefined && opts.size <= MAX_SINGLE_PUT_BYTES ? this.streamedPut(key, digester, opts.size, opts.contentType) : this.client.putObject(this.bucket, key, digester, opts.size, metaData);
      const info = await Promise.race([upload, sourceFailed]);
      return { size: digester.byteCount, sha256: digester.sha256, etag: info.etag || undefined };
    } catch (e) {
      digester.destroy(); // the backend may give up first: release the caller's source
      throw digester.failure ?? sourceFailure() ?? this.translate(e, key);
    }
  }

  /** One PUT of `size` bytes to a presigned URL (payload unsigned), the body streamed without buffering. */
  private async streamedPut(key: string, body: Readable, size: number, contentType: string | undefined): Promise<{ etag: string }> {
    const url = await this.client.presignedPutObject(this.bucket, key, STREAMED_PUT_URL_EXPIRY_S);
    // headersTimeout counts while S3 takes no body bytes (the socket needs draining) or has not answered
    // after the last one; a client that is merely slow to send does not trip it.
    const res = await undiciRequest(url, {
      method: 'PUT',
      body,
      headers: { 'content-length': String(size), ...(contentType ? { 'content-type': contentType } : {}) },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
      const err = Object.assign(new Error(`S3 PUT answered ${res.statusCode}${code ? ` ${code}` : ''}`), code ? { code } : {});
      throw err;
    }
    const etag = res.headers.etag;
    return { etag: typeof etag === 'string' ? etag.replace(/"/g, '') : '' };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(key, range);
    return this.call(key, () =>
      range
        ? this.client.getPartialObject(this.bucket, key, range.start, range.end === undefined ? 0 : range.end - range.start + 1)
        : this.client.getObject(this.bucket, key),
    );
  }

  async stat(key: string): Promise<ArtifactStat | null> {
    assertValidKey(key);
    try {
      const stat = await this.client.statObject(this.bucket, key);
      const contentType: unknown = stat.metaData['content-type'];
      return {
        size: stat.size,
        etag: stat.etag || undefined,
        lastModified: stat.lastModified,
        contentType: typeof contentType === 'string' ? contentType : undefined,
      };
    } catch (e) {
      if (MISSING_OBJECT_CODES.has(errorCodeOf(e) ?? '')) return null;
      throw this.translate(e, key);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (e) {
      if (MISSING_OBJECT_CODES.has(errorCodeOf(e) ?? '')) return;
      throw this.translate(e, key);
    }
  }

  list(prefix: string): AsyncIterable<ArtifactListing> {
    assertValidPrefix(prefix); // eagerly, so a bad prefix fails at the call site rather than at the first next()
    return this.listValidated(prefix);
  }

  async presignedPutUrl(key: string, expirySeconds: number): Promise<string> {
    assertValidKey(key);
    assertValidExpiry(key, expirySeconds);
    return this.call(key, () => this.client.presignedPutObject(this.bucket, key, expirySeconds));
  }

  async presignedGetUrl(key: string, expirySeconds: number): Promise<string> {
    assertValidKey(key);
    assertValidExpiry(key, expirySeconds);
    return this.call(key, () => this.client.presignedGetObject(this.bucket, key, expirySeconds));
  }

  async ping(): Promise<void> {
    if (!(await this.bucketExists())) {
      throw new StorageError(StorageErrorCode.BucketNotFound, `bucket ${this.bucket} does not exist`);
    }
  }

  private async *listValidated(prefix: string): AsyncGenerator<ArtifactListing> {
    try {
      // Recursive V2 listing pages transparently; breaking out of the loop destroys the stream.
      const items = this.client.listObjectsV2(this.bucket, prefix, true) as AsyncIterable<BucketItem>;
      for await (const item of items) {
        if (item.name !== undefined) yield { key: item.name, size: item.size };
      }
    } catch (e) {
      throw this.translate(e);
    }
  }

  private async bucketExists(): Promise<boolean> {
    try {
      return await this.client.bucketExists(this.bucket);
    } catch (e) {
      throw this.translate(e);
    }
  }

  private async call<T>(key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      throw this.translate(e, key);
    }
  }

  private translate(e: unknown, key?: string): StorageError {
    if (e instanceof StorageError) return e;
    const code = errorCodeOf(e);
    const detail = `${code ?? 'error'}: ${e instanceof Error ? e.message : String(e)}`;
    if (key !== undefined && code !== undefined && MISSING_OBJECT_CODES.has(code)) {
      return new StorageError(StorageErrorCode.NotFound, `no artifact at ${key}`, key, { cause: e });
    }
    if (code === 'NoSuchBucket') {
      return new StorageError(StorageErrorCode.BucketNotFound, `bucket ${this.bucket} does not exist`, key, { cause: e });
    }
    if (code === 'InvalidRange') {
      return new StorageError(StorageErrorCode.InvalidRange, `range not satisfiable for ${key ?? ''}`, key, { cause: e });
    }
    return new StorageError(StorageErrorCode.Unavailable, `S3 ${this.bucket}: ${detail}`, key, { cause: e });
  }
}

/**
 * minio's transport with an idle limit on every socket: connecting, the wait for an answer and each
 * response body (a download stream) fail with ETIMEDOUT once nothing moves for `timeoutMs`.
 */
function idleTimeoutTransport(transport: typeof http | typeof https, timeoutMs: number): Pick<typeof http, 'request'> {
  const request = (options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void): http.ClientRequest => {
    const req = transport.request({ ...options, timeout: timeoutMs }, callback);
    req.on('timeout', () => {
      const err = Object.assign(new Error(`no answer from S3 for ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      req.destroy(err);
    });
    return req;
  };
  return { request } as Pick<typeof http, 'request'>;
}

function parseEndpoint(endpoint: string): { hostname: string; port: number; useSSL: boolean } {
  const invalid = (why: string): never => {
    throw new StorageError(StorageErrorCode.InvalidConfig, `invalid S3 endpoint ${JSON.stringify(endpoint)}: ${why}`);
  };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return invalid('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid('scheme must be http or https');
  // minio has no notion of a path prefix, and credentials belong in accessKey/secretKey, not in the URL.
  if (url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '') {
    invalid('expected scheme://host[:port] only');
  }
  const useSSL = url.protocol === 'https:';
  return {
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port !== '' ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
  };
}
