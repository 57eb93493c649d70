import { RegistryInit1763900000000 } from './1763900000000-registry-init';
import { RegistryVersions1764100000000 } from './1764100000000-registry-versions';
import { RegistryGovernance1764100000001 } from './1764100000001-registry-governance';
import { RegistryMlflowSource1765000000000 } from './1765000000000-registry-mlflow-source';
import { RegistryVersionSoftDelete1766000000000 } from './1766000000000-registry-version-soft-delete';
import { RegistryIdempotencyKeys1767000000000 } from './1767000000000-registry-idempotency-keys';
import { RegistrySourcePin1768000000000 } from './1768000000000-registry-source-pin';

/** Every committed migration, in order. New migrations are appended here. */
export const registryMigrations = [RegistryInit1763900000000, RegistryVersions1764100000000, RegistryGovernance1764100000001, RegistryMlflowSource1765000000000, RegistryVersionSoftDelete1766000000000, RegistryIdempotencyKeys1767000000000, RegistrySourcePin1768000000000];
