import { AuthInit1763900000000 } from './1763900000000-auth-init';
import { AuthUsers1763900000001 } from './1763900000001-auth-users';

export const authMigrations = [AuthInit1763900000000, AuthUsers1763900000001];
