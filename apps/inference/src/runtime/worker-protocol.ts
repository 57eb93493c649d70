import type { DType, ModelIo, TensorData } from './tensor';

/** Messages between the engine (main thread) and a model worker. Type-only: the worker imports nothing at run time. */
export interface WireTensor {
  name: string;
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export interface ModelWorkerData {
  modelPath: string;
  intraOpThreads: number;
}

export type ToWorker = { type: 'run'; id: number; inputs: WireTensor[] } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; io: ModelIo }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; outputs: WireTensor[]; startedAt: number; computeMs: number }
  | { type: 'run-error'; id: number; message: string; startedAt: number; computeMs: number }
  | { type: 'closed' };

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The ArrayBuffer behind `data` when handing it over moves nothing else (the view covers it exactly). */
export function transferable(data: TensorData): ArrayBuffer | null {
  if (Array.isArray(data)) return null;
  const buf = data.buffer;
  return buf instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buf.byteLength ? buf : null;
}
