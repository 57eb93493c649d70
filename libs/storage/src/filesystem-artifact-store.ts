import { randomUUID } from 'node:crypto';
import { constants, createWriteStream, Dirent } from 'node:fs';
import { access, FileHandle, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactListing, ArtifactStat, ArtifactStore, ByteRange, PutOptions, PutResult } from './artifact-store';
import { assertBufferSize, DigestingStream, sha256Hex, watchSource } from './digesting-stream';
import { assertValidKey, assertValidPrefix, assertValidRange, assertValidSize } from './object-key';
import { errorCodeOf, StorageError, StorageErrorCode } from './storage-error';

export interface FilesystemArtifactStoreOptions {
  /** Directory holding `objects/` (one file per key, `/` as directory separator) and `tmp/` (uploads in flight). */
  root: string;
}

const MISSING = new Set(['ENOENT', 'ENOTDIR']);
// Where a path component is a file (`a` exists, writing `a/b`) or the target is a directory (`a/b` exists, writing `a`).
const CONFLICT = new Set(['ENOTDIR', 'EEXIST', 'EISDIR', 'ENOTEMPTY']);

/**
 * ArtifactStore on a local or mounted directory, for development, single-node installs and tests.
 * Writes go to a temp file in the same filesystem, are fsynced, then renamed over the target, so a reader
 * sees the old object or the new one and a crash leaves at most an orphan under `tmp/`.
 */
export class FilesystemArtifactStore extends ArtifactStore {
  readonly root: string;
  private readonly objectsDir: string;
  private readonly tmpDir: string;

  constructor(options: FilesystemArtifactStoreOptions) {
    super();
    this.root = resolve(options.root);
    this.objectsDir = join(this.root, 'objects');
    this.tmpDir = join(this.root, 'tmp');
  }

