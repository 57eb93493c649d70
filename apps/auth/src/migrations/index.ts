import { AuthInit1763900000000 } from './1763900000000-auth-init';

export const authMigrations = [AuthInit1763900000000];
