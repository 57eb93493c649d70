import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

export enum ExperimentsErrorCode {
  ExperimentNotFound = 'EXPERIMENT_NOT_FOUND',
  ExperimentNameTaken = 'EXPERIMENT_NAME_TAKEN',
  ExperimentDeleted = 'EXPERIMENT_DELETED',
  RunNotFound = 'RUN_NOT_FOUND',
  RunDeleted = 'RUN_DELETED',
  ParamImmutable = 'PARAM_IMMUTABLE',
  BatchLimitExceeded = 'BATCH_LIMIT_EXCEEDED',
  InvalidFilter = 'INVALID_FILTER',
  InvalidCursor = 'INVALID_CURSOR',
  InvalidRunTimes = 'INVALID_RUN_TIMES',
  DatasetNotFound = 'DATASET_NOT_FOUND',
}

export class ExperimentNotFound extends DomainError<ExperimentsErrorCode> {
  constructor(ref: string) {
    super(ExperimentsErrorCode.ExperimentNotFound, ErrorKind.NotFound, `experiment "${ref}" was not found`);
  }
}

export class ExperimentNameTaken extends DomainError<ExperimentsErrorCode> {
  constructor(name: string) {
    super(ExperimentsErrorCode.ExperimentNameTaken, ErrorKind.Conflict, `an experiment named "${name}" already exists (deleted experiments keep their names until restored or renamed)`);
  }
}

export class ExperimentDeleted extends DomainError<ExperimentsErrorCode> {
  constructor(id: string) {
    super(ExperimentsErrorCode.ExperimentDeleted, ErrorKind.Conflict, `experiment ${id} is deleted; restore it first`);
  }
}

export class RunNotFound extends DomainError<ExperimentsErrorCode> {
  constructor(id: string) {
    super(ExperimentsErrorCode.RunNotFound, ErrorKind.NotFound, `run "${id}" was not found`);
  }
}

export class RunDeleted extends DomainError<ExperimentsErrorCode> {
  constructor(id: string) {
    super(ExperimentsErrorCode.RunDeleted, ErrorKind.Conflict, `run ${id} is deleted; restore it first`);
  }
}

export class ParamImmutable extends DomainError<ExperimentsErrorCode> {
  constructor(conflicts: Array<{ key: string; logged: string; attempted: string }>) {
    const first = conflicts[0];
    super(
      ExperimentsErrorCode.ParamImmutable,
      ErrorKind.InvalidInput,
      `params are immutable: ${first ? `"${first.key}" was logged as "${first.logged}", not "${first.attempted}"` : ''}${conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : ''}`,
      conflicts,
    );
  }
}

export class BatchLimitExceeded extends DomainError<ExperimentsErrorCode> {
  constructor(what: 'metrics' | 'params' | 'tags', limit: number, got: number) {
    super(ExperimentsErrorCode.BatchLimitExceeded, ErrorKind.InvalidInput, `a batch holds at most ${limit} ${what}; got ${got}`, { field: what, limit, got });
  }
}

export class DatasetNotFound extends DomainError<ExperimentsErrorCode> {
  constructor(id: string) {
    super(ExperimentsErrorCode.DatasetNotFound, ErrorKind.NotFound, `dataset "${id}" was not found`);
  }
}

/** Same code as the registry's: a lineage root that names no model version. */
export class ModelVersionNotFound extends DomainError<string> {
  constructor(id: string) {
    super('VERSION_NOT_FOUND', ErrorKind.NotFound, `model version "${id}" was not found`);
  }
}

export class InvalidFilter extends DomainError<ExperimentsErrorCode> {
  constructor(field: string, message: string, position: number) {
    super(ExperimentsErrorCode.InvalidFilter, ErrorKind.InvalidInput, `${field}: ${message}`, { field, position });
  }
}

export class InvalidCursor extends DomainError<ExperimentsErrorCode> {
  constructor(what = 'cursor') {
    super(ExperimentsErrorCode.InvalidCursor, ErrorKind.InvalidInput, `${what} is not one this server issued for this query`);
  }
}

export class InvalidRunTimes extends DomainError<ExperimentsErrorCode> {
  constructor(message: string) {
    super(ExperimentsErrorCode.InvalidRunTimes, ErrorKind.InvalidInput, message);
  }
}

/** Item-level problems of a command, in the shape of VALIDATION_FAILED everywhere else. */
export class CommandInvalid extends DomainError<string> {
  constructor(details: Array<{ field: string; problems: string[] }>) {
    super(CommonErrorCode.ValidationFailed, ErrorKind.InvalidInput, `invalid request: ${details.slice(0, 5).map((d) => `${d.field} ${d.problems.join(', ')}`).join('; ')}${details.length > 5 ? ` (and ${details.length - 5} more)` : ''}`, details);
  }
}
