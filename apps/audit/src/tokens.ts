export const AUDIT_CONFIG = Symbol('AUDIT_CONFIG');
export const RECORDER_OPTIONS = Symbol('RECORDER_OPTIONS');
