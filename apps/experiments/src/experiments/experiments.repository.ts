import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ViewType } from '@shipyard/contracts';
import { queryReturning, UUID_PATTERN } from '@shipyard/persistence';
import { rows } from '../common/sql';

export interface ExperimentRow {
  id: string;
  name: string;
  description: string | null;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  owner_id: string;
  created_at: Date;
  updated_at: Date;
}

export interface Experiment extends ExperimentRow {
  tags: Record<string, string>;
}

export interface ExperimentListFilter {
  namePrefix?: string;
  view: ViewType;
  /** Each entry: the experiment has an active run whose latest `key` is ≥ `min`. */
  minMetrics: Array<{ key: string; min: number }>;
  beforeId?: string;
  limit: number;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const COLUMNS = 'e.id, e.name, e.description, e.artifact_location, e.lifecycle_stage, e.owner_id, e.created_at, e.updated_at';

/** experiments.experiments and experiment_tags. */
@Injectable()
export class ExperimentsRepository {
  /** By id, or else by exact name; any lifecycle. `lock` takes a row lock: 'update' to change it, 'share' to keep it as it is. */
  async findByRef(em: EntityManager, ref: string, lock: 'update' | 'share' | null = null): Promise<Experiment | null> {
    const byId = UUID_PATTERN.test(ref);
    const found = await rows<ExperimentRow>(em, `SELECT ${COLUMNS} FROM experiments.experiments e WHERE ${byId ? 'e.id = $1::uuid' : 'e.name = $1'}${lock ? ` FOR ${lock === 'update' ? 'UPDATE' : 'SHARE'}` : ''}`, [ref]);
    const row = found[0];
    if (!row) return null;
    return { ...row, tags: (await this.tagsOf(em, [row.id])).get(row.id) ?? {} };
  }

  async insert(em: EntityManager, e: ExperimentRow): Promise<void> {
    await em.query(
      `INSERT INTO experiments.experiments (id, name, description, artifact_location, lifecycle_stage, owner_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [e.id, e.name, e.description, e.artifact_location, e.lifecycle_stage, e.owner_id, e.created_at, e.updated_at],
    );
  }

  async update(em: EntityManager, id: string, fields: { name: string; description: string | null; lifecycle_stage: string; updated_at: Date }): Promise<void> {
    await queryReturning(em, `UPDATE experiments.experiments SET name = $2, description = $3, lifecycle_stage = $4, updated_at = $5 WHERE id = $1 RETURNING id`, [id, fields.name, fields.description, fields.lifecycle_stage, fields.updated_at]);
  }

  async upsertTags(em: EntityManager, id: string, tags: Record<string, string>): Promise<void> {
    const keys = Object.keys(tags);
    if (keys.length === 0) return;
    await em.query(
      `INSERT INTO experiments.experiment_tags (experiment_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
       ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value`,
      [id, keys, keys.map((k) => tags[k])],
    );
  }

  async tagsOf(em: EntityManager, ids: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (ids.length === 0) return out;
    for (const t of await rows<{ experiment_id: string; key: string; value: string }>(em, 'SELECT experiment_id, key, value FROM experiments.experiment_tags WHERE experiment_id = ANY($1::uuid[]) ORDER BY key', [ids])) {
      const tags = out.get(t.experiment_id) ?? {};
      tags[t.key] = t.value;
      out.set(t.experiment_id, tags);
    }
    return out;
  }

  /** Newest first (ids are UUIDv7). The metric bounds run on latest_metrics (key, value, run_id). */
  async list(em: EntityManager, f: ExperimentListFilter): Promise<Experiment[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (f.view !== 'all') where.push(`e.lifecycle_stage = ${p(f.view)}`);
    if (f.namePrefix) where.push(`e.name LIKE ${p(`${escapeLike(f.namePrefix)}%`)} ESCAPE '\\'`);
    if (f.beforeId) where.push(`e.id < ${p(f.beforeId)}::uuid`);
    for (const m of f.minMetrics) {
      where.push(`e.id IN (SELECT r.experiment_id FROM experiments.latest_metrics lm JOIN experiments.runs r ON r.id = lm.run_id
        WHERE lm.key = ${p(m.key)} AND lm.value >= ${p(m.min)}::float8 AND r.lifecycle_stage = 'active')`);
    }
    const found = await rows<ExperimentRow>(em, `SELECT ${COLUMNS} FROM experiments.experiments e ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id DESC LIMIT ${p(f.limit)}`, params);
    const tags = await this.tagsOf(em, found.map((r) => r.id));
    return found.map((r) => ({ ...r, tags: tags.get(r.id) ?? {} }));
  }
}
