import { Injectable } from '@nestjs/common';
import { ErrorKind, RUN_SUMMARY_RPC, RunSummary } from '@shipyard/contracts';
import { DomainError, RpcClient } from '@shipyard/service-kit';

/** What is known about a version's source run. */
export type RunLookup =
  | { kind: 'found'; run: RunSummary }
  | { kind: 'no_run' }
  | { kind: 'missing'; runId: string }
  | { kind: 'unavailable'; runId: string; reason: string };

const RUN_RPC_TIMEOUT_MS = 3_000;

/** Reads source runs from the experiments service; never throws: an unreachable service is an answer too. */
@Injectable()
export class RunSummaries {
  constructor(private readonly rpc: RpcClient) {}

  async lookup(runIds: Array<string | null>, requestId: string): Promise<RunLookup[]> {
    const wanted = [...new Set(runIds.filter((r): r is string => r !== null))];
    let found = new Map<string, RunSummary>();
    let failure: string | null = null;
    if (wanted.length > 0) {
      try {
        const reply = await this.rpc.call(RUN_SUMMARY_RPC, { runIds: wanted }, { requestId, timeoutMs: RUN_RPC_TIMEOUT_MS });
        found = new Map(reply.runs.map((r) => [r.id, r]));
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        failure = e.kind === ErrorKind.Unavailable ? 'experiments service unavailable' : `experiments service failed: ${e.message}`;
      }
    }
    return runIds.map((id): RunLookup => {
      if (id === null) return { kind: 'no_run' };
      if (failure !== null) return { kind: 'unavailable', runId: id, reason: failure };
      const run = found.get(id);
      return run ? { kind: 'found', run } : { kind: 'missing', runId: id };
    });
  }
}

/** Why a run could not be used, in words, or null when it was found. */
export function runProblem(lookup: RunLookup): string | null {
  switch (lookup.kind) {
    case 'found':
      return null;
    case 'no_run':
      return 'version has no source run (sourceRunId is not set)';
    case 'missing':
      return `source run "${lookup.runId}" was not found in experiments`;
    case 'unavailable':
      return lookup.reason;
  }
}
