import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';

export interface ArtifactRef {
  sha256: string;
  size: number;
  url: string;
}

/** The download failed or the bytes were not the ones the registry recorded. */
export class ArtifactFetchError extends Error {
  override readonly name = 'ArtifactFetchError';
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Model files on local disk, named by their sha256: each artifact is downloaded once (concurrent
 * requests share the download), hashed while it streams, and renamed into place only when the hash and
 * size match, so a file under its final name is always complete and correct.
 */
export class ArtifactCache {
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(private readonly dir: string) {}

  pathOf(sha256: string): string {
    return join(this.dir, `${sha256}.onnx`);
  }

  fetch(artifact: ArtifactRef): Promise<string> {
    const sha = artifact.sha256.toLowerCase();
    if (!SHA256.test(sha)) return Promise.reject(new ArtifactFetchError(`"${artifact.sha256}" is not a sha256`));
    let download = this.downloads.get(sha);
    if (!download) {
      download = this.ensure(sha, artifact).finally(() => this.downloads.delete(sha));
      this.downloads.set(sha, download);
    }
    return download;
  }

  private async ensure(sha: string, artifact: ArtifactRef): Promise<string> {
    const target = this.pathOf(sha);
    const existing = await stat(target).catch(() => null);
    if (existing?.isFile() && existing.size === artifact.size) return target;
    await mkdir(this.dir, { recursive: true });
    const partial = join(this.dir, `.${sha}.${randomUUID()}.part`);
    try {
      const res = await request(artifact.url, { method: 'GET', headersTimeout: 30_000, bodyTimeout: 60_000 });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new ArtifactFetchError(`artifact download answered HTTP ${res.statusCode}`);
      }
      const hash = createHash('sha256');
      let size = 0;
      const digest = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(res.body, digest, createWriteStream(partial, { flags: 'wx' }));
      const actual = hash.digest('hex');
      if (actual !== sha) throw new ArtifactFetchError(`artifact sha256 is ${actual}, the registry recorded ${sha}`);
      if (size !== artifact.size) throw new ArtifactFetchError(`artifact has ${size} bytes, the registry recorded ${artifact.size}`);
      await rename(partial, target);
      return target;
    } catch (e) {
      await rm(partial, { force: true });
      if (e instanceof ArtifactFetchError) throw e;
      throw new ArtifactFetchError(`artifact download failed: ${(e as Error).message}`);
    }
  }
}
