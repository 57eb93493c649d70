import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UUID_PATTERN } from '@shipyard/persistence';
import { num, rows } from '../common/sql';

export interface LineageDataset {
  id: string;
  name: string;
  digest: string;
  sourceUri: string | null;
  rowCount: number | null;
}

export interface LineageRun {
  id: string;
  name: string | null;
  experimentId: string;
  experimentName: string;
  status: string;
  lifecycleStage: string;
  startTime: string;
}

/** One dataset → run link (a dataset may feed a run in several contexts: one link each). */
export interface RunInputLink {
  runId: string;
  datasetId: string;
  context: string;
}

const uuids = (ids: string[]) => [...new Set(ids.filter((id) => UUID_PATTERN.test(id)).map((id) => id.toLowerCase()))];

/** The reads lineage needs: datasets, runs with their experiment's name, and the run_inputs links both ways. */
@Injectable()
export class LineageRepository {
  async datasets(em: EntityManager, ids: string[]): Promise<LineageDataset[]> {
    const valid = uuids(ids);
    if (valid.length === 0) return [];
    const found = await rows<{ id: string; name: string; digest: string; source_uri: string | null; row_count: string | null }>(em, 'SELECT id, name, digest, source_uri, row_count FROM experiments.datasets WHERE id = ANY($1::uuid[])', [valid]);
    return found.map((d) => ({ id: d.id, name: d.name, digest: d.digest, sourceUri: d.source_uri, rowCount: num(d.row_count) }));
  }

  /** Deleted runs included: a version keeps pointing at the run it came from. */
  async runs(em: EntityManager, ids: string[]): Promise<LineageRun[]> {
    const valid = uuids(ids);
    if (valid.length === 0) return [];
    const found = await rows<{ id: string; name: string | null; experiment_id: string; experiment_name: string; status: string; lifecycle_stage: string; start_time: Date }>(
      em,
      `SELECT r.id, r.name, r.experiment_id, e.name AS experiment_name, r.status, r.lifecycle_stage, r.start_time
       FROM experiments.runs r JOIN experiments.experiments e ON e.id = r.experiment_id WHERE r.id = ANY($1::uuid[])`,
      [valid],
    );
    return found.map((r) => ({ id: r.id, name: r.name, experimentId: r.experiment_id, experimentName: r.experiment_name, status: r.status, lifecycleStage: r.lifecycle_stage, startTime: r.start_time.toISOString() }));
  }

  /** Links into the given runs (upstream of a run). */
  async inputsOf(em: EntityManager, runIds: string[], limit: number): Promise<RunInputLink[]> {
    const valid = uuids(runIds);
    if (valid.length === 0) return [];
    return this.links(em, 'run_id', valid, limit);
  }

  /** Links out of the given datasets (downstream of a dataset; run_inputs_dataset_idx). */
  async consumersOf(em: EntityManager, datasetIds: string[], limit: number): Promise<RunInputLink[]> {
    const valid = uuids(datasetIds);
    if (valid.length === 0) return [];
    return this.links(em, 'dataset_id', valid, limit);
  }

  private async links(em: EntityManager, by: 'run_id' | 'dataset_id', ids: string[], limit: number): Promise<RunInputLink[]> {
    const found = await rows<{ run_id: string; dataset_id: string; context: string }>(
      em,
      `SELECT run_id, dataset_id, context FROM experiments.run_inputs WHERE ${by} = ANY($1::uuid[]) ORDER BY created_at, run_id, dataset_id, context LIMIT $2`,
      [ids, limit],
    );
    return found.map((l) => ({ runId: l.run_id, datasetId: l.dataset_id, context: l.context }));
  }
}
