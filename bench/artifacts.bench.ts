/**
 * Artifact upload/download through the gateway vs straight to the same S3 server, in one run:
 * `npm run bench:artifacts [-- 256 1024]` (sizes in MiB). Prints MB/s, the ratio to the direct PUT,
 * and the peak RSS growth of the gateway and the registry while the bytes flow through them.
 *
 * The S3 server (s3rver, writing to a temporary directory) runs in a child process of its own, so the
 * benchmark's client and the S3 server do not share one event loop. Everything is on this machine:
 * client, gateway, registry, S3 and the disk all compete for the same cores.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'minio';
import { freePort, S3RVER_CREDENTIALS, TestStack, waitFor } from '@shipyard/testing';
import { positive, UsageError } from './options';
import { runBench } from './run';

const MiB = 1024 * 1024;
const log = (line = '') => process.stdout.write(line + '\n');

/** `size` bytes of a repeated random 1 MiB block, produced lazily (never held whole). */
function body(size: number, block: Buffer): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(block.length, size - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

function rssKiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Samples RSS of the given processes every 50 ms while `fn` runs; returns the peak growth in MiB. */
async function withRss<T>(pids: Record<string, number | undefined>, fn: () => Promise<T>): Promise<{ result: T; growthMiB: Record<string, number> }> {
  const base = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, rssKiB(p)]));
  const peak = { ...base };
  const timer = setInterval(() => {
    for (const [k, p] of Object.entries(pids)) peak[k] = Math.max(peak[k] ?? 0, rssKiB(p));
  }, 50);
  try {
    const result = await fn();
    return { result, growthMiB: Object.fromEntries(Object.keys(pids).map((k) => [k, ((peak[k] ?? 0) - (base[k] ?? 0)) / 1024])) };
  } finally {
    clearInterval(timer);
  }
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function startS3Child(): Promise<{ endpoint: string; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-bench-s3-'));
  const script = `const S3rver=require('s3rver');new S3rver({port:${port},address:'127.0.0.1',silent:true,directory:${JSON.stringify(dir)},configureBuckets:[]}).run().then(()=>process.stdout.write('up\\n'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitFor('s3rver', () => fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false), 15_000);
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
}

async function main(): Promise<void> {
  const usage = 'usage: npm run bench:artifacts [-- <MiB> ...]   (object sizes; default 256 1024)';
  const args = process.argv.slice(2);
  if (args.some((arg) => arg.startsWith('-'))) throw new UsageError(usage);
  const sizes = args.map((arg) => positive('size', arg, true, usage));
  const sizesMiB = sizes.length ? sizes : [256, 1024];
  const s3 = await startS3Child();
  const stack = await TestStack.start({ services: ['registry', 'api-gateway'], env: { SHIPYARD_S3_ENDPOINT: s3.endpoint, SHIPYARD_S3_PART_SIZE_MB: '5120', SHIPYARD_LOG_LEVEL: 'warn' } });
  const gateway = stack.url('api-gateway');
  const token = await stack.adminToken();
  const url = new URL(s3.endpoint);
  const minio = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: S3RVER_CREDENTIALS.accessKey, secretKey: S3RVER_CREDENTIALS.secretKey, region: 'us-east-1', pathStyle: true, partSize: 5 * 1024 * MiB });
  const block = randomBytes(MiB);
  const auth = { authorization: `Bearer ${token}` };
  const pids = { gateway: stack.service('api-gateway').pid, registry: stack.service('registry').pid };
  try {
    await fetch(`${gateway}/api/v1/models`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench-artifacts' }) });
    log(`artifact transfer, 2 cores shared by client, gateway, registry and s3rver (own process); sizes ${sizesMiB.join(', ')} MiB`);
    log('size      direct PUT   gateway PUT  ratio   direct GET   gateway GET  ratio   RSS growth gateway/registry (upload, download)');
    for (const sizeMiB of sizesMiB) {
      const size = sizeMiB * MiB;
      const key = `bench/direct-${sizeMiB}`;
      // Direct: the same bytes streamed in one PUT to a presigned URL of the same S3 server (no buffering).
      const putUrl = await minio.presignedPutObject('shipyard-artifacts', key, 3600);
      const directPut = await timed(async () => {
        const res = await fetch(putUrl, { method: 'PUT', headers: { 'content-length': String(size) }, body: Readable.toWeb(body(size, block)) as ReadableStream, duplex: 'half' });
        await res.text();
        if (res.status !== 200) throw new Error(`direct PUT answered ${res.status}`);
      });
      const created = (await (await fetch(`${gateway}/api/v1/models/bench-artifacts/versions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ framework: 'other' }) })).json()) as { version: number };
      const path = `${gateway}/api/v1/models/bench-artifacts/versions/${created.version}/artifact`;
      let status = 0;
      const up = await withRss(pids, () =>
        timed(async () => {
          const res = await fetch(path, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: Readable.toWeb(body(size, block)) as ReadableStream, duplex: 'half' });
          status = res.status;
          await res.text();
        }),
      );
      if (status !== 200) throw new Error(`gateway upload answered ${status}`);
      const drain = async (stream: Readable | ReadableStream<Uint8Array> | null) => {
        const hash = createHash('sha256');
        if (stream) for await (const chunk of stream as AsyncIterable<Uint8Array>) hash.update(chunk);
        return hash.digest('hex');
      };
      const directGet = await timed(async () => void (await drain(await minio.getObject('shipyard-artifacts', key))));
      const down = await withRss(pids, () => timed(async () => void (await drain((await fetch(path, { headers: auth })).body))));
      const mbs = (s: number) => `${((size / 1e6) / s).toFixed(0).padStart(5)} MB/s`;
      const g = (k: string) => `${(up.growthMiB[k] ?? 0).toFixed(0)}/${(down.growthMiB[k] ?? 0).toFixed(0)}`;
      log(`${String(sizeMiB).padStart(5)} MiB  ${mbs(directPut)}  ${mbs(up.result)}  ${(directPut / up.result).toFixed(2)}×  ${mbs(directGet)}  ${mbs(down.result)}  ${(directGet / down.result).toFixed(2)}×   gateway ${g('gateway')} MiB, registry ${g('registry')} MiB`);
    }
    log('goal: gateway upload ≥ 0.8× direct, RSS growth ≤ 64 MiB');
  } finally {
    await stack.stop();
    s3.stop();
  }
}

runBench('artifacts', main);
