export * from './artifact-store';
export * from './storage-error';
export { assertValidKey, assertValidPrefix, MAX_KEY_BYTES, MAX_PRESIGN_EXPIRY_SECONDS } from './object-key';
export * from './s3-artifact-store';
export * from './filesystem-artifact-store';
export * from './create-artifact-store';
