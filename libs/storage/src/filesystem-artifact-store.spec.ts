import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ArtifactStore, createArtifactStore, FilesystemArtifactStore, StorageError, StorageErrorCode } from './index';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Feeds `data` in small chunks so the store sees a genuine multi-chunk stream, not one Buffer. */
function chunked(data: Buffer, chunkSize = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      this.push(offset < data.length ? data.subarray(offset, (offset += chunkSize)) : null);
    },
  });
}

async function collect(iterable: AsyncIterable<{ key: string; size: number }>): Promise<{ key: string; size: number }[]> {
  const items: { key: string; size: number }[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function expectStorageError(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(StorageError);
  await expect(promise).rejects.toMatchObject({ code });
}

describe('FilesystemArtifactStore', () => {
  let root: string;
  let store: ArtifactStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'shipyard-fs-store-'));
    store = createArtifactStore({ driver: 'filesystem', root });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is created by the factory and initialises idempotently, also when raced', async () => {
    expect(store).toBeInstanceOf(FilesystemArtifactStore);
    await expectStorageError(store.ping(), StorageErrorCode.BucketNotFound);
    await Promise.all([store.ensureBucket(), store.ensureBucket()]);
    await store.ensureBucket();
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('once initialised', () => {
    beforeEach(() => store.ensureBucket());

    it('stores a Buffer and returns its size and sha256', async () => {
      const body = Buffer.from('hello artifact');
      const result = await store.put('models/a/model.onnx', body, { contentType: 'application/octet-stream' });

      expect(result).toEqual({ size: body.length, sha256: sha256(body) });
      expect(await readAll(await store.get('models/a/model.onnx'))).toEqual(body);
    });

    it('streams a 3 MiB body, hashing it on the way, and reads it back byte for byte', async () => {
      const body = randomBytes(3 * 1024 * 1024);
      const result = await store.put('runs/1/weights.bin', chunked(body), { size: body.length });

      expect(result.size).toBe(body.length);
      expect(result.sha256).toBe(sha256(body));
      const back = await readAll(await store.get('runs/1/weights.bin'));
      expect(back.equals(body)).toBe(true);
    });

    it('streams a body of unknown size', async () => {
      const body = randomBytes(200_000);
      await expect(store.put('runs/1/unsized.bin', chunked(body))).resolves.toEqual({ size: body.length, sha256: sha256(body) });
    });

    it('reads byte ranges with inclusive ends, like HTTP', async () => {
      const body = Buffer.from('0123456789');
      await store.put('r/digits', body);

      expect((await readAll(await store.get('r/digits', { start: 2, end: 5 }))).toString()).toBe('2345');
      expect((await readAll(await store.get('r/digits', { start: 7 }))).toString()).toBe('789');
      await expectStorageError(store.get('r/digits', { start: 10 }), StorageErrorCode.InvalidRange);
      await expectStorageError(store.get('r/digits', { start: 5, end: 2 }), StorageErrorCode.InvalidArgument);
    });

    it('replaces an existing object', async () => {
      await store.put('k/v', Buffer.from('first'));
      await store.put('k/v', Buffer.from('second'));
      expect((await readAll(await store.get('k/v'))).toString()).toBe('second');
    });

    it('stats, checks existence and deletes', async () => {
      const before = Date.now();
      await store.put('s/one', Buffer.from('12345'));

      const stat = await store.stat('s/one');
      expect(stat?.size).toBe(5);
      expect(stat?.lastModified.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(await store.exists('s/one')).toBe(true);

      await store.delete('s/one');
      expect(await store.stat('s/one')).toBeNull();
      expect(await store.exists('s/one')).toBe(false);
      await expect(store.delete('s/one')).resolves.toBeUndefined();
      // The emptied directory is pruned, so the name is free for an object again.
      await store.put('s', Buffer.from('now a file'));
      expect(await store.exists('s')).toBe(true);
    });

    it('treats a directory of other keys as a missing object', async () => {
      await store.put('dir/inner', Buffer.from('x'));
      expect(await store.stat('dir')).toBeNull();
      await expectStorageError(store.get('dir'), StorageErrorCode.NotFound);
      await expect(store.delete('dir')).resolves.toBeUndefined();
      expect(await store.exists('dir/inner')).toBe(true);
    });

    it('reports keys the filesystem cannot hold next to each other', async () => {
      await store.put('clash', Buffer.from('file'));
      await expectStorageError(store.put('clash/child', Buffer.from('x')), StorageErrorCode.KeyConflict);
      await store.put('other/child', Buffer.from('x'));
      await expectStorageError(store.put('other', Buffer.from('x')), StorageErrorCode.KeyConflict);
    });

    it('lists by prefix in key order, including partial last segments', async () => {
      for (const key of ['p/a', 'p/b/c', 'p/b/d', 'p-x', 'p/bb', 'q/a']) await store.put(key, Buffer.from(key));

      expect(await collect(store.list('p/'))).toEqual([
        { key: 'p/a', size: 3 },
        { key: 'p/b/c', size: 5 },
        { key: 'p/b/d', size: 5 },
        { key: 'p/bb', size: 4 },
      ]);
      expect((await collect(store.list('p/b'))).map((i) => i.key)).toEqual(['p/b/c', 'p/b/d', 'p/bb']);
      expect((await collect(store.list('p'))).map((i) => i.key)).toEqual(['p-x', 'p/a', 'p/b/c', 'p/b/d', 'p/bb']);
      expect(await collect(store.list('nothing/'))).toEqual([]);
      expect(await collect(store.list(''))).toHaveLength(6);
    });

    it('rejects a missing key with NOT_FOUND', async () => {
      await expectStorageError(store.get('no/such/key'), StorageErrorCode.NotFound);
    });

    it('rejects invalid keys before touching the disk', async () => {
      const invalid = ['', '/abs', '../escape', 'a/../../b', 'a//b', 'a/./b', 'trailing/', 'back\\slash', 'nul\u0000', 'x'.repeat(1025)];
      for (const key of invalid) {
        await expectStorageError(store.put(key, Buffer.from('x')), StorageErrorCode.InvalidKey);
        await expectStorageError(store.get(key), StorageErrorCode.InvalidKey);
        await expectStorageError(store.stat(key), StorageErrorCode.InvalidKey);
        await expectStorageError(store.delete(key), StorageErrorCode.InvalidKey);
      }
      expect(() => store.list('../')).toThrow(StorageError);
      expect(() => store.list('/abs')).toThrow(StorageError);
      // 1024 bytes is the S3 limit, counted in UTF-8: 512 two-byte characters fit, 513 do not.
      await expectStorageError(store.put('é'.repeat(513), Buffer.from('x')), StorageErrorCode.InvalidKey);
    });

    it('refuses a body whose length differs from the declared size and leaves nothing behind', async () => {
      await expectStorageError(store.put('sz/short', chunked(Buffer.alloc(10)), { size: 11 }), StorageErrorCode.SizeMismatch);
      await expectStorageError(store.put('sz/long', chunked(Buffer.alloc(10)), { size: 9 }), StorageErrorCode.SizeMismatch);
      await expectStorageError(store.put('sz/buf', Buffer.alloc(10), { size: 9 }), StorageErrorCode.SizeMismatch);
      expect(await store.exists('sz/short')).toBe(false);
      expect(await store.exists('sz/long')).toBe(false);
      expect(await readdir(join(root, 'tmp'))).toEqual([]);
    });

    it('fails the put when the source stream fails, without storing a partial object', async () => {
      const failing = new Readable({
        read() {
          this.destroy(new Error('disk on the client side melted'));
        },
      });
      await expect(store.put('broken/source', failing)).rejects.toMatchObject({ code: StorageErrorCode.SourceFailed });
      expect(await store.exists('broken/source')).toBe(false);
      expect(await readdir(join(root, 'tmp'))).toEqual([]);
    });

    it('cannot presign', async () => {
      await expectStorageError(store.presignedGetUrl('a/b', 60), StorageErrorCode.PresignUnsupported);
      await expectStorageError(store.presignedPutUrl('a/b', 60), StorageErrorCode.PresignUnsupported);
    });
  });
});
