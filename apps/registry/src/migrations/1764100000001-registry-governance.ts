import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Governance additions: aliases are looked up case-insensitively, so two spellings of one alias must not
 * coexist; decisions (stage decisions with their gate results, review decisions) are a record, never edited.
 */
export class RegistryGovernance1764100000001 implements MigrationInterface {
  name = 'RegistryGovernance1764100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNIQUE INDEX model_aliases_ci_key ON registry.model_aliases (model_id, lower(alias))`);
    await q.query(`CREATE INDEX reviews_version_idx ON registry.reviews (version_id, created_at)`);
    await q.query(`CREATE FUNCTION registry.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% rows are a record and never change', TG_TABLE_NAME USING ERRCODE = 'check_violation'; END $$`);
    for (const t of ['stage_decisions', 'review_decisions']) {
      await q.query(`CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON registry.${t} FOR EACH ROW EXECUTE FUNCTION registry.refuse_change()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['stage_decisions', 'review_decisions']) await q.query(`DROP TRIGGER ${t}_append_only ON registry.${t}`);
    await q.query(`DROP FUNCTION registry.refuse_change()`);
    await q.query(`DROP INDEX registry.reviews_version_idx`);
    await q.query(`DROP INDEX registry.model_aliases_ci_key`);
  }
}