  async ensureBucket(): Promise<void> {
    try {
      // Recursive mkdir succeeds when the directory exists, which is what makes concurrent boots safe.
      await mkdir(this.objectsDir, { recursive: true });
      await mkdir(this.tmpDir, { recursive: true });
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    assertValidSize(key, opts.size);
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    let sourceFailure: () => StorageError | undefined = () => undefined;
    try {
      let result: PutResult;
      if (Buffer.isBuffer(body)) {
        assertBufferSize(key, body, opts.size);
        await writeFile(tmp, body, { flag: 'wx', flush: true });
        result = { size: body.length, sha256: sha256Hex(body) };
      } else {
        const digester = new DigestingStream(key, opts.size);
        const file = createWriteStream(tmp, { flags: 'wx', flush: true });
        sourceFailure = watchSource(key, body, file);
        await pipeline(body, digester, file);
        result = { size: digester.byteCount, sha256: digester.sha256 };
      }
      await this.moveIntoPlace(key, tmp);
      return result;
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined); // never mask the failure that got us here
      if (e instanceof StorageError) throw e;
      const sourceError = sourceFailure();
      if (sourceError) throw sourceError;
      if (errorCodeOf(e) === 'ENOENT' && !(await isDirectory(this.tmpDir))) {
        throw new StorageError(StorageErrorCode.BucketNotFound, `${this.tmpDir} is missing; call ensureBucket() first`, key, { cause: e });
      }
      throw this.translate(e, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(key, range);
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (e) {
      throw this.translate(e, key);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw this.notFound(key); // opening a directory for reading succeeds on Linux
      // Mirror S3: an explicit range starting past the last byte is an error, not an empty body.
      if (range && (range.start > 0 || range.end !== undefined) && range.start >= info.size) {
        throw new StorageError(StorageErrorCode.InvalidRange, `range starts at ${range.start}, ${key} has ${info.size} bytes`, key);
      }
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (e) {
      await handle.close();
      throw this.translate(e, key);
    }
  }

  async stat(key: string): Promise<ArtifactStat | null> {
    assertValidKey(key);
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size, lastModified: info.mtime } : null;
    } catch (e) {
      if (MISSING.has(errorCodeOf(e) ?? '')) return null;
      throw this.translate(e, key);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (e) {
      const code = errorCodeOf(e) ?? '';
      // EISDIR (Linux) / EPERM (macOS): the key names a directory of other keys, so there is no such object.
      if (MISSING.has(code) || code === 'EISDIR' || code === 'EPERM') return;
      throw this.translate(e, key);
    }
    await this.pruneEmptyParents(path);
  }

  list(prefix: string): AsyncIterable<ArtifactListing> {
    assertValidPrefix(prefix); // eagerly, so a bad prefix fails at the call site rather than at the first next()
    const completeSegments = prefix.split('/').slice(0, -1);
    return this.walk(join(this.objectsDir, ...completeSegments), completeSegments.join('/'), prefix);
  }

  presignedPutUrl(key: string): Promise<string> {
    return Promise.resolve().then(() => this.presignUnsupported(key));
  }

  presignedGetUrl(key: string): Promise<string> {
    return Promise.resolve().then(() => this.presignUnsupported(key));
  }

  async ping(): Promise<void> {
    try {
      await access(this.objectsDir, constants.R_OK | constants.W_OK);
      await access(this.tmpDir, constants.R_OK | constants.W_OK);
    } catch (e) {
      if (errorCodeOf(e) === 'ENOENT') {
        throw new StorageError(StorageErrorCode.BucketNotFound, `${this.root} is not initialised`, undefined, { cause: e });
      }
      throw this.unavailable(e);
    }
  }

  private async moveIntoPlace(key: string, tmp: string): Promise<void> {
    const target = this.pathOf(key);
    // A concurrent delete may prune the parent between our mkdir and rename; that race is retried.
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(target), { recursive: true });
        await rename(tmp, target);
        return;
      } catch (e) {
        const code = errorCodeOf(e) ?? '';
        if (code === 'ENOENT' && attempt < 3) continue;
        if (CONFLICT.has(code)) {
          throw new StorageError(StorageErrorCode.KeyConflict, `${key} collides with an existing key on the filesystem`, key, { cause: e });
        }
        throw e;
      }
    }
  }

  /**
   * Depth-first, with directories ordered as `name/`: that makes the output globally sorted by key, as
   * S3 lists (up to UTF-16 vs UTF-8 ordering of astral characters).
   */
  private async *walk(dir: string, dirKey: string, prefix: string): AsyncGenerator<ArtifactListing> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (MISSING.has(errorCodeOf(e) ?? '')) return;
      throw this.unavailable(e);
    }
    const sortName = (d: Dirent): string => (d.isDirectory() ? `${d.name}/` : d.name);
    entries.sort((a, b) => (sortName(a) < sortName(b) ? -1 : sortName(a) > sortName(b) ? 1 : 0));
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix)) yield* this.walk(join(dir, entry.name), key, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(join(dir, entry.name)).catch((e: unknown) => {
          if (MISSING.has(errorCodeOf(e) ?? '')) return null; // deleted while we were listing
          throw this.unavailable(e);
        });
        if (info) yield { key, size: info.size };
      }
    }
  }

  private async pruneEmptyParents(path: string): Promise<void> {
    // Leaving empty directories would block a later put of a key equal to the directory's name.
    for (let dir = dirname(path); dir.startsWith(this.objectsDir + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): an ancestor cannot be empty either
      }
    }
  }

  private pathOf(key: string): string {
    return join(this.objectsDir, ...key.split('/'));
  }

  private translate(e: unknown, key: string): StorageError {
    if (e instanceof StorageError) return e;
    const code = errorCodeOf(e) ?? '';
    if (MISSING.has(code) || code === 'EISDIR') return this.notFound(key, e);
    if (code === 'ENAMETOOLONG') {
      return new StorageError(StorageErrorCode.InvalidKey, `key ${key} is too long for this filesystem`, key, { cause: e });
    }
    return this.unavailable(e, key);
  }

  private notFound(key: string, cause?: unknown): StorageError {
    return new StorageError(StorageErrorCode.NotFound, `no artifact at ${key}`, key, { cause });
  }

  private unavailable(e: unknown, key?: string): StorageError {
    if (e instanceof StorageError) return e;
    const detail = e instanceof Error ? e.message : String(e);
    return new StorageError(StorageErrorCode.Unavailable, `filesystem store ${this.root}: ${detail}`, key, { cause: e });
  }

  private presignUnsupported(key: string): never {
    assertValidKey(key);
    throw new StorageError(
      StorageErrorCode.PresignUnsupported,
      'the filesystem store cannot issue presigned URLs; stream through the service instead',
      key,
    );
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
