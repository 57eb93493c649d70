import { MigrationInterface, QueryRunner } from 'typeorm';

/** Models served through POST /api/v1/inference/models, reloaded by every replica at boot. */
export class InferenceDeployments1765000000000 implements MigrationInterface {
  name = 'InferenceDeployments1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inference.deployments (
        id uuid PRIMARY KEY,
        model text NOT NULL,
        version integer CHECK (version > 0),
        alias text,
        stage text CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT deployments_one_reference CHECK (num_nonnulls(version, alias, stage) <= 1)
      )`);
    await q.query('CREATE UNIQUE INDEX deployments_model_key ON inference.deployments (model)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE inference.deployments');
  }
}
