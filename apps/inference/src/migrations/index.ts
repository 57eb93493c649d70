import { InferenceInit1763900000000 } from './1763900000000-inference-init';

export const inferenceMigrations = [InferenceInit1763900000000];
