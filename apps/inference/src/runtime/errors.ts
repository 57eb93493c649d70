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
