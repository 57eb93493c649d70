import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from './domain-error';
import { translateError } from './exception-filter';
import { isMlflowPath, toMlflowError } from './mlflow-errors';

const viaShipyard = (e: unknown) => {
  const out = translateError(e, 'req-1');
  return toMlflowError(out.status, out.body.error.code, out.body.error.message);
};

describe('MLflow error translation', () => {
  it('maps kinds onto MLflow codes with the statuses MLflow answers them with', () => {
    expect(viaShipyard(new DomainError('RUN_NOT_FOUND', ErrorKind.NotFound, 'run "x" was not found'))).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'run "x" was not found' } });
    expect(viaShipyard(new DomainError('VALIDATION_FAILED', ErrorKind.InvalidInput, 'bad'))).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad' } });
    expect(viaShipyard(new DomainError('MODEL_NAME_TAKEN', ErrorKind.Conflict, 'taken'))).toEqual({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'taken' } });
    expect(viaShipyard(new DomainError('RUN_DELETED', ErrorKind.Conflict, 'deleted'))).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'deleted' } });
    expect(viaShipyard(new DomainError('FORBIDDEN', ErrorKind.Forbidden, 'no'))).toEqual({ status: 403, body: { error_code: 'PERMISSION_DENIED', message: 'no' } });
    expect(viaShipyard(new DomainError('MALFORMED_JSON', ErrorKind.InvalidInput, 'not JSON'))).toEqual({ status: 400, body: { error_code: 'MALFORMED_REQUEST', message: 'not JSON' } });
  });

  it('hides internal errors behind INTERNAL_ERROR', () => {
    const out = viaShipyard(new Error('secret stack detail'));
    expect(out.status).toBe(500);
    expect(out.body.error_code).toBe('INTERNAL_ERROR');
    expect(out.body.message).not.toContain('secret');
  });

  it('recognises both MLflow prefixes, and the artifacts proxy under each', () => {
    expect(isMlflowPath('/api/2.0/mlflow/runs/get?run_id=1')).toBe(true);
    expect(isMlflowPath('/ajax-api/2.0/mlflow/runs/get')).toBe(true);
    expect(isMlflowPath('/api/2.0/mlflow-artifacts/artifacts/x')).toBe(true);
    expect(isMlflowPath('/ajax-api/2.0/mlflow-artifacts/artifacts/x')).toBe(true);
    expect(isMlflowPath('/api/2.0/mlflow-artifactsX/y')).toBe(false);
    expect(isMlflowPath('/api/v1/runs')).toBe(false);
  });
});
