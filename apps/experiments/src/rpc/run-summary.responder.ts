import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUN_SUMMARY_RPC, RunSummary } from '@shipyard/contracts';
import { RpcServer } from '@shipyard/service-kit';
import { rows } from '../common/sql';
import { RunsRepository } from '../runs/runs.repository';

/** Answers `rpc.experiments.run_summary.v1` for the registry (metric gates, version comparisons). */
@Injectable()
export class RunSummaryResponder implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly ds: DataSource,
    private readonly runs: RunsRepository,
  ) {}

  onModuleInit(): void {
    this.rpc.handle('experiments', RUN_SUMMARY_RPC, (req) => this.summaries(req.runIds));
  }

  /** Deleted runs are still summarised: a model version keeps pointing at the run it came from. */
  async summaries(runIds: string[]): Promise<{ runs: RunSummary[]; missing: string[] }> {
    const em = this.ds.manager;
    const found = await this.runs.findMany(em, runIds);
    const details = await this.runs.details(em, found);
    const experimentIds = [...new Set(found.map((r) => r.experiment_id))];
    const names = new Map(
      (await rows<{ id: string; name: string }>(em, 'SELECT id, name FROM experiments.experiments WHERE id = ANY($1::uuid[])', [experimentIds])).map((e) => [e.id, e.name]),
    );
    const byId = new Map(details.map((d) => [d.id, d]));
    const runs: RunSummary[] = [];
    const missing: string[] = [];
    for (const asked of runIds) {
      const d = byId.get(asked.toLowerCase());
      if (!d) {
        missing.push(asked);
        continue;
      }
      runs.push({
        id: d.id,
        experimentId: d.experiment_id,
        experimentName: names.get(d.experiment_id) ?? '',
        name: d.name,
        status: d.status,
        params: d.params,
        // The contract's numbers are finite (JSON has no NaN): a NaN or infinite value logged through MLflow is left out.
        metrics: Object.fromEntries(d.metrics.filter((m) => Number.isFinite(m.value)).map((m) => [m.key, m.value])),
        datasets: d.inputs.map((i) => ({ id: i.datasetId, name: i.name, digest: i.digest, context: i.context })),
        artifactUri: d.artifact_uri,
      });
    }
    return { runs, missing };
  }
}
