import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LatestMetricResponse, RunInputResponse, RunStatus } from '@shipyard/contracts';
import { queryReturning, UUID_PATTERN } from '@shipyard/persistence';
import { num, rows } from '../common/sql';

export interface RunRow {
  id: string;
  experiment_id: string;
  name: string | null;
  status: RunStatus;
  start_time: Date;
  end_time: Date | null;
  user_id: string | null;
  source: string | null;
  git_commit: string | null;
  framework: string | null;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
  created_at: Date;
  updated_at: Date;
}

/** A run with everything logged to it. */
export interface RunDetail extends RunRow {
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: LatestMetricResponse[];
  inputs: RunInputResponse[];
}

export const RUN_COLUMNS = 'r.id, r.experiment_id, r.name, r.status, r.start_time, r.end_time, r.user_id, r.source, r.git_commit, r.framework, r.artifact_uri, r.lifecycle_stage, r.created_at, r.updated_at';

/** experiments.runs, and the reads that assemble a run's params, tags, latest metrics and inputs. */
@Injectable()
export class RunsRepository {
  /** `lock`: FOR UPDATE (run changes); `share`: FOR SHARE (logging, which only needs the run to stay put). */
  async find(em: EntityManager, id: string, lock: 'update' | 'share' | null = null): Promise<RunRow | null> {
    if (!UUID_PATTERN.test(id)) return null;
    const found = await rows<RunRow>(em, `SELECT ${RUN_COLUMNS} FROM experiments.runs r WHERE r.id = $1${lock ? ` FOR ${lock === 'update' ? 'UPDATE' : 'SHARE'}` : ''}`, [id]);
    return found[0] ?? null;
  }

  async findMany(em: EntityManager, ids: string[]): Promise<RunRow[]> {
    const valid = ids.filter((id) => UUID_PATTERN.test(id));
    if (valid.length === 0) return [];
    return rows<RunRow>(em, `SELECT ${RUN_COLUMNS} FROM experiments.runs r WHERE r.id = ANY($1::uuid[])`, [valid]);
  }

  async insert(em: EntityManager, r: RunRow): Promise<void> {
    await em.query(
      `INSERT INTO experiments.runs (id, experiment_id, name, status, start_time, end_time, user_id, source, git_commit, framework, artifact_uri, lifecycle_stage, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [r.id, r.experiment_id, r.name, r.status, r.start_time, r.end_time, r.user_id, r.source, r.git_commit, r.framework, r.artifact_uri, r.lifecycle_stage, r.created_at, r.updated_at],
    );
  }

  async update(em: EntityManager, r: RunRow): Promise<void> {
    await queryReturning(em, `UPDATE experiments.runs SET name = $2, status = $3, end_time = $4, lifecycle_stage = $5, updated_at = $6 WHERE id = $1 RETURNING id`, [r.id, r.name, r.status, r.end_time, r.lifecycle_stage, r.updated_at]);
  }

  /** Params, tags, latest metrics and inputs of the given runs, in four queries whatever their number. */
  async details(em: EntityManager, runs: RunRow[]): Promise<RunDetail[]> {
    const ids = runs.map((r) => r.id);
    const byRun = new Map<string, RunDetail>(runs.map((r) => [r.id, { ...r, params: {}, tags: {}, metrics: [], inputs: [] }]));
    if (ids.length === 0) return [];
    // One after another: inside a transaction they share one connection, which runs queries serially anyway.
    const params = await rows<{ run_id: string; key: string; value: string }>(em, 'SELECT run_id, key, value FROM experiments.params WHERE run_id = ANY($1::uuid[]) ORDER BY key', [ids]);
    const tags = await rows<{ run_id: string; key: string; value: string }>(em, 'SELECT run_id, key, value FROM experiments.run_tags WHERE run_id = ANY($1::uuid[]) ORDER BY key', [ids]);
    const metrics = await rows<{ run_id: string; key: string; value: number; timestamp: string; step: string }>(em, 'SELECT run_id, key, value, timestamp, step FROM experiments.latest_metrics WHERE run_id = ANY($1::uuid[]) ORDER BY key', [ids]);
    const inputs = await rows<{ run_id: string; dataset_id: string; name: string; digest: string; source_uri: string | null; schema: Record<string, unknown> | null; row_count: string | null; profile: Record<string, unknown> | null; context: string }>(
      em,
      `SELECT ri.run_id, d.id AS dataset_id, d.name, d.digest, d.source_uri, d.schema, d.row_count, d.profile, ri.context
       FROM experiments.run_inputs ri JOIN experiments.datasets d ON d.id = ri.dataset_id WHERE ri.run_id = ANY($1::uuid[]) ORDER BY ri.created_at, d.name, ri.context`,
      [ids],
    );
    for (const p of params) {
      const run = byRun.get(p.run_id);
      if (run) run.params[p.key] = p.value;
    }
    for (const t of tags) {
      const run = byRun.get(t.run_id);
      if (run) run.tags[t.key] = t.value;
    }
    for (const m of metrics) byRun.get(m.run_id)?.metrics.push({ key: m.key, value: m.value, timestamp: Number(m.timestamp), step: Number(m.step) });
    for (const i of inputs) {
      byRun.get(i.run_id)?.inputs.push({ datasetId: i.dataset_id, name: i.name, digest: i.digest, sourceUri: i.source_uri, schema: i.schema, rowCount: num(i.row_count), profile: i.profile, context: i.context });
    }
    return ids.map((id) => byRun.get(id)).filter((r): r is RunDetail => r !== undefined);
  }
}
