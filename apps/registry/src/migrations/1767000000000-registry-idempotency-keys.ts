import { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableSql } from '@shipyard/service-kit';

/** Answers kept for `Idempotency-Key` retries of writes (see IdempotencyInterceptor). */
export class RegistryIdempotencyKeys1767000000000 implements MigrationInterface {
  name = 'RegistryIdempotencyKeys1767000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of idempotencyTableSql('registry')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "registry".idempotency_keys');
  }
}
