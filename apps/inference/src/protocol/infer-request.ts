/** Decoding of an Open Inference Protocol v2 REST inference request, JSON or with binary tensor data. */
import { elementCount, type HostTensor, type IoSpec, type ModelIo, type NamedTensors } from '../runtime/tensor';
import { tensorDataFromBinary } from './binary';
import { dtypeOf, oipDatatype } from './datatypes';
import { tensorDataFromJson } from './json-data';
import { checkModelShape } from './model-shape';
import { badRequest } from './oip-error';
import { checkContentType, describe, isJsonObject, parseJsonObject, type JsonObject } from './request-body';

export interface RequestedOutput {
  name: string;
  /** Whether the output goes back in the binary part of the response. */
  binary: boolean;
}

export interface InferRequest {
  id?: string;
  inputs: NamedTensors;
  /** The outputs asked for, in order; null when the request names none (then all are returned). */
  outputs: RequestedOutput[] | null;
  /** The request's `binary_data_output` parameter: the binary choice for outputs that do not say. */
  binaryDefault: boolean;
}

export interface InferHeaders {
  contentType?: string;
  inferenceHeaderContentLength?: string;
}

const names = (specs: readonly IoSpec[]): string => specs.map((s) => `'${s.name}'`).join(', ');

function jsonHeaderLength(header: string | undefined, bodyLength: number): number {
  if (header === undefined) return bodyLength;
  const text = header.trim();
  if (!/^[0-9]+$/.test(text)) throw badRequest(`Inference-Header-Content-Length '${header}' is not a byte count`);
  const length = Number(text);
  if (length > bodyLength) throw badRequest(`Inference-Header-Content-Length is ${length} but the body has only ${bodyLength} bytes`);
  return length;
}

function optionalParameters(owner: JsonObject, what: string): JsonObject {
  const parameters = owner['parameters'];
  if (parameters === undefined) return {};
  if (!isJsonObject(parameters)) throw badRequest(`${what}: parameters must be an object, got ${describe(parameters)}`);
  return parameters;
}

function optionalBoolean(parameters: JsonObject, key: string, what: string): boolean | undefined {
  const v = parameters[key];
  if (v === undefined || typeof v === 'boolean') return v;
  throw badRequest(`${what}: parameter ${key} must be true or false, got ${JSON.stringify(v)}`);
}

function checkShape(shape: unknown, spec: IoSpec, label: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw badRequest(`${label}: shape must be an array of non-negative integers, got ${JSON.stringify(shape) ?? 'nothing'}`);
  }
  checkModelShape(shape, spec, label);
  return shape;
}

