export * from './limits';
export * from './experiment.events';
export * from './experiment.dto';
export * from './run.dto';
export * from './log.dto';
export * from './search.dto';
export * from './lineage.dto';
