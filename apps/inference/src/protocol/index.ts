export { OipError } from './oip-error';
export { oipDatatype, dtypeOf, type OipDatatype } from './datatypes';
export { decodeInferRequest, type InferRequest, type InferHeaders, type RequestedOutput } from './infer-request';
export { encodeInferResponse, type EncodedResponse } from './infer-response';
export { decodePredictRequest, encodePredictResponse } from './predict';
export { modelMetadata, serverMetadata, ONNX_PLATFORM, type ModelMetadata, type ServerMetadata, type TensorMetadata } from './metadata';
