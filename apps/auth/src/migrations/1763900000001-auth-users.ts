import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuthUsers1763900000001 implements MigrationInterface {
  name = 'AuthUsers1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE auth.users (
      id uuid PRIMARY KEY,
      email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
      display_name text,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('viewer', 'data-scientist', 'approver', 'admin')),
      disabled boolean NOT NULL DEFAULT false,
      failed_logins integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON auth.users (lower(email))`);

    // Refresh tokens are opaque; only their sha256 is stored. A family is one login session.
    await q.query(`CREATE TABLE auth.refresh_tokens (
      id uuid PRIMARY KEY,
      family_id uuid NOT NULL,
      user_id uuid NOT NULL REFERENCES auth.users(id),
      token_hash bytea NOT NULL UNIQUE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz
    )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON auth.refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user_idx ON auth.refresh_tokens (user_id) WHERE revoked_at IS NULL`);

    await q.query(`CREATE TABLE auth.api_keys (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES auth.users(id),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
      prefix text NOT NULL UNIQUE,
      secret_hash bytea NOT NULL,
      scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
      created_at timestamptz NOT NULL,
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz
    )`);
    await q.query(`CREATE INDEX api_keys_user_idx ON auth.api_keys (user_id, id)`);

    // Development only: a generated signing key survives restarts (production keys come from config).
    await q.query(`CREATE TABLE auth.dev_signing_keys (
      kid text PRIMARY KEY,
      private_jwk jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE auth.dev_signing_keys');
    await q.query('DROP TABLE auth.api_keys');
    await q.query('DROP TABLE auth.refresh_tokens');
    await q.query('DROP TABLE auth.users');
  }
}
