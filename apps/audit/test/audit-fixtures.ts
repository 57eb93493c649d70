/** Test fixtures for the audit service: envelopes, consumed messages, a migrated database, tampering. */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EventEnvelope } from '@shipyard/contracts';
import { ConsumedMessage } from '@shipyard/messaging';
import { createServiceDataSource, initialiseDataSource } from '@shipyard/persistence';
import { TestDatabase } from '@shipyard/testing';
import { auditMigrations } from '../src/migrations';

export function envelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const id = randomUUID();
  return {
    id: randomUUID(),
    type: 'shipyard.registry.model.updated.v1',
    version: 1,
    occurredAt: new Date().toISOString(),
    actor: { type: 'user', id: 'alice' },
    correlationId: 'req-1',
    aggregate: { type: 'model', id },
    payload: { id, name: 'churn', changed: ['tags'] },
    before: { tags: ['a'] },
    after: { tags: ['a', 'b'] },
    ...overrides,
  };
}

let streamSeq = 0;
export function message(e: EventEnvelope | string, subject = typeof e === 'string' ? 'shipyard.registry.model.updated.v1' : e.type): ConsumedMessage {
  return { subject, data: Buffer.from(typeof e === 'string' ? e : JSON.stringify(e)), headers: {}, streamSeq: ++streamSeq, redeliveryCount: 1 };
}

export function messages(n: number, make: (i: number) => EventEnvelope = () => envelope()): ConsumedMessage[] {
  return Array.from({ length: n }, (_, i) => message(make(i)));
}

/** A fresh database with the audit schema migrated, and its DataSource. */
export class AuditTestDatabase {
  private constructor(
    readonly db: TestDatabase,
    readonly ds: DataSource,
  ) {}

  static async create(opts: { role?: string; url?: (db: TestDatabase) => string } = {}): Promise<AuditTestDatabase> {
    const db = await TestDatabase.create();
    const ds = createServiceDataSource({ url: db.url, schema: 'audit', entities: [], migrations: auditMigrations(opts.role) });
    await initialiseDataSource(ds, 'audit');
    return new AuditTestDatabase(db, ds);
  }

  get url(): string {
    return this.db.url;
  }

  /**
   * Runs statements as the superuser with triggers off (session_replication_role = replica): what an
   * attacker with full database access could do, and exactly what the chain must expose.
   */
  async tamper(...statements: string[]): Promise<void> {
    const c = new Client({ connectionString: this.db.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      for (const sql of statements) await c.query(sql);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  async count(table = 'audit.events'): Promise<number> {
    const rows = await this.ds.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${table}`);
    return rows[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    await this.ds.destroy().catch(() => undefined);
    await this.db.drop();
  }
}
