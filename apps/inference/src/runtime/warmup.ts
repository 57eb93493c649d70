import { allocate, elementCount, IoSpec, ModelIo, NamedTensors } from './tensor';
import type { InferenceEngine } from './worker-pool';

/** Inputs built from the signature: dynamic dimensions become 1, values zero (empty strings). */
export function signatureInputs(io: ModelIo, rows = 1): NamedTensors {
  const out: NamedTensors = {};
  for (const spec of io.inputs) out[spec.name] = zeroTensor(spec, rows);
  return out;
}

function zeroTensor(spec: IoSpec, rows: number): NamedTensors[string] {
  const shape = spec.shape.map((d, i) => (d >= 0 ? d : i === 0 ? rows : 1));
  return { dtype: spec.dtype, shape, data: allocate(spec.dtype, elementCount(shape)) };
}

export interface WarmupResult {
  runs: number;
  /** Slowest warm-up run (ms): the first one pays for ORT's lazy initialisation. */
  slowestMs: number;
}

/**
 * Runs `count` inferences on every worker (one round per count, as many concurrent runs as workers,
 * so the least-busy dispatch reaches each of them) before the model takes traffic.
 */
export async function warmUp(engine: InferenceEngine, count: number): Promise<WarmupResult> {
  let runs = 0;
  let slowestMs = 0;
  for (let round = 0; round < count; round++) {
    await Promise.all(
      Array.from({ length: engine.workerCount }, async () => {
        const started = performance.now();
        await engine.run(signatureInputs(engine.io)); // fresh buffers each time: run() transfers them
        slowestMs = Math.max(slowestMs, performance.now() - started);
        runs++;
      }),
    );
  }
  return { runs, slowestMs };
}
