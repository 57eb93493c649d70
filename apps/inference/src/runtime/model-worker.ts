/**
 * A worker thread that owns one ONNX Runtime session. ORT's run() occupies the calling thread for the
 * whole inference, so sessions live here and the main thread keeps serving HTTP and health checks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { DType, IoSpec } from './tensor';
import { FromWorker, ModelWorkerData, preciseNow, ToWorker, transferable, WireTensor } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('model-worker must run as a worker thread');
const { modelPath, intraOpThreads } = workerData as ModelWorkerData;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(msg, transfer);
}

function spec(meta: InferenceSession.ValueMetadata): IoSpec {
  if (!meta.isTensor) return { name: meta.name, dtype: 'float32', shape: [] };
  // Symbolic dimensions ('N', 'batch') and unknown ones (-1 or null) are dynamic.
  const shape = meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  return { name: meta.name, dtype: meta.type as DType, shape };
}

function toWire(name: string, t: Tensor): WireTensor {
  return { name, dtype: t.type as DType, shape: [...t.dims], data: t.data };
}

async function main(): Promise<void> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(modelPath, { intraOpNumThreads: intraOpThreads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  } catch (e) {
    post({ type: 'load-error', message: (e as Error).message });
    return;
  }
  post({ type: 'ready', io: { inputs: session.inputMetadata.map(spec), outputs: session.outputMetadata.map(spec) } });

  // Runs chain one after another, and `close` after the last of them: releasing a session while ORT
  // still holds it would crash the process.
  let chain: Promise<void> = Promise.resolve();
  port?.on('message', (msg: ToWorker) => {
    chain = chain.then(() => (msg.type === 'close' ? close(session) : run(session, msg)));
  });
}

async function close(session: InferenceSession): Promise<void> {
  await session.release().catch(() => undefined);
  post({ type: 'closed' });
  port?.close();
}

async function run(session: InferenceSession, msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const startedAt = preciseNow();
  try {
    const feeds: Record<string, Tensor> = {};
    for (const t of msg.inputs) feeds[t.name] = new Tensor(t.dtype, t.data, t.shape);
    const result = await session.run(feeds);
    const computeMs = preciseNow() - startedAt;
    const outputs = Object.entries(result).map(([name, t]) => toWire(name, t));
    const transfer = outputs.map((o) => transferable(o.data)).filter((b): b is ArrayBuffer => b !== null);
    post({ type: 'result', id: msg.id, outputs, startedAt, computeMs }, transfer);
  } catch (e) {
    post({ type: 'run-error', id: msg.id, message: (e as Error).message, startedAt, computeMs: preciseNow() - startedAt });
  }
}

void main();
