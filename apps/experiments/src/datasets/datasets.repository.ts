import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DatasetContext } from '@shipyard/contracts';
import { uuidv7 } from '@shipyard/persistence';
import { rows } from '../common/sql';

export interface DatasetDraft {
  name: string;
  digest: string;
  sourceUri?: string | null;
  schema?: Record<string, unknown> | null;
  rowCount?: number | null;
  profile?: Record<string, unknown> | null;
}

/** experiments.datasets (one row per name + digest) and their links to runs. */
@Injectable()
export class DatasetsRepository {
  /** The dataset with this name and digest, created on first sight; later sightings keep the first description. */
  async upsert(em: EntityManager, d: DatasetDraft): Promise<{ id: string; name: string; digest: string }> {
    const inserted = await rows<{ id: string }>(
      em,
      `INSERT INTO experiments.datasets (id, name, digest, source_uri, schema, row_count, profile, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now()) ON CONFLICT (name, digest) DO NOTHING RETURNING id`,
      [uuidv7(), d.name, d.digest, d.sourceUri ?? null, d.schema ? JSON.stringify(d.schema) : null, d.rowCount ?? null, d.profile ? JSON.stringify(d.profile) : null],
    );
    // A second statement: it sees the row even when a concurrent transaction committed it while this one waited.
    const id = inserted[0]?.id ?? (await rows<{ id: string }>(em, 'SELECT id FROM experiments.datasets WHERE name = $1 AND digest = $2', [d.name, d.digest]))[0]?.id;
    if (!id) throw new Error(`dataset ${d.name}@${d.digest} neither inserted nor found`);
    return { id, name: d.name, digest: d.digest };
  }

  /** Links; true when the link is new. */
  async link(em: EntityManager, runId: string, datasetId: string, context: DatasetContext): Promise<boolean> {
    const inserted = await rows<{ run_id: string }>(
      em,
      `INSERT INTO experiments.run_inputs (run_id, dataset_id, context, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT DO NOTHING RETURNING run_id`,
      [runId, datasetId, context],
    );
    return inserted.length > 0;
  }
}
