import { CommonErrorCode } from '@shipyard/contracts';
import { MLFLOW_PREFIXES } from './mlflow-args';

/** MLflow's error codes and the HTTP statuses its server answers them with (mlflow.exceptions). */
export const MLFLOW_STATUS: Readonly<Record<string, number>> = Object.freeze({
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  REQUEST_LIMIT_EXCEEDED: 429,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
});

export interface MlflowErrorPayload {
  status: number;
  body: { error_code: string; message: string };
  errorId?: string;
}

/** Shipyard's translation (status and code) in MLflow's vocabulary, with the status MLflow answers that code with. */
export function toMlflowError(status: number, code: string, message: string): { status: number; body: MlflowErrorPayload['body'] } {
  const errorCode = mlflowCode(status, code);
  return { status: MLFLOW_STATUS[errorCode] ?? status, body: { error_code: errorCode, message } };
}

/** The MLflow API's prefixes and its artifacts proxy's (`/api/2.0/mlflow-artifacts/…`). */
const MLFLOW_ERROR_PREFIXES = [...MLFLOW_PREFIXES, ...MLFLOW_PREFIXES.map((p) => `${p}-artifacts`)];

/** Requests to MLflow-compatible paths get MLflow's error shape even when they fail before reaching a controller. */
export function isMlflowPath(url: string): boolean {
  return MLFLOW_ERROR_PREFIXES.some((p) => url.startsWith(`/${p}/`));
}

function mlflowCode(status: number, code: string): string {
  if (code.endsWith('_NAME_TAKEN') || code.endsWith('_ALREADY_EXISTS')) return 'RESOURCE_ALREADY_EXISTS';
  if (code === String(CommonErrorCode.MalformedJson)) return 'MALFORMED_REQUEST';
  if (code === String(CommonErrorCode.RouteNotFound)) return 'ENDPOINT_NOT_FOUND';
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 'INVALID_PARAMETER_VALUE';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'RESOURCE_DOES_NOT_EXIST';
    case 409:
      // A refused state change (logging to a deleted run, a gated move): the caller's request cannot be
      // done as asked. MLflow's own store answers these INVALID_PARAMETER_VALUE (400); INVALID_STATE is a
      // 500 that clients retry, and every retry would be refused again.
      return 'INVALID_PARAMETER_VALUE';
    case 429:
      return 'REQUEST_LIMIT_EXCEEDED';
    case 503:
      return 'TEMPORARILY_UNAVAILABLE';
    default:
      return 'INTERNAL_ERROR';
  }
}
