/**
 * The simple predict format of older seed services, for clients that do not speak OIP:
 * `{"inputs": rows}`, `{"inputs": {"<input>": rows, …}}` or `{"instances": [...]}` in, and
 * `{"predictions": [...]}` out, one entry per row.
 */
import { elementCount, type HostTensor, type IoSpec, type ModelIo, type NamedTensors } from '../runtime/tensor';
import { shapeOfNested, tensorDataFromNested } from './json-data';
import { jsonNested, jsonValues } from './json-write';
import { checkModelShape } from './model-shape';
import { badRequest } from './oip-error';
import { checkContentType, describe, isJsonObject, parseJsonObject, type JsonObject } from './request-body';

const names = (specs: readonly IoSpec[]): string => specs.map((s) => `'${s.name}'`).join(', ');

/**
 * One input tensor from its rows: the shape is [rows, ...shape of a row] and the values are read
 * as the model's dtype. Tabular models often take each feature as a [-1, 1] input, so values one
 * rank short of the model's, whose last dimension is 1 (or dynamic), become a column of 1-element rows.
 */
function tensorFromRows(rows: unknown, spec: IoSpec, root: string): HostTensor {
  const label = `input '${spec.name}'`;
  if (!Array.isArray(rows)) throw badRequest(`${label}: ${root} must be an array of rows, got ${describe(rows)}`);
  if (rows.length === 0) throw badRequest(`${label}: ${root} has no rows`);
  const nested = shapeOfNested(rows);
  const last = spec.shape[spec.shape.length - 1];
  const shape = nested.length === spec.shape.length - 1 && (last === 1 || last === -1) ? [...nested, 1] : nested;
  checkModelShape(shape, spec, label);
  return { dtype: spec.dtype, shape, data: tensorDataFromNested(rows, spec.dtype, nested, label, root) };
}

function fromNamedInputs(inputs: JsonObject, io: ModelIo): NamedTensors {
  const unknown = Object.keys(inputs).find((name) => !io.inputs.some((s) => s.name === name));
  if (unknown !== undefined) throw badRequest(`unknown input '${unknown}'; the model's inputs are ${names(io.inputs)}`);
  return Object.fromEntries(
    io.inputs.map((spec) => {
      if (!Object.hasOwn(inputs, spec.name)) throw badRequest(`missing input '${spec.name}'; the model's inputs are ${names(io.inputs)}`);
      return [spec.name, tensorFromRows(inputs[spec.name], spec, `inputs.${spec.name}`)];
    }),
  );
}

function singleInput(io: ModelIo, form: string): IoSpec {
  const [only, ...more] = io.inputs;
  if (only === undefined || more.length > 0) {
    throw badRequest(`${form} needs a model with one input; this model has ${io.inputs.length === 0 ? 'none' : names(io.inputs)}: key the rows by input name`);
  }
  return only;
}

/**
 * Instances are either all rows (arrays, or scalars for a model with a 1-D input) of a single-input
 * model, or all objects keyed by the model's input names, each value that input's row. ONNX names
 * inputs, not features: `{"age": 41, "income": 5.2}` works for a model whose inputs are `age` and
 * `income` (shape [-1] or [-1, 1] each), not for one [-1, 2] input; send that one as a row.
 */
