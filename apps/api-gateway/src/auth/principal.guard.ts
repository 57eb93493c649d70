import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { ACCESS_POLICY, AccessPolicy } from './access-policy';
import { Principal } from './principal';

const unauthenticated = () => new DomainError(CommonErrorCode.Unauthenticated, ErrorKind.Unauthenticated, 'missing, invalid or expired credentials: send Authorization: Bearer <access token or API key>');

/**
 * The gateway's one authorisation point: public routes pass, everything else needs a principal from
 * the `api-key` or `jwt` passport strategy, and a permission route needs that permission.
 */
@Injectable()
export class PrincipalGuard extends AuthGuard(['api-key', 'jwt']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.get<AccessPolicy | undefined>(ACCESS_POLICY, context.getHandler());
    if (!policy) throw new DomainError(CommonErrorCode.Forbidden, ErrorKind.Forbidden, 'route has no access policy'); // unreachable: checked at boot
    if (policy.kind === 'public') return true;
    await (super.canActivate(context) as Promise<boolean>);
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (!principal) throw unauthenticated();
    if (policy.kind === 'permission' && !principal.permissions.has(policy.permission)) {
      throw new DomainError(CommonErrorCode.Forbidden, ErrorKind.Forbidden, `this requires the ${policy.permission} permission`);
    }
    return true;
  }

  override handleRequest<TUser = Principal>(err: unknown, user: TUser | false): TUser {
    if (err) throw err instanceof Error ? err : unauthenticated();
    if (!user) throw unauthenticated();
    return user;
  }
}
