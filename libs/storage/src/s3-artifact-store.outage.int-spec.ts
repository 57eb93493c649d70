import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { freePort, tcpStandIn, tricklingBody, waitFor } from '@shipyard/testing';
import { S3ArtifactStore, S3ArtifactStoreOptions, StorageError, StorageErrorCode } from './index';

const MiB = 1024 * 1024;
const BUCKET = 'shipyard-artifacts';
const TIMEOUT_MS = 1_500;

/** s3rver in its own process, so that the tests can SIGKILL or SIGSTOP it like an operator (or the OOM killer) would. */
class S3Process {
  private constructor(
    private readonly child: ChildProcess,
    private readonly directory: string,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<S3Process> {
    const directory = await mkdtemp(join(tmpdir(), 'shipyard-s3-outage-'));
    const port = await freePort();
    const bin = require.resolve('s3rver/bin/s3rver.js');
    const child = spawn(process.execPath, [bin, '-d', directory, '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', BUCKET], { stdio: 'ignore' });
    const s3 = new S3Process(child, directory, `http://127.0.0.1:${port}`);
    const probe = s3.store(5_000);
    await waitFor('s3rver', () => probe.ping().then(() => true));
    return s3;
  }

  store(timeoutMs = TIMEOUT_MS): S3ArtifactStore {
    const options: S3ArtifactStoreOptions = { endpoint: this.endpoint, bucket: BUCKET, accessKey: 'S3RVER', secretKey: 'S3RVER', partSize: 64 * MiB, timeoutMs };
    return new S3ArtifactStore(options);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
      await exited;
    }
    await rm(this.directory, { recursive: true, force: true });
  }
}

async function failure(promise: Promise<unknown>): Promise<{ error: StorageError; ms: number }> {
  const started = Date.now();
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return { error: error as StorageError, ms: Date.now() - started };
}

describe('S3ArtifactStore when S3 goes away', () => {
  let s3: S3Process | undefined;

  afterEach(async () => {
    await s3?.stop();
    s3 = undefined;
  });

  it('reports a stopped S3 (connection refused) as UNAVAILABLE on every call', async () => {
    const port = await freePort(); // nothing listens there
    const store = new S3ArtifactStore({ endpoint: `http://127.0.0.1:${port}`, bucket: BUCKET, accessKey: 'S3RVER', secretKey: 'S3RVER', partSize: 64 * MiB });
    const data = Buffer.from('weights');
    for (const call of [() => store.put('a/b', data), () => store.put('a/c', Readable.from([data]), { size: data.length }), () => store.get('a/b'), () => store.stat('a/b'), () => store.ping()]) {
      const { error } = await failure(call());
      expect(error.code).toBe(StorageErrorCode.Unavailable);
    }
  });

  it('blames S3, not the caller, when S3 is killed in the middle of a streamed upload', async () => {
    s3 = await S3Process.start();
    const server = s3;
    const store = server.store();
    let killed = false;
    const body = tricklingBody(32 * MiB, {
      onProgress: (sent) => {
        if (sent >= 2 * MiB && !killed) {
          killed = true;
          server.signal('SIGKILL');
        }
      },
    });

    const { error } = await failure(store.put('killed/mid-upload.bin', body, { size: 32 * MiB }));

    expect(killed).toBe(true);
    expect(error.code).toBe(StorageErrorCode.Unavailable);
  });

  it('still blames the caller when its body fails first', async () => {
    s3 = await S3Process.start();
    const store = s3.store();
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= MiB) {
          this.destroy(new Error('client went away'));
          return;
        }
        sent += 64 * 1024;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const { error } = await failure(store.put('client/aborted.bin', body, { size: 8 * MiB }));
    expect(error.code).toBe(StorageErrorCode.SourceFailed);
  });

  describe('frozen (SIGSTOP): calls fail with UNAVAILABLE within the idle timeout instead of hanging', () => {
    // Well under jest's own limit, so a hang shows up as this assertion rather than as a test timeout.
    const LIMIT_MS = TIMEOUT_MS * 4;

    it('a Buffer put, a get, a stat', async () => {
      s3 = await S3Process.start();
      const store = s3.store();
      s3.signal('SIGSTOP');
      for (const call of [() => store.put('frozen/buf', Buffer.from('x')), () => store.get('frozen/buf'), () => store.stat('frozen/buf')]) {
        const { error, ms } = await Promise.race([failure(call()), hang(LIMIT_MS)]);
        expect(error.code).toBe(StorageErrorCode.Unavailable);
        expect(ms).toBeLessThan(LIMIT_MS);
      }
    }, 60_000);

    it('a streamed put that S3 stops reading midway', async () => {
      s3 = await S3Process.start();
      const server = s3;
      const store = server.store();
      let frozen = false;
      const body = tricklingBody(64 * MiB, {
        chunk: 256 * 1024,
        everyMs: 0,
        onProgress: (sent) => {
          if (sent >= 2 * MiB && !frozen) {
            frozen = true;
            server.signal('SIGSTOP');
          }
        },
      });
      const { error } = await Promise.race([failure(store.put('frozen/stream.bin', body, { size: 64 * MiB })), hang(LIMIT_MS + 10_000)]);
      expect(frozen).toBe(true);
      expect(error.code).toBe(StorageErrorCode.Unavailable);
    }, 60_000);

    it('a download that stops moving midway', async () => {
      s3 = await S3Process.start();
      const store = s3.store();
      const size = 64 * MiB;
      await store.put('frozen/download.bin', tricklingBody(size, { chunk: MiB, everyMs: 0 }), { size });
      const stream = await store.get('frozen/download.bin');
      const read = (async () => {
        let received = 0;
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          if (received >= MiB) s3?.signal('SIGSTOP');
        }
        return received;
      })();
      const outcome = await Promise.race([read.then((n) => `completed with ${n} bytes`, (e: unknown) => `failed: ${(e as Error).message}`), hang(LIMIT_MS + 10_000)]);
      expect(outcome).toMatch(/^failed: /);
    }, 60_000);
  });

  it('does not hang on a server that accepts connections and never answers', async () => {
    const { port, close } = await tcpStandIn((socket) => socket.pause()); // accepts, reads nothing, answers nothing: a frozen S3 as the network sees it
    try {
      const store = new S3ArtifactStore({ endpoint: `http://127.0.0.1:${port}`, bucket: BUCKET, accessKey: 'S3RVER', secretKey: 'S3RVER', partSize: 64 * MiB, timeoutMs: TIMEOUT_MS });
      const data = randomBytes(MiB);
      for (const call of [() => store.put('silent/buf', data), () => store.put('silent/stream', Readable.from([data]), { size: data.length }), () => store.get('silent/buf'), () => store.ping()]) {
        const { error, ms } = await Promise.race([failure(call()), hang(TIMEOUT_MS * 4)]);
        expect(error.code).toBe(StorageErrorCode.Unavailable);
        expect(ms).toBeLessThan(TIMEOUT_MS * 4);
      }
    } finally {
      await close();
    }
  }, 60_000);

  it('refuses a timeout that is not a positive integer', () => {
    expect(() => new S3ArtifactStore({ endpoint: 'http://127.0.0.1:9', bucket: BUCKET, accessKey: 'a', secretKey: 'b', timeoutMs: 0 })).toThrow(StorageError);
  });
});

function hang(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref());
}
