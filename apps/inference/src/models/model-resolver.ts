import { z } from 'zod';
import { RESOLVE_MODEL_VERSION_RPC } from '@shipyard/contracts';
import { RpcClient } from '@shipyard/service-kit';
import type { ModelRef } from './model-ref';

export type ResolvedVersion = z.output<typeof RESOLVE_MODEL_VERSION_RPC.response>;

/** Which version a reference points at, and where its artifact is. */
export interface ModelResolver {
  resolve(ref: ModelRef): Promise<ResolvedVersion>;
}

/** Asks the registry over NATS request-reply (`rpc.registry.model_version.resolve.v1`). */
export class RegistryModelResolver implements ModelResolver {
  constructor(
    private readonly rpc: RpcClient,
    private readonly timeoutMs: number,
  ) {}

  resolve(ref: ModelRef): Promise<ResolvedVersion> {
    return this.rpc.call(RESOLVE_MODEL_VERSION_RPC, { model: ref.model, version: ref.version, alias: ref.alias, stage: ref.stage, urlExpirySeconds: 300 }, { timeoutMs: this.timeoutMs });
  }
}