function fromInstances(instances: unknown, io: ModelIo): NamedTensors {
  if (!Array.isArray(instances)) throw badRequest(`'instances' must be an array, got ${describe(instances)}`);
  if (instances.length === 0) throw badRequest(`'instances' is empty`);
  const keyed = isJsonObject(instances[0]);
  const odd = instances.findIndex((instance) => isJsonObject(instance) !== keyed);
  if (odd >= 0) throw badRequest(`instances must be all rows or all objects keyed by input name; instance 0 is ${keyed ? 'an object' : 'a row'}, instance ${odd} is not`);
  if (!keyed) {
    const spec = singleInput(io, `'instances' given as rows`);
    return { [spec.name]: tensorFromRows(instances, spec, 'instances') };
  }
  const objects = instances as JsonObject[];
  objects.forEach((instance, i) => {
    const unknown = Object.keys(instance).find((name) => !io.inputs.some((s) => s.name === name));
    if (unknown !== undefined) throw badRequest(`instance ${i}: unknown input '${unknown}'; the model's inputs are ${names(io.inputs)}`);
  });
  return Object.fromEntries(
    io.inputs.map((spec) => {
      const missing = objects.findIndex((instance) => !Object.hasOwn(instance, spec.name));
      if (missing >= 0) throw badRequest(`instance ${missing}: missing input '${spec.name}'; the model's inputs are ${names(io.inputs)}`);
      return [spec.name, tensorFromRows(objects.map((instance) => instance[spec.name]), spec, 'instances')];
    }),
  );
}

/** Decodes a simple predict request into the model's inputs; errors are OipError(400). */
export function decodePredictRequest(body: Buffer, io: ModelIo, contentType?: string): NamedTensors {
  checkContentType(contentType);
  const request = parseJsonObject(body);
  const inputs = request['inputs'];
  const instances = request['instances'];
  if (inputs !== undefined && instances !== undefined) throw badRequest(`give either 'inputs' or 'instances', not both`);
  if (instances !== undefined) return fromInstances(instances, io);
  if (inputs === undefined) throw badRequest(`the request needs 'inputs' or 'instances'`);
  if (isJsonObject(inputs)) return fromNamedInputs(inputs, io);
  const spec = singleInput(io, `'inputs' given as rows`);
  return { [spec.name]: tensorFromRows(inputs, spec, 'inputs') };
}

/** Row `r` of a tensor: nested arrays of the row's shape, or a bare value when the row has one element. */
function rowJson(t: HostTensor, r: number): string {
  const rowShape = t.shape.slice(1);
  const size = elementCount(rowShape);
  return size === 1 ? jsonValues(t.dtype, t.data, r, r + 1) : jsonNested(t.dtype, t.data, rowShape, r * size);
}

/**
 * `{"predictions": [...]}`, one entry per row (first dimension): for a single output the row, for
 * several an object keyed by output name (in the model's order). A rank-0 single output is the bare value.
 */
export function encodePredictResponse(outputs: NamedTensors, io: ModelIo): Buffer {
  const declared = io.outputs.map((o) => o.name).filter((name) => Object.hasOwn(outputs, name));
  const chosen = (declared.length > 0 ? declared : Object.keys(outputs)).map((name) => [name, outputs[name] as HostTensor] as const);
  const [first, ...rest] = chosen;
  if (first === undefined) return Buffer.from('{"predictions":[]}', 'utf8');
  const [, tensor] = first;
  if (rest.length === 0 && tensor.shape.length === 0) return Buffer.from(`{"predictions":${jsonValues(tensor.dtype, tensor.data, 0, 1)}}`, 'utf8');
  const rows = tensor.shape[0] ?? 0;
  const stray = chosen.find(([, t]) => t.shape.length === 0 || t.shape[0] !== rows);
  // The runtime's outputs must share the batch dimension for rows to exist at all.
  if (stray !== undefined) throw new Error(`output '${stray[0]}' has shape [${stray[1].shape.join(', ')}], not ${rows} rows like '${first[0]}'`);
  let json = '{"predictions":[';
  for (let r = 0; r < rows; r++) {
    if (r > 0) json += ',';
    if (rest.length === 0) {
      json += rowJson(tensor, r);
      continue;
    }
    json += '{';
    chosen.forEach(([name, t], k) => {
      json += `${k === 0 ? '' : ','}${JSON.stringify(name)}:${rowJson(t, r)}`;
    });
    json += '}';
  }
  return Buffer.from(json + ']}', 'utf8');
}
