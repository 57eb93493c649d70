/**
 * TEMPORARY adapter: the protocol codecs (OIP v2 JSON + binary tensor extension, /predict) land in
 * apps/inference/src/protocol/ from another branch with these exact signatures; this file then
 * re-exports them. Until then: JSON only, the binary extension is refused with a 400.
 */
import { allocate, DType, elementCount, HostTensor, IoSpec, ModelIo, NamedTensors, NumericData } from '../runtime/tensor';

export class OipError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'OipError';
  }
}

const DATATYPES: Record<DType, string> = {
  bool: 'BOOL', int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64',
  float16: 'FP16', float32: 'FP32', float64: 'FP64', string: 'BYTES',
};

export function datatypeOf(dtype: DType): string {
  return DATATYPES[dtype];
}

export interface DecodedInferRequest {
  id?: string;
  inputs: NamedTensors;
  outputs: Array<{ name: string; binary: boolean }> | null;
  binaryDefault: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new OipError(400, 'request body is not valid JSON');
  }
}

function flatten(v: unknown, out: unknown[]): void {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(v);
}

/** Fills a typed array of `spec.dtype` from JSON values, refusing anything of the wrong kind. */
function fill(name: string, spec: IoSpec, shape: number[], values: unknown[]): HostTensor {
  const n = elementCount(shape);
  if (values.length !== n) throw new OipError(400, `input '${name}': data has ${values.length} elements, shape [${shape.join(',')}] needs ${n}`);
  const data = allocate(spec.dtype, n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (spec.dtype === 'string') {
      if (typeof v !== 'string') throw new OipError(400, `input '${name}': BYTES data must be strings`);
      (data as string[])[i] = v;
    } else if (spec.dtype === 'bool') {
      if (typeof v !== 'boolean') throw new OipError(400, `input '${name}': BOOL data must be true or false`);
      (data as Uint8Array)[i] = v ? 1 : 0;
    } else if (spec.dtype === 'int64' || spec.dtype === 'uint64') {
      if (typeof v !== 'number' || !Number.isInteger(v) || (spec.dtype === 'uint64' && v < 0)) throw new OipError(400, `input '${name}': ${datatypeOf(spec.dtype)} data must be ${spec.dtype === 'uint64' ? 'non-negative ' : ''}integers`);
      (data as BigInt64Array)[i] = BigInt(v);
    } else {
      if (typeof v !== 'number') throw new OipError(400, `input '${name}': ${datatypeOf(spec.dtype)} data must be numbers`);
      if (!spec.dtype.startsWith('float') && !Number.isInteger(v)) throw new OipError(400, `input '${name}': ${datatypeOf(spec.dtype)} data must be integers`);
      if (spec.dtype.startsWith('uint') && v < 0) throw new OipError(400, `input '${name}': ${datatypeOf(spec.dtype)} data must not be negative`);
      (data as NumericData as Float64Array)[i] = v;
    }
  }
  return { dtype: spec.dtype, shape, data };
}

function checkShape(name: string, spec: IoSpec, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw new OipError(400, `input '${name}': shape must be an array of non-negative integers`);
  const dims = shape as number[];
  const fits = dims.length === spec.shape.length && spec.shape.every((d, i) => d < 0 || d === dims[i]);
  if (!fits) throw new OipError(400, `input '${name}': shape [${dims.join(',')}] does not match the model's [${spec.shape.join(',')}]`);
  return dims;
}

export function decodeInferRequest(body: Buffer, headers: { contentType?: string; inferenceHeaderContentLength?: string }, io: ModelIo): DecodedInferRequest {
  if (headers.inferenceHeaderContentLength !== undefined) throw new OipError(400, 'the binary tensor extension is not supported by this build');
  const req = parseJson(body);
  if (!isObject(req) || !Array.isArray(req.inputs) || req.inputs.length === 0) throw new OipError(400, 'request must be an object with a non-empty "inputs" array');
  const inputs: NamedTensors = {};
  for (const raw of req.inputs) {
    if (!isObject(raw) || typeof raw.name !== 'string') throw new OipError(400, 'every input needs a "name"');
    const spec = io.inputs.find((s) => s.name === raw.name);
    if (!spec) throw new OipError(400, `unexpected input '${raw.name}'; the model takes ${io.inputs.map((s) => `'${s.name}'`).join(', ')}`);
    if (inputs[raw.name]) throw new OipError(400, `input '${raw.name}' is given twice`);
    if (raw.datatype !== datatypeOf(spec.dtype)) throw new OipError(400, `input '${raw.name}': datatype ${String(raw.datatype)} does not match the model's ${datatypeOf(spec.dtype)}`);
    const shape = checkShape(raw.name, spec, raw.shape);
    if (!Array.isArray(raw.data)) throw new OipError(400, `input '${raw.name}': "data" must be an array`);
    const values: unknown[] = [];
    flatten(raw.data, values);
    inputs[raw.name] = fill(raw.name, spec, shape, values);
  }
  const missing = io.inputs.filter((s) => !inputs[s.name]);
  if (missing.length) throw new OipError(400, `missing input ${missing.map((s) => `'${s.name}'`).join(', ')}`);
  let outputs: DecodedInferRequest['outputs'] = null;
  if (req.outputs !== undefined) {
    if (!Array.isArray(req.outputs)) throw new OipError(400, '"outputs" must be an array');
    outputs = req.outputs.map((o: unknown) => {
      if (!isObject(o) || typeof o.name !== 'string') throw new OipError(400, 'every requested output needs a "name"');
      if (!io.outputs.some((s) => s.name === o.name)) throw new OipError(400, `unknown output '${o.name}'`);
      return { name: o.name, binary: false };
    });
  }
  if (req.id !== undefined && typeof req.id !== 'string') throw new OipError(400, '"id" must be a string');
  return { ...(typeof req.id === 'string' ? { id: req.id } : {}), inputs, outputs, binaryDefault: false };
}

