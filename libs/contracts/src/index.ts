export * from './events/envelope';
export * from './events/catalog';
export * from './registry/model.events';
export * from './registry/model.dto';
export * from './http/headers';
export * from './http/errors';
export * from './http/pagination';
export * from './audit/audit.dto';
