import { ServedModelResponse, TensorMetadataResponse } from '@shipyard/contracts';
import { ModelEntry } from '../models/model-manager';
import { formatModelRef } from '../models/model-ref';
import { oipDatatype as datatypeOf } from '../protocol';
import type { IoSpec } from '../runtime/tensor';

const tensor = (s: IoSpec): TensorMetadataResponse => ({ name: s.name, datatype: datatypeOf(s.dtype), shape: s.shape });

export function toServedModelResponse(e: ModelEntry): ServedModelResponse {
  const cur = e.current;
  return {
    name: e.name,
    reference: formatModelRef(e.ref),
    source: e.source,
    state: cur ? 'ready' : e.state,
    version: cur?.version ?? null,
    error: e.error,
    loadedAt: cur ? cur.loadedAt.toISOString() : null,
    batching: cur?.batching ?? false,
    inputs: cur ? cur.io.inputs.map(tensor) : [],
    outputs: cur ? cur.io.outputs.map(tensor) : [],
  };
}
