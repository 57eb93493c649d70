import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

export enum VersionErrorCode {
  NotFound = 'VERSION_NOT_FOUND',
  InvalidVersion = 'INVALID_VERSION_NUMBER',
  NotPendingUpload = 'VERSION_NOT_PENDING_UPLOAD',
  NotReady = 'VERSION_NOT_READY',
  ChecksumMismatch = 'CHECKSUM_MISMATCH',
  SizeMismatch = 'SIZE_MISMATCH',
  UploadMissing = 'UPLOAD_MISSING',
  InvalidOnnx = 'INVALID_ONNX_MODEL',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  PresignUnsupported = 'PRESIGN_UNSUPPORTED',
  LengthRequired = 'LENGTH_REQUIRED',
  SourceChanged = 'VERSION_SOURCE_CHANGED',
}

export class VersionNotFound extends DomainError<VersionErrorCode> {
  constructor(model: string, version: number | string) {
    super(VersionErrorCode.NotFound, ErrorKind.NotFound, `model "${model}" has no version ${version}`);
  }
}

/** A soft-deleted version reads as absent (404, as MLflow answers it); the message and details say it was deleted. */
export class VersionDeleted extends DomainError<VersionErrorCode> {
  constructor(model: string, version: number, deletedAt: Date) {
    super(VersionErrorCode.NotFound, ErrorKind.NotFound, `version ${version} of model "${model}" was deleted`, { deleted: true, deletedAt: deletedAt.toISOString() });
  }
}

export class VersionStateError extends DomainError<VersionErrorCode> {
  constructor(code: VersionErrorCode.NotPendingUpload | VersionErrorCode.NotReady, model: string, version: number, status: string) {
    const want = code === VersionErrorCode.NotReady ? 'READY' : 'PENDING_UPLOAD or FAILED';
    super(code, ErrorKind.Conflict, `version ${version} of "${model}" is ${status}; this needs it ${want}`, { status });
  }
}

/** The run artifact a source version was registered with no longer holds the bytes pinned then: refused, never served. */
export class VersionSourceChanged extends DomainError<VersionErrorCode> {
  constructor(model: string, version: number, pinned: { key: string; size: number; sha256: string }, now: { size: number; sha256: string } | null) {
    const what = now ? `now holds ${now.size} bytes with sha256 ${now.sha256}` : 'is gone';
    super(
      VersionErrorCode.SourceChanged,
      ErrorKind.Conflict,
      `version ${version} of "${model}" cannot be served: its run artifact ${pinned.key} changed after registration (registered: ${pinned.size} bytes with sha256 ${pinned.sha256}; it ${what}); register the new file as a new version`,
      { key: pinned.key, registered: { size: pinned.size, sha256: pinned.sha256 }, current: now },
    );
  }
}

export class ArtifactRejected extends DomainError<VersionErrorCode> {
  constructor(code: VersionErrorCode, message: string, details?: unknown) {
    super(code, code === VersionErrorCode.UnsupportedMediaType ? ErrorKind.UnsupportedMediaType : ErrorKind.InvalidInput, message, details);
  }
}

/** Parses the `{v}` path segment: a positive integer. */
export function parseVersionNumber(raw: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw new DomainError(VersionErrorCode.InvalidVersion, ErrorKind.InvalidInput, `version must be a positive integer, got "${raw.slice(0, 40)}"`);
  return Number(raw);
}
