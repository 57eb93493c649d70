/** ONNX Runtime could not create a session from the file (not ONNX, unsupported operator, …). */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/** ONNX Runtime refused a run; the inputs had passed the signature checks, so it is the caller's input. */
export class InferenceRunError extends Error {
  override readonly name = 'InferenceRunError';
}

/** The engine was closed (unloaded or swapped out) before the request reached it. */
export class EngineClosedError extends Error {
  override readonly name = 'EngineClosedError';
}

/**
 * The worker thread running the request died (an uncaught error in it, or it ran out of memory). Not the
 * caller's fault: the engine starts a replacement, and the request may be retried.
 */
export class WorkerFailedError extends Error {
  override readonly name = 'WorkerFailedError';
}
