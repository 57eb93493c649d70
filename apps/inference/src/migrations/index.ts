import { InferenceInit1763900000000 } from './1763900000000-inference-init';
import { InferenceDeployments1765000000000 } from './1765000000000-inference-deployments';
import { InferenceIdempotencyKeys1767000000000 } from './1767000000000-inference-idempotency-keys';

export const inferenceMigrations = [InferenceInit1763900000000, InferenceDeployments1765000000000, InferenceIdempotencyKeys1767000000000];
