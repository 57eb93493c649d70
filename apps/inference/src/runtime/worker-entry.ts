import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelWorkerData } from './worker-protocol';

/**
 * Starts a model worker. From dist/ (the service) the compiled model-worker.js sits next to this file;
 * under ts-jest only the .ts source exists, so the worker transpiles it with ts-node (types are
 * checked by `npm run typecheck`, not here).
 */
export function startModelWorker(data: ModelWorkerData): Worker {
  const compiled = join(__dirname, 'model-worker.js');
  if (existsSync(compiled)) return new Worker(compiled, { workerData: data });
  const source = join(__dirname, 'model-worker.ts');
  const bootstrap = `require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } }); require(${JSON.stringify(source)});`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
