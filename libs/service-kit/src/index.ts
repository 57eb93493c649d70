export * from './domain-error';
export * from './request-context';
export * from './exception-filter';
export * from './lifecycle';
export * from './health.controller';
export * from './service-kit.module';
export * from './bootstrap';
export * from './redis';