function jsonData(t: HostTensor): unknown[] {
  if (t.dtype === 'bool') return Array.from(t.data as Uint8Array, (v) => v !== 0);
  if (Array.isArray(t.data)) return t.data;
  return Array.from(t.data, (v: number | bigint) => Number(v));
}

export function encodeInferResponse(modelName: string, modelVersion: string, id: string | undefined, outputs: NamedTensors, requested: DecodedInferRequest['outputs'], _binaryDefault: boolean): { body: Buffer; headers: Record<string, string> } {
  const names = requested ? requested.map((r) => r.name) : Object.keys(outputs);
  const body = {
    model_name: modelName,
    model_version: modelVersion,
    ...(id !== undefined ? { id } : {}),
    outputs: names.flatMap((name) => {
      const t = outputs[name];
      return t ? [{ name, datatype: datatypeOf(t.dtype), shape: t.shape, data: jsonData(t) }] : [];
    }),
  };
  return { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } };
}

/** `{"inputs": [[…], …]}` for a one-input model, or `{"instances": [{"<input>": row, …}, …]}`. */
export function decodePredictRequest(body: Buffer, io: ModelIo): NamedTensors {
  const req = parseJson(body);
  if (!isObject(req)) throw new OipError(400, 'request must be a JSON object');
  const rowsByInput: Record<string, unknown[]> = {};
  if (Array.isArray(req.inputs)) {
    const only = io.inputs[0];
    if (!only || io.inputs.length !== 1) throw new OipError(400, `this model takes several inputs (${io.inputs.map((s) => s.name).join(', ')}): send "instances" with named features`);
    rowsByInput[only.name] = req.inputs;
  } else if (Array.isArray(req.instances)) {
    for (const spec of io.inputs) rowsByInput[spec.name] = [];
    for (const inst of req.instances) {
      if (!isObject(inst)) throw new OipError(400, 'every instance must be an object of named features');
      for (const spec of io.inputs) {
        if (!(spec.name in inst)) throw new OipError(400, `instance without feature '${spec.name}'`);
        rowsByInput[spec.name]?.push(inst[spec.name]);
      }
    }
  } else throw new OipError(400, 'send {"inputs": [[...], ...]} or {"instances": [{...}, ...]}');
  const out: NamedTensors = {};
  for (const spec of io.inputs) {
    const rows = rowsByInput[spec.name] ?? [];
    if (rows.length === 0) throw new OipError(400, 'no rows to predict');
    const values: unknown[] = [];
    flatten(rows, values);
    const inner = spec.shape.slice(1).map((d) => (d < 0 ? 1 : d));
    const perRow = elementCount(inner);
    if (values.length !== rows.length * perRow) throw new OipError(400, `input '${spec.name}': each row needs ${perRow} values`);
    out[spec.name] = fill(spec.name, spec, [rows.length, ...inner], values);
  }
  return out;
}

export function encodePredictResponse(outputs: NamedTensors, io: ModelIo): Buffer {
  const specs = io.outputs.filter((s) => outputs[s.name]);
  const rows = (t: HostTensor) => {
    const n = t.shape[0] ?? 1;
    const all = jsonData(t);
    const per = all.length / Math.max(1, n);
    return Array.from({ length: n }, (_, r) => all.slice(r * per, (r + 1) * per));
  };
  const first = specs[0];
  if (specs.length === 1 && first) return Buffer.from(JSON.stringify({ predictions: rows(outputs[first.name] as HostTensor) }));
  const perOutput = specs.map((s) => [s.name, rows(outputs[s.name] as HostTensor)] as const);
  const n = perOutput[0]?.[1].length ?? 0;
  return Buffer.from(JSON.stringify({ predictions: Array.from({ length: n }, (_, r) => Object.fromEntries(perOutput.map(([name, rs]) => [name, rs[r]]))) }));
}

export function modelMetadata(name: string, versions: string[], io: ModelIo, platform = 'onnxruntime'): Record<string, unknown> {
  const tensor = (s: IoSpec) => ({ name: s.name, datatype: datatypeOf(s.dtype), shape: s.shape });
  return { name, versions, platform, inputs: io.inputs.map(tensor), outputs: io.outputs.map(tensor) };
}

export function serverMetadata(): Record<string, unknown> {
  return { name: 'shipyard-inference', version: '0.1.0', extensions: [] };
}
