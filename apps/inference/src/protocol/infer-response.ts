/** Encoding of an Open Inference Protocol v2 REST inference response, JSON or with binary tensor data. */
import type { NamedTensors } from '../runtime/tensor';
import { tensorDataToBinary } from './binary';
import { oipDatatype } from './datatypes';
import type { RequestedOutput } from './infer-request';
import { jsonValues } from './json-write';

export interface EncodedResponse {
  body: Buffer;
  /** Lower-case names, as HTTP/2 requires and Node's HTTP stacks accept. */
  headers: Record<string, string>;
}

/**
 * The response for `outputs`: those `requested` in their order, or all of them (each binary when
 * `binaryDefault`). Binary outputs carry parameters.binary_data_size in the JSON and their bytes after
 * it, the JSON's length in Inference-Header-Content-Length; JSON data is flat, row-major.
 */
export function encodeInferResponse(
  modelName: string,
  modelVersion: string,
  id: string | undefined,
  outputs: NamedTensors,
  requested: RequestedOutput[] | null,
  binaryDefault: boolean,
): EncodedResponse {
  const chosen = requested ?? Object.keys(outputs).map((name) => ({ name, binary: binaryDefault }));
  let json = `{"model_name":${JSON.stringify(modelName)}`;
  if (modelVersion !== '') json += `,"model_version":${JSON.stringify(modelVersion)}`;
  if (id !== undefined) json += `,"id":${JSON.stringify(id)}`;
  json += ',"outputs":[';
  const parts: Buffer[] = [];
  chosen.forEach(({ name, binary }, k) => {
    const tensor = outputs[name];
    // The request was checked against the model's outputs, so a missing one is the runtime's fault.
    if (tensor === undefined) throw new Error(`the model produced no output '${name}'`);
    json += `${k === 0 ? '' : ','}{"name":${JSON.stringify(name)},"datatype":"${oipDatatype(tensor.dtype)}","shape":[${tensor.shape.join(',')}]`;
    if (binary) {
      const bytes = tensorDataToBinary(tensor.data);
      parts.push(bytes);
      json += `,"parameters":{"binary_data_size":${bytes.length}}}`;
    } else {
      json += `,"data":[${jsonValues(tensor.dtype, tensor.data, 0, tensor.data.length)}]}`;
    }
  });
  json += ']}';
  if (parts.length === 0) return { body: Buffer.from(json, 'utf8'), headers: { 'content-type': 'application/json' } };
  const header = Buffer.from(json, 'utf8');
  return {
    body: Buffer.concat([header, ...parts]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}
