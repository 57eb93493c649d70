import { RegistryInit1763900000000 } from './1763900000000-registry-init';

/** Every committed migration, in order. New migrations are appended here. */
export const registryMigrations = [RegistryInit1763900000000];
