export * from './ports';
export * from './nats-server';
export * from './postgres';
export * from './service-process';
export * from './stack';
export * from './s3-server';
export * from './stand-ins';
export * from './processes';
