import { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableSql } from '@shipyard/messaging';

/** The schema's outbox, so the first write path of this context publishes like every other. */
export class InferenceInit1763900000000 implements MigrationInterface {
  name = 'InferenceInit1763900000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of outboxTableSql('inference')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE inference.outbox');
    await q.query('DROP FUNCTION inference.outbox_notify()');
  }
}
