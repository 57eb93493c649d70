export * from './data-source';
export * from './ids';
export * from './cursor';
