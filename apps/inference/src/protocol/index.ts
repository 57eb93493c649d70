/**
 * The inference service's protocol layer: Open Inference Protocol v2 REST (with Triton's binary tensor
 * data extension) and the simple predict format, as pure functions over Buffers and host tensors.
 * Client mistakes are OipError (status + message for the `{"error": message}` body); anything else
 * thrown here is a server fault.
 */
export { OipError } from './oip-error';
export { oipDatatype, dtypeOf, type OipDatatype } from './datatypes';
export { decodeInferRequest, type InferRequest, type InferHeaders, type RequestedOutput } from './infer-request';
export { encodeInferResponse, type EncodedResponse } from './infer-response';
export { decodePredictRequest, encodePredictResponse } from './predict';
export { modelMetadata, serverMetadata, ONNX_PLATFORM, type ModelMetadata, type ServerMetadata, type TensorMetadata } from './metadata';
