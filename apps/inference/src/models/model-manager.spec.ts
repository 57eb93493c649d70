import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { ArtifactCache } from './artifact-cache';
import { inferenceMetrics } from './inference-metrics';
import { ModelManager } from './model-manager';
import type { ModelResolver, ResolvedVersion } from './model-resolver';

/** A resolver that fails as scripted, one error per call (the last one repeats). */
class ScriptedResolver implements ModelResolver {
  calls = 0;
  constructor(private readonly errors: Error[]) {}
  resolve(): Promise<ResolvedVersion> {
    const e = this.errors[Math.min(this.calls, this.errors.length - 1)] as Error;
    this.calls++;
    return Promise.reject(e);
  }
}

const opts = { workers: 1, intraOpThreads: 1, batching: true, maxBatchSize: 8, maxQueueDelayUs: 500, warmupRuns: 1 };

describe('ModelManager: readiness of a recorded deployment that cannot be served', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-manager-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops holding readiness once found unservable, and a retry that fails transiently does not take that back', async () => {
    const gone = new DomainError('MODEL_VERSION_NOT_FOUND', ErrorKind.NotFound, 'version 1 of "ghost" was deleted');
    const timeout = new DomainError('UPSTREAM_UNAVAILABLE', ErrorKind.Unavailable, 'the registry service did not answer in time');
    const resolver = new ScriptedResolver([gone, timeout]);
    const manager = new ModelManager(resolver, new ArtifactCache(dir), opts, inferenceMetrics());
    try {
      manager.serveInBackground({ model: 'ghost', version: 1 }, 'deployment', { required: true });
      for (let i = 0; i < 200 && resolver.calls < 2; i++) await new Promise((r) => setTimeout(r, 25));
      expect(resolver.calls).toBeGreaterThanOrEqual(2);
      await new Promise((r) => setImmediate(r));
      expect(manager.entry('ghost')).toMatchObject({ state: 'failed', required: false, error: 'the registry service did not answer in time' });
      expect(manager.readiness().ready).toBe(true);
    } finally {
      await manager.stop();
    }
  });
});
