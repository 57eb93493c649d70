import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createServiceDataSource, initialiseDataSource } from '@shipyard/persistence';
import { TestDatabase } from '@shipyard/testing';
import { AuditTestDatabase, envelope, message, messages } from '../../test/audit-fixtures';
import { VerifyChain } from '../chain/verify-chain.use-case';
import type { AuditConfig } from '../config';
import { AuditRecorder, toChainedContent } from '../events/audit-recorder';
import { chainHash, GENESIS_HASH } from '../events/hash-chain';
import { auditMigrations } from '../migrations';
import { AuditInit1763900000000 } from '../migrations/1763900000000-audit-init';
import { Lifecycle } from '@shipyard/service-kit';
import { PartitionUpkeep } from './partition-upkeep.job';

const monthName = (d: Date) => `events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
const addMonths = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));

async function partitions(ds: DataSource): Promise<string[]> {
  const rows = await ds.query<Array<{ name: string }>>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit.events'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

describe('migrating an existing audit.events to monthly partitions', () => {
  let db: TestDatabase;
  let ds: DataSource | null = null;

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('keeps every row, their chain and their idempotency, in partitions for the months they hold', async () => {
    db = await TestDatabase.create();
    const before = createServiceDataSource({ url: db.url, schema: 'audit', entities: [], migrations: [AuditInit1763900000000] });
    await initialiseDataSource(before, 'audit');
    // 30 rows recorded long ago, in two months, chained exactly as the recorder chains them.
    let prev: Buffer = GENESIS_HASH;
    const ids: string[] = [];
    for (let seq = 1; seq <= 30; seq++) {
      const e = envelope();
      ids.push(e.id);
      const content = toChainedContent(e, seq, seq <= 20 ? '2025-03-14T10:00:00.000Z' : '2025-06-01T00:00:00.000Z');
      const hash = chainHash(prev, content);
      await before.query(
        `INSERT INTO audit.events (seq, event_id, subject, action, actor_type, actor_id, aggregate_type, aggregate_id, payload, before, after, correlation_id, occurred_at, recorded_at, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
        [seq, content.eventId, content.subject, content.action, content.actor.type, content.actor.id, content.aggregate.type, content.aggregate.id, JSON.stringify(content.payload), JSON.stringify(content.before), JSON.stringify(content.after), content.correlationId, content.occurredAt, content.recordedAt, prev, hash],
      );
      prev = hash;
    }
    await before.destroy();

    ds = createServiceDataSource({ url: db.url, schema: 'audit', entities: [], migrations: auditMigrations() });
    await initialiseDataSource(ds, 'audit');
    const now = new Date();
    expect(await partitions(ds)).toEqual(expect.arrayContaining(['events_2025_03', 'events_2025_06', monthName(now), monthName(addMonths(now, 1)), monthName(addMonths(now, 2))]));
    const [{ kind } = { kind: '' }] = await ds.query<Array<{ kind: string }>>(`SELECT relkind AS kind FROM pg_class WHERE oid = 'audit.events'::regclass`);
    expect(kind).toBe('p');
    expect(await new VerifyChain(ds).execute()).toMatchObject({ ok: true, checked: 30 });

    // Redelivery of an event migrated from the old table is still a duplicate; new events chain on.
    const recorder = new AuditRecorder(ds);
    const replay = envelope({ id: ids[4] ?? '' });
    expect(await recorder.record([message(replay), ...messages(3)])).toMatchObject({ recorded: 3, duplicates: 1 });
    expect(await new VerifyChain(ds).execute()).toMatchObject({ ok: true, checked: 33 });
  });
});

