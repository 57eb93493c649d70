import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** MLflow's error body, which the MLflow-compatible routes answer with instead of Shipyard's. */
export const MLFLOW_ERROR: SchemaObject = {
  type: 'object',
  required: ['error_code', 'message'],
  properties: { error_code: { type: 'string', example: 'RESOURCE_DOES_NOT_EXIST' }, message: { type: 'string' } },
};
