import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorKind, GET_MODEL_VERSION_RPC, LineageModelVersion, VERSIONS_BY_RUNS_LIMIT, VERSIONS_BY_RUNS_RPC } from '@shipyard/contracts';
import { DomainError, RpcServer } from '@shipyard/service-kit';
import { VersionErrorCode } from '../versions/version.errors';
import { LineageRepository } from './lineage.repository';

/**
 * Answers the registry side of lineage for the experiments service: which versions were built from
 * given runs (downstream of a run) and what one version is (upstream starts from its sourceRunId).
 */
@Injectable()
export class LineageResponder implements OnApplicationBootstrap {
  constructor(
    private readonly rpc: RpcServer,
    private readonly ds: DataSource,
    private readonly lineage: LineageRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.rpc.handle('registry', VERSIONS_BY_RUNS_RPC, (req) => this.versionsByRuns(req.runIds));
    this.rpc.handle('registry', GET_MODEL_VERSION_RPC, (req) => this.version(req.id));
  }

  async versionsByRuns(runIds: string[]): Promise<{ versions: LineageModelVersion[]; truncated: boolean }> {
    // One more than the limit tells whether there were more.
    const found = await this.lineage.bySourceRuns(this.ds.manager, [...new Set(runIds)], VERSIONS_BY_RUNS_LIMIT + 1);
    return { versions: found.slice(0, VERSIONS_BY_RUNS_LIMIT), truncated: found.length > VERSIONS_BY_RUNS_LIMIT };
  }

  async version(id: string): Promise<LineageModelVersion> {
    const found = await this.lineage.byId(this.ds.manager, id);
    if (!found) throw new DomainError(VersionErrorCode.NotFound, ErrorKind.NotFound, `model version "${id}" was not found`);
    return found;
  }
}
