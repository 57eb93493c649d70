import type { IoSpec } from '../runtime/tensor';
import { formatShape } from './datatypes';
import { badRequest } from './oip-error';

/** Checks a tensor shape against the model's: same rank, and equal wherever the model fixes a dimension (≥ 0). */
export function checkModelShape(shape: readonly number[], spec: IoSpec, label: string): void {
  if (shape.length !== spec.shape.length) {
    throw badRequest(`${label}: shape ${formatShape(shape)} has rank ${shape.length}, the model expects rank ${spec.shape.length} (${formatShape(spec.shape)})`);
  }
  spec.shape.forEach((want, d) => {
    if (want >= 0 && shape[d] !== want) {
      throw badRequest(`${label}: shape ${formatShape(shape)} does not match the model's ${formatShape(spec.shape)} at dimension ${d} (${shape[d]}, expected ${want})`);
    }
  });
}
