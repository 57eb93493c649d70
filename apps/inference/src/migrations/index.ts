import { InferenceInit1763900000000 } from './1763900000000-inference-init';
import { InferenceDeployments1765000000000 } from './1765000000000-inference-deployments';

export const inferenceMigrations = [InferenceInit1763900000000, InferenceDeployments1765000000000];
