import { ExperimentsInit1763900000000 } from './1763900000000-experiments-init';

export const experimentsMigrations = [ExperimentsInit1763900000000];
