import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ACTOR_HEADER, Actor, ActorType, CommonErrorCode, ErrorKind, Permission, PERMISSIONS, PERMISSIONS_HEADER, REQUEST_ID_HEADER, USER_HEADER } from '@shipyard/contracts';
import { DomainError } from './domain-error';

/** Who asked, and the id that ties their request to every log line and event it causes. */
export interface RequestContext {
  requestId: string;
  actor: Actor;
  /** The user behind the actor: the user itself, or an API key's owner. */
  userId: string;
  /** Effective permissions as the gateway computed them. */
  permissions: ReadonlySet<Permission>;
}

/** Parses "user:<id>" / "api_key:<id>" / "system:<id>". */
export function parseActor(value: string | undefined): Actor | null {
  if (!value) return null;
  const i = value.indexOf(':');
  if (i <= 0) return null;
  const type = ActorType.safeParse(value.slice(0, i));
  const id = value.slice(i + 1);
  if (!type.success || id.length === 0 || id.length > 200) return null;
  return { type: type.data, id };
}

export function formatActor(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}

export function requestIdOf(req: FastifyRequest): string {
  const h = req.headers[REQUEST_ID_HEADER];
  return typeof h === 'string' ? h : String(req.id);
}

/** Builds the context from the headers the gateway sets; a request without a principal is refused. */
export function contextOf(req: FastifyRequest): RequestContext {
  const header = req.headers[ACTOR_HEADER];
  const actor = parseActor(typeof header === 'string' ? header : undefined);
  if (!actor) throw new DomainError(CommonErrorCode.Unauthenticated, ErrorKind.Unauthenticated, 'no authenticated principal on the request');
  const user = req.headers[USER_HEADER];
  const perms = req.headers[PERMISSIONS_HEADER];
  return {
    requestId: requestIdOf(req),
    actor,
    userId: typeof user === 'string' && user ? user : actor.id,
    permissions: new Set(typeof perms === 'string' ? perms.split(',').filter((p): p is Permission => (PERMISSIONS as readonly string[]).includes(p)) : []),
  };
}

/** `@Ctx() ctx: RequestContext` in a controller method. */
export const Ctx = createParamDecorator((_: unknown, host: ExecutionContext): RequestContext => contextOf(host.switchToHttp().getRequest<FastifyRequest>()));
