import { Injectable } from '@nestjs/common';
import { ErrorKind, GET_MODEL_VERSION_RPC, LineageModelVersion, VERSIONS_BY_RUNS_RPC } from '@shipyard/contracts';
import { DomainError, RpcClient } from '@shipyard/service-kit';

const REGISTRY_RPC_TIMEOUT_MS = 3_000;
const RUNS_PER_CALL = 100;

/** What the registry said, or why it could not say anything. */
export type RegistryAnswer<T> = { ok: true; value: T } | { ok: false; reason: string };

function unreachable(e: unknown): { ok: false; reason: string } {
  if (!(e instanceof DomainError)) throw e;
  return { ok: false, reason: e.kind === ErrorKind.Unavailable ? 'registry service unavailable' : `registry service failed: ${e.message}` };
}

/** The registry's side of lineage over NATS request-reply; an unreachable registry is an answer, not an error. */
@Injectable()
export class RegistryVersions {
  constructor(private readonly rpc: RpcClient) {}

  /** A version by id. VERSION_NOT_FOUND propagates: the caller asked for a node that does not exist. */
  async get(id: string, requestId: string): Promise<RegistryAnswer<LineageModelVersion>> {
    try {
      return { ok: true, value: await this.rpc.call(GET_MODEL_VERSION_RPC, { id }, { requestId, timeoutMs: REGISTRY_RPC_TIMEOUT_MS }) };
    } catch (e) {
      if (e instanceof DomainError && e.kind === ErrorKind.NotFound) throw e;
      return unreachable(e);
    }
  }

  /** Versions built from any of `runIds`, asked 100 runs at a time. */
  async builtFrom(runIds: string[], requestId: string): Promise<RegistryAnswer<{ versions: LineageModelVersion[]; truncated: boolean }>> {
    const versions: LineageModelVersion[] = [];
    let truncated = false;
    try {
      for (let i = 0; i < runIds.length; i += RUNS_PER_CALL) {
        const reply = await this.rpc.call(VERSIONS_BY_RUNS_RPC, { runIds: runIds.slice(i, i + RUNS_PER_CALL) }, { requestId, timeoutMs: REGISTRY_RPC_TIMEOUT_MS });
        versions.push(...reply.versions);
        truncated ||= reply.truncated;
      }
    } catch (e) {
      return unreachable(e);
    }
    return { ok: true, value: { versions, truncated } };
  }
}
