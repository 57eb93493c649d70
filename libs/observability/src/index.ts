export * from './request-id';
export * from './logger';
export * from './http-metrics';
export * from './health';