describe('partitioned audit.events (real PostgreSQL)', () => {
  let t: AuditTestDatabase;
  let client: Client;

  beforeAll(async () => {
    t = await AuditTestDatabase.create();
    await new AuditRecorder(t.ds).record(messages(3));
    client = new Client({ connectionString: t.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await t?.close();
  });

  it('has this month and the next two ready', async () => {
    const now = new Date();
    expect(await partitions(t.ds)).toEqual([monthName(now), monthName(addMonths(now, 1)), monthName(addMonths(now, 2))]);
  });

  it.each([
    ['UPDATE', (p: string) => `UPDATE audit.${p} SET actor_id = 'mallory'`],
    ['DELETE', (p: string) => `DELETE FROM audit.${p}`],
    ['TRUNCATE', (p: string) => `TRUNCATE audit.${p}`],
  ])('rejects %s aimed at a partition directly', async (_op, sql) => {
    await expect(client.query(sql(monthName(new Date())))).rejects.toThrow(/append-only/);
  });

  it.each(['audit.events', 'audit.event_ids', 'audit.anchors'])('rejects UPDATE, DELETE and TRUNCATE on %s', async (table) => {
    await expect(client.query(`UPDATE ${table} SET seq = seq`)).rejects.toThrow(/append-only/);
    await expect(client.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
    await expect(client.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/append-only/);
    expect(await t.count('audit.events')).toBe(3);
  });

  it('upkeep creates the months ahead once, each with its own append-only trigger', async () => {
    const upkeep = new PartitionUpkeep({ SHIPYARD_AUDIT_PARTITIONS_AHEAD: 3 } as AuditConfig, t.ds, new Lifecycle());
    const at = addMonths(new Date(), 7);
    expect(await upkeep.ensureAhead(at)).toBe(4);
    expect(await upkeep.ensureAhead(at)).toBe(0);
    const last = monthName(addMonths(at, 3));
    expect(await partitions(t.ds)).toContain(last);
    await expect(client.query(`TRUNCATE audit.${last}`)).rejects.toThrow(/append-only/);
  });

  it('creates a missing month itself when upkeep has fallen behind', async () => {
    const far = addMonths(new Date(), 20);
    far.setUTCDate(15);
    const recorder = new AuditRecorder(t.ds, { now: () => far });
    expect(await recorder.record(messages(2))).toMatchObject({ recorded: 2 });
    expect(await partitions(t.ds)).toContain(monthName(far));
  });

  it('records an event once even when the redelivery would land in another month’s partition', async () => {
    const e = envelope();
    await new AuditRecorder(t.ds).record([message(e)]);
    const later = new Date(Date.now() + 40 * 86_400_000);
    expect(await new AuditRecorder(t.ds, { now: () => later }).record([message(e)])).toMatchObject({ recorded: 0, duplicates: 1 });
    expect((await t.ds.query<unknown[]>('SELECT 1 FROM audit.events WHERE event_id = $1', [e.id])).length).toBe(1);
    // A duplicate that slipped past the check (another writer, no lock) still fails on event_ids.
    await expect(t.ds.query('INSERT INTO audit.event_ids (event_id, seq) VALUES ($1, 999999)', [e.id])).rejects.toThrow(/duplicate key/);
  });
});

describe('least-privilege role for the audit service', () => {
  const role = `shipyard_audit_t${randomBytes(4).toString('hex')}`;
  let t: AuditTestDatabase;
  let asRole: DataSource;

  beforeAll(async () => {
    await superuser(`CREATE ROLE ${role} LOGIN`);
    t = await AuditTestDatabase.create({ role });
    const url = new URL(t.url);
    url.username = role;
    asRole = createServiceDataSource({ url: url.toString(), schema: 'audit', entities: [], migrations: auditMigrations(role) });
    await initialiseDataSource(asRole, 'audit'); // boots as the service would: nothing pending, nothing to create
  });

  afterAll(async () => {
    await asRole?.destroy();
    await t?.close();
    await superuser(`DROP ROLE IF EXISTS ${role}`);
  });

  it('records, anchors, keeps partitions and verifies with SELECT and INSERT only', async () => {
    const recorder = new AuditRecorder(asRole, { anchorEvery: 2 });
    expect(await recorder.record([...messages(3), message('garbage')])).toMatchObject({ recorded: 3, deadLettered: 1, anchored: true });
    const upkeep = new PartitionUpkeep({ SHIPYARD_AUDIT_PARTITIONS_AHEAD: 1 } as AuditConfig, asRole, new Lifecycle());
    expect(await upkeep.ensureAhead(addMonths(new Date(), 30))).toBe(2);
    expect(await new VerifyChain(asRole).execute()).toMatchObject({ ok: true, checked: 3 });
  });

  it.each([
    ['UPDATE', 'UPDATE audit.events SET actor_id = actor_id'],
    ['DELETE', 'DELETE FROM audit.events'],
    ['TRUNCATE', 'TRUNCATE audit.anchors'],
    ['UPDATE of a partition', `UPDATE audit.${monthName(new Date())} SET actor_id = actor_id`],
    ['DDL', 'CREATE TABLE audit.sneaky (x int)'],
    ['DROP', 'DROP TABLE audit.anchors'],
  ])('is refused %s by privilege, before any trigger', async (_label, sql) => {
    await expect(asRole.query(sql)).rejects.toThrow(/permission denied|must be owner/);
  });

  it('is a no-op for a role that does not exist', async () => {
    const other = await AuditTestDatabase.create({ role: `absent_${randomBytes(4).toString('hex')}` });
    try {
      expect(await other.count()).toBe(0);
    } finally {
      await other.close();
    }
  });
});

async function superuser(sql: string): Promise<void> {
  const c = new Client({ connectionString: process.env.SHIPYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
