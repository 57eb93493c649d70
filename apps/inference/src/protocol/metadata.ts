/** The OIP metadata documents: server (GET /v2) and model (GET /v2/models/<name>[/versions/<v>]). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IoSpec, ModelIo } from '../runtime/tensor';
import { oipDatatype, type OipDatatype } from './datatypes';

export interface TensorMetadata {
  name: string;
  datatype: OipDatatype;
  /** -1 marks a dynamic dimension. */
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/** Triton's platform name for ONNX models served by onnxruntime, which OIP clients recognise. */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

const tensorMetadata = (spec: IoSpec): TensorMetadata => ({ name: spec.name, datatype: oipDatatype(spec.dtype), shape: [...spec.shape] });

export function modelMetadata(name: string, versions: string[], io: ModelIo, platform: string = ONNX_PLATFORM): ModelMetadata {
  return { name, versions: [...versions], platform, inputs: io.inputs.map(tensorMetadata), outputs: io.outputs.map(tensorMetadata) };
}

/**
 * The version of the nearest package.json above this file: the repository root's in a checkout (from
 * src/ or dist/), /app/package.json in an image, whose version is the root's (tools/prune-package.js).
 */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
      if (typeof version === 'string') return version;
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

let cached: ServerMetadata | undefined;

export function serverMetadata(): ServerMetadata {
  cached ??= { name: 'shipyard', version: packageVersion(), extensions: ['binary_tensor_data'] };
  return { ...cached, extensions: [...cached.extensions] };
}
