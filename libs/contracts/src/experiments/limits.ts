/** Limits of the experiment-tracking model, shared by the service, its DTOs and its clients. */
export const EXPERIMENT_NAME_MAX = 256;
export const EXPERIMENT_DESCRIPTION_MAX = 4000;
export const ARTIFACT_LOCATION_MAX = 1000;
export const KEY_MAX = 250;
export const PARAM_VALUE_MAX = 6000;
export const TAG_VALUE_MAX = 5000;
export const RUN_NAME_MAX = 250;
export const RUN_TEXT_MAX = 500;
export const DATASET_NAME_MAX = 250;
export const TAGS_PER_REQUEST_MAX = 100;

/**
 * Steps, epoch-millisecond timestamps and row counts are bigint columns; JSON numbers are exact only up to
 * 2^53 - 1, so the API takes the safe integers (what log-batch's item validation takes too).
 */
export const INT8_FIELD_MIN = Number.MIN_SAFE_INTEGER;
export const INT8_FIELD_MAX = Number.MAX_SAFE_INTEGER;

/** One log-batch call holds at most this many of each. */
export const BATCH_LIMITS = Object.freeze({ metrics: 1000, params: 100, tags: 100 });

/** Keys of params, metrics and tags: letters, digits and `_ - . / : space` (MLflow's set, plus ':'). */
export const KEY_PATTERN = /^[A-Za-z0-9_\-./: ]+$/;
export const KEY_PATTERN_MESSAGE = 'key may hold letters, digits, spaces and "_", "-", ".", "/", ":"';

export const RUN_STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const LIFECYCLE_STAGES = ['active', 'deleted'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Which rows a list or search returns by lifecycle. */
export const VIEW_TYPES = ['active', 'deleted', 'all'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

export const DATASET_CONTEXTS = ['training', 'validation', 'test'] as const;
export type DatasetContext = (typeof DATASET_CONTEXTS)[number];

export { SHA256_PATTERN } from '../registry/version.dto';

/**
 * A dataset digest, which may be any hash text up to 128 characters (MLflow clients send short hex digests of their
 * own making; sha256 hex is what Shipyard recommends and what its own examples use).
 */
export const DATASET_DIGEST_PATTERN = /^[0-9A-Za-z._:+/=-]{1,128}$/;
