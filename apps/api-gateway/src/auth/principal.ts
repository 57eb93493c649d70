import { Actor, Permission, Role } from '@shipyard/contracts';

/** Who is calling, as the gateway established it. */
export interface Principal {
  actor: Actor;
  userId: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
  via: 'jwt' | 'api_key';
}

export type RequestWithPrincipal = { user?: Principal };
