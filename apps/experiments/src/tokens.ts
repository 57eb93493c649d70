/** The service's validated configuration, for providers that need a setting. */
export const EXPERIMENTS_CONFIG = Symbol('EXPERIMENTS_CONFIG');
