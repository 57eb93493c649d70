import { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableSql } from '@shipyard/messaging';

export class RegistryInit1763900000000 implements MigrationInterface {
  name = 'RegistryInit1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE registry.models (
      id uuid PRIMARY KEY,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
      description text CHECK (char_length(description) <= 4000),
      tags text[] NOT NULL DEFAULT '{}',
      owner_id text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      deleted_at timestamptz
    )`);
    // One live model per name, case-insensitively; a deleted model frees its name.
    await q.query(`CREATE UNIQUE INDEX models_live_name_key ON registry.models (lower(name)) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX models_tags_idx ON registry.models USING gin (tags)`);
    for (const sql of outboxTableSql('registry')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry.outbox`);
    await q.query(`DROP FUNCTION registry.outbox_notify()`);
    await q.query(`DROP TABLE registry.models`);
  }
}
