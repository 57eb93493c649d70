import { Injectable, OnModuleInit, RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS_POLICY, AccessPolicy } from './access-policy';

export interface RouteEntry {
  method: string;
  path: string;
  policy: AccessPolicy | undefined;
  handler: string;
}

function joinPath(...parts: string[]): string {
  return `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
}

/** A controller or handler may declare several paths (the MLflow routes serve two prefixes): one entry each. */
function pathsOf(p: string | string[] | undefined): string[] {
  return Array.isArray(p) ? p : [p ?? ''];
}

/**
 * Lists every route the gateway serves with its access policy, and refuses to start when a route has
 * none: a forgotten decorator must never mean an open endpoint.
 */
@Injectable()
export class RoutePolicies implements OnModuleInit {
  private routes: RouteEntry[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    this.routes = this.collect();
    const missing = this.routes.filter((r) => !r.policy);
    if (missing.length) {
      throw new Error(`gateway routes without an access policy (@Public, @Authenticated or @RequirePermission): ${missing.map((r) => `${r.method} ${r.path} (${r.handler})`).join(', ')}`);
    }
  }

  all(): readonly RouteEntry[] {
    if (this.routes.length === 0) this.routes = this.collect();
    return this.routes;
  }

  private collect(): RouteEntry[] {
    const out: RouteEntry[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || !wrapper.metatype) continue;
      const base = Reflect.getMetadata(PATH_METADATA, wrapper.metatype) as string | string[] | undefined;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const fn = (proto as Record<string, unknown>)[name];
        if (typeof fn !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const policy = this.reflector.get<AccessPolicy | undefined>(ACCESS_POLICY, fn as () => unknown);
        for (const b of pathsOf(base)) for (const p of pathsOf(path)) out.push({ method: RequestMethod[method], path: joinPath(b, p), policy, handler: `${wrapper.metatype.name}.${name}` });
      }
    }
    return out;
  }
}
