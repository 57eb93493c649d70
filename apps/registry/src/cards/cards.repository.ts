import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { CardContent, CardStatus } from '@shipyard/contracts';
import { EMPTY_CARD } from './card-transitions';

export interface CardRow {
  versionId: string;
  status: CardStatus;
  content: CardContent;
  submittedByUser: string | null;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

interface Raw {
  version_id: string;
  status: CardStatus;
  content: Partial<CardContent>;
  submitted_by_user: string | null;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

const toRow = (r: Raw): CardRow => ({ versionId: r.version_id, status: r.status, content: { ...EMPTY_CARD, ...r.content }, submittedByUser: r.submitted_by_user, updatedBy: r.updated_by, createdAt: r.created_at, updatedAt: r.updated_at });

/** registry.model_cards: at most one card per version. */
@Injectable()
export class CardsRepository {
  async find(em: EntityManager, versionId: string, lock = false): Promise<CardRow | null> {
    const rows = await em.query<Raw[]>(`SELECT * FROM registry.model_cards WHERE version_id = $1${lock ? ' FOR UPDATE' : ''}`, [versionId]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async statusOf(em: EntityManager, versionIds: string[]): Promise<Map<string, CardStatus>> {
    const rows = await em.query<Array<{ version_id: string; status: CardStatus }>>(`SELECT version_id, status FROM registry.model_cards WHERE version_id = ANY($1::uuid[])`, [versionIds]);
    return new Map(rows.map((r) => [r.version_id, r.status]));
  }

  /** Inserts or replaces the card (the caller holds the row lock, or knows there is no row yet). */
  async save(em: EntityManager, c: CardRow): Promise<void> {
    await em.query(
      `INSERT INTO registry.model_cards (version_id, status, content, submitted_by_user, updated_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (version_id) DO UPDATE SET status = EXCLUDED.status, content = EXCLUDED.content, submitted_by_user = EXCLUDED.submitted_by_user,
         updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [c.versionId, c.status, JSON.stringify(c.content), c.submittedByUser, c.updatedBy, c.createdAt, c.updatedAt],
    );
  }
}
