import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

export enum ModelErrorCode {
  NotFound = 'MODEL_NOT_FOUND',
  NameTaken = 'MODEL_NAME_TAKEN',
  InvalidCursor = 'INVALID_CURSOR',
}

export class ModelNotFound extends DomainError<ModelErrorCode> {
  constructor(ref: string) {
    super(ModelErrorCode.NotFound, ErrorKind.NotFound, `model "${ref}" was not found`);
  }
}

export class ModelNameTaken extends DomainError<ModelErrorCode> {
  constructor(name: string) {
    super(ModelErrorCode.NameTaken, ErrorKind.Conflict, `a model named "${name}" already exists`);
  }
}

export class InvalidModelCursor extends DomainError<ModelErrorCode> {
  constructor() {
    super(ModelErrorCode.InvalidCursor, ErrorKind.InvalidInput, 'cursor is not one this server issued');
  }
}