/** Reads the request's `inputs`; binary parts are taken from `binary` in the order the inputs come. */
function decodeInputs(raw: unknown, binary: Buffer | null, io: ModelIo): NamedTensors {
  if (!Array.isArray(raw)) throw badRequest(`'inputs' must be an array of tensors, got ${describe(raw)}`);
  // A Map, then fromEntries: a plain object would take an input named "__proto__" as its prototype.
  const inputs = new Map<string, HostTensor>();
  let offset = 0;
  raw.forEach((input: unknown, k) => {
    if (!isJsonObject(input)) throw badRequest(`inputs[${k}] must be an object, got ${describe(input)}`);
    const name = input['name'];
    if (typeof name !== 'string') throw badRequest(`inputs[${k}] has no name`);
    const label = `input '${name}'`;
    const spec = io.inputs.find((s) => s.name === name); // models have a handful of inputs: no Map to build per request
    if (spec === undefined) throw badRequest(`unknown ${label}; the model's inputs are ${names(io.inputs)}`);
    if (inputs.has(name)) throw badRequest(`${label} appears more than once`);
    const datatype = input['datatype'];
    if (typeof datatype !== 'string') throw badRequest(`${label}: datatype must be a string such as "${oipDatatype(spec.dtype)}"`);
    const dtype = dtypeOf(datatype);
    if (dtype === null) throw badRequest(`${label}: unknown datatype '${datatype}'`);
    if (dtype !== spec.dtype) throw badRequest(`${label}: datatype ${datatype} does not match the model's ${oipDatatype(spec.dtype)}`);
    const shape = checkShape(input['shape'], spec, label);
    const size = optionalParameters(input, label)['binary_data_size'];
    if (size === undefined) {
      if (input['data'] === undefined) throw badRequest(`${label} has neither data nor a binary_data_size parameter`);
      inputs.set(name, { dtype, shape, data: tensorDataFromJson(input['data'], dtype, shape, label) });
      return;
    }
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw badRequest(`${label}: binary_data_size must be a non-negative integer, got ${JSON.stringify(size)}`);
    if (binary === null) throw badRequest(`${label} has binary_data_size but the request has no Inference-Header-Content-Length header`);
    if (input['data'] !== undefined) throw badRequest(`${label} has both data and binary_data_size`);
    const end = offset + (size as number);
    if (end > binary.length) throw badRequest(`${label}: binary_data_size is ${size as number} bytes, only ${binary.length - offset} bytes are left after the JSON header`);
    inputs.set(name, { dtype, shape, data: tensorDataFromBinary(binary.subarray(offset, end), dtype, elementCount(shape), shape, label) });
    offset = end;
  });
  if (binary !== null && offset !== binary.length) {
    throw badRequest(`the body has ${binary.length - offset} bytes after the JSON header and the inputs' binary_data_size parameters that no input accounts for`);
  }
  const missing = io.inputs.filter((s) => !inputs.has(s.name));
  if (missing.length > 0) throw badRequest(`missing input ${names(missing)}; the model's inputs are ${names(io.inputs)}`);
  return Object.fromEntries(inputs);
}

function decodeOutputs(raw: unknown, binaryDefault: boolean, io: ModelIo): RequestedOutput[] | null {
  if (raw === undefined) return null;
  if (!Array.isArray(raw)) throw badRequest(`'outputs' must be an array, got ${describe(raw)}`);
  // An empty list asks for nothing in particular, so all outputs come back (as Triton does).
  if (raw.length === 0) return null;
  const known = new Set(io.outputs.map((o) => o.name));
  const seen = new Set<string>();
  return raw.map((output: unknown, k) => {
    if (!isJsonObject(output)) throw badRequest(`outputs[${k}] must be an object, got ${describe(output)}`);
    const name = output['name'];
    if (typeof name !== 'string') throw badRequest(`outputs[${k}] has no name`);
    if (!known.has(name)) throw badRequest(`unknown output '${name}'; the model's outputs are ${names(io.outputs)}`);
    if (seen.has(name)) throw badRequest(`output '${name}' is requested more than once`);
    seen.add(name);
    const binary = optionalBoolean(optionalParameters(output, `output '${name}'`), 'binary_data', `output '${name}'`);
    return { name, binary: binary ?? binaryDefault };
  });
}

/**
 * Decodes an inference request against the model's inputs and outputs. With an
 * Inference-Header-Content-Length header, the JSON is that many bytes and the rest of the body holds
 * the binary parts of the inputs that carry a binary_data_size parameter. Throws OipError(400) naming
 * the input and what is wrong, or OipError(415) for a content type that cannot hold the request.
 */
export function decodeInferRequest(body: Buffer, headers: InferHeaders, io: ModelIo): InferRequest {
  checkContentType(headers.contentType);
  if (body.length === 0) throw badRequest('request body is empty');
  const jsonLength = jsonHeaderLength(headers.inferenceHeaderContentLength, body.length);
  const request = parseJsonObject(jsonLength === body.length ? body : body.subarray(0, jsonLength));
  const id = request['id'];
  if (id !== undefined && typeof id !== 'string') throw badRequest(`'id' must be a string, got ${describe(id)}`);
  const binaryDefault = optionalBoolean(optionalParameters(request, 'request'), 'binary_data_output', 'request') ?? false;
  const binary = headers.inferenceHeaderContentLength === undefined ? null : body.subarray(jsonLength);
  const inputs = decodeInputs(request['inputs'], binary, io);
  const outputs = decodeOutputs(request['outputs'], binaryDefault, io);
  return id === undefined ? { inputs, outputs, binaryDefault } : { id, inputs, outputs, binaryDefault };
}
