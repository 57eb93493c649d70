export * from './event-publisher';
export * from './outbox';
export * from './outbox-relay';
export * from './pg-outbox-store';
export * from './nats-connection';
export * from './jetstream-publisher';
export * from './jetstream-consumer';
