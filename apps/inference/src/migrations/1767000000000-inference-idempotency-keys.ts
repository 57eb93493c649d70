import { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableSql } from '@shipyard/service-kit';

/** Answers kept for `Idempotency-Key` retries of writes (see IdempotencyInterceptor). */
export class InferenceIdempotencyKeys1767000000000 implements MigrationInterface {
  name = 'InferenceIdempotencyKeys1767000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of idempotencyTableSql('inference')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE "inference".idempotency_keys');
  }
}
