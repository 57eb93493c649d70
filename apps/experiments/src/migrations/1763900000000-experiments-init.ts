import { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableSql } from '@shipyard/messaging';

/** The schema's outbox, so the first write path of this context publishes like every other. */
export class ExperimentsInit1763900000000 implements MigrationInterface {
  name = 'ExperimentsInit1763900000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of outboxTableSql('experiments')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE experiments.outbox');
    await q.query('DROP FUNCTION experiments.outbox_notify()');
  }
}
