import { randomUUID } from 'node:crypto';
import { connect, headers, NatsConnection } from 'nats';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EventEnvelope } from '@shipyard/contracts';
import { DEFAULT_STREAM_SETTINGS, ensureStream, JetStreamConsumer, NatsConnector } from '@shipyard/messaging';
import { createServiceDataSource, initialiseDataSource } from '@shipyard/persistence';
import { TestDatabase, TestNatsServer, waitFor } from '@shipyard/testing';
import { auditMigrations } from '../migrations';
import { AuditRecorder } from './audit-recorder';
import { chainHash, GENESIS_HASH } from './hash-chain';
import { envelope, message } from '../../test/audit-fixtures';

interface Row {
  seq: string;
  event_id: string;
  subject: string;
  action: string;
  actor_type: string;
  actor_id: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  correlation_id: string;
  occurred_at: Date;
  recorded_at: Date;
  prev_hash: Buffer;
  hash: Buffer;
}

describe('audit recorder (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let recorder: AuditRecorder;

  beforeAll(async () => {
    db = await TestDatabase.create();
    ds = createServiceDataSource({ url: db.url, schema: 'audit', entities: [], migrations: auditMigrations() });
    await initialiseDataSource(ds, 'audit');
    recorder = new AuditRecorder(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const rows = async () => await ds.query<Row[]>('SELECT * FROM audit.events ORDER BY seq');

  it('records each event once, however often it is delivered', async () => {
    const e = envelope();
    const first = await recorder.record([message(e)]);
    const again = await recorder.record([message(e), message(e)]);
    expect(first).toMatchObject({ recorded: 1, duplicates: 0 });
    expect(again).toMatchObject({ recorded: 0, duplicates: 2 });
    const stored = (await rows()).filter((r) => r.event_id === e.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ subject: e.type, action: 'model.updated', actor_type: 'user', actor_id: 'alice', aggregate_type: 'model', aggregate_id: e.aggregate.id, correlation_id: 'req-1', payload: e.payload, before: { tags: ['a'] }, after: { tags: ['a', 'b'] } });
  });

  it('numbers rows without gaps and links each hash to the previous one, across concurrent batches', async () => {
    await Promise.all(Array.from({ length: 8 }, () => recorder.record(Array.from({ length: 25 }, () => message(envelope())))));
    const all = await rows();
    expect(all.map((r) => Number(r.seq))).toEqual(all.map((_, i) => i + 1));
    let prev: Buffer = GENESIS_HASH;
    for (const r of all) {
      expect(r.prev_hash.equals(prev)).toBe(true);
      const recomputed = chainHash(prev, {
        seq: Number(r.seq),
        eventId: r.event_id,
        subject: r.subject,
        action: r.action,
        actor: { type: r.actor_type, id: r.actor_id },
        aggregate: { type: r.aggregate_type, id: r.aggregate_id },
        payload: r.payload,
        before: r.before,
        after: r.after,
        correlationId: r.correlation_id,
        occurredAt: r.occurred_at.toISOString(),
        recordedAt: r.recorded_at.toISOString(),
      });
      expect(recomputed.equals(r.hash)).toBe(true);
      prev = r.hash;
    }
  });

  it('dead-letters what fails validation, with the raw bytes and the reason, and records the rest of the batch', async () => {
    const good = envelope();
    const outcome = await recorder.record([message('{"not": "an envelope"}'), message(good), message('\u0000garbage'), message(envelope(), 'shipyard.other.thing.done.v1')]);
    expect(outcome).toMatchObject({ recorded: 1, deadLettered: 3 });
    const dead = await ds.query<Array<{ subject: string; raw: Buffer; reason: string }>>('SELECT subject, raw, reason FROM audit.dead_letters ORDER BY id');
    expect(dead).toHaveLength(3);
    expect(dead[0]?.raw.toString()).toBe('{"not": "an envelope"}');
    expect(dead[0]?.reason).toMatch(/id/);
    expect(dead[1]?.reason).toMatch(/^not JSON/);
    expect(dead[2]?.reason).toMatch(/does not match subject/);
  });

  describe('append-only in the database', () => {
    let client: Client;
    beforeAll(async () => {
      await recorder.record([message(envelope())]);
      client = new Client({ connectionString: db.url });
      await client.connect();
    });
    afterAll(async () => client.end());

    it.each([
      ['UPDATE', "UPDATE audit.events SET actor_id = 'mallory'"],
      ['UPDATE of no rows', "UPDATE audit.events SET actor_id = 'mallory' WHERE false"],
      ['DELETE', 'DELETE FROM audit.events'],
      ['TRUNCATE', 'TRUNCATE audit.events'],
    ])('rejects %s, even from the table owner', async (_label, sql) => {
      await expect(client.query(sql)).rejects.toThrow(/append-only/);
    });

    it('still has every row afterwards', async () => {
      const n = Number((await client.query('SELECT count(*) AS n FROM audit.events')).rows[0].n);
      expect(n).toBeGreaterThan(200);
      expect((await client.query("SELECT count(*) AS n FROM audit.events WHERE actor_id = 'mallory'")).rows[0].n).toBe('0');
    });
  });
});

describe('audit consumer over JetStream (real NATS and PostgreSQL)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let ds: DataSource;
  let connector: NatsConnector;
  let publisher: NatsConnection;
  let consumer: JetStreamConsumer;
  const stream = DEFAULT_STREAM_SETTINGS('AUDIT_TEST');

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
    ds = createServiceDataSource({ url: db.url, schema: 'audit', entities: [], migrations: auditMigrations() });
    await initialiseDataSource(ds, 'audit');
    connector = new NatsConnector({ servers: nats.url, name: 'audit-test' });
    await connector.connect();
    publisher = await connect({ servers: nats.url });
    await ensureStream(await publisher.jetstreamManager(), stream);
    const recorder = new AuditRecorder(ds);
    consumer = new JetStreamConsumer(connector, {
      stream,
      durable: 'audit-test',
      filterSubject: 'shipyard.>',
      maxBatch: 100,
      ackWaitMs: 5000,
      maxAckPending: 1000,
      retryDelayMs: 100,
      handle: async (batch) => void (await recorder.record(batch)),
    });
    consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await publisher?.close();
    await connector?.close();
    await ds?.destroy();
    await nats?.destroy();
    await db?.drop();
  });

  const count = async (ids: string[]) => Number((await ds.query('SELECT count(*) AS n FROM audit.events WHERE event_id = ANY($1::uuid[])', [ids]))[0].n);

  it('records an event redelivered under a new message id (after the dedupe window) exactly once', async () => {
    const e = envelope();
    const js = publisher.jetstream();
    await js.publish(e.type, Buffer.from(JSON.stringify(e)), { msgID: `${e.id}-first` });
    await js.publish(e.type, Buffer.from(JSON.stringify(e)), { msgID: `${e.id}-second` });
    await waitFor('both deliveries handled', () => Promise.resolve(consumer.progress().handled >= 2));
    expect(await count([e.id])).toBe(1);
  });

  it('keeps consuming after a malformed message published straight to NATS', async () => {
    const js = publisher.jetstream();
    const h = headers();
    h.set('x-request-id', 'evil');
    await js.publish('shipyard.registry.model.created.v1', Buffer.from('not json at all'), { headers: h });
    const after = envelope();
    await js.publish(after.type, Buffer.from(JSON.stringify(after)));
    await waitFor('event after the bad one recorded', async () => (await count([after.id])) === 1);
    const dead = await ds.query<Array<{ headers: Record<string, string>; reason: string }>>("SELECT headers, reason FROM audit.dead_letters WHERE raw = convert_to('not json at all', 'UTF8')");
    expect(dead).toHaveLength(1);
    expect(dead[0]?.headers['x-request-id']).toBe('evil');
  });

  it('takes 2,000 events in batches and records all of them', async () => {
    const js = publisher.jetstream();
    const events = Array.from({ length: 2000 }, () => envelope());
    await Promise.all(events.map((e) => js.publish(e.type, Buffer.from(JSON.stringify(e)), { msgID: e.id })));
    await waitFor('2,000 events recorded', async () => (await count(events.map((e) => e.id))) === 2000, 30_000, 100);
  });
});

describe('audit recorder and poisonous data (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await TestDatabase.create();
    ds = createServiceDataSource({ url: db.url, schema: 'audit', entities: [], migrations: auditMigrations() });
    await initialiseDataSource(ds, 'audit');
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('dead-letters a valid envelope PostgreSQL cannot store (NUL in a string) and records the rest of its batch', async () => {
    const recorder = new AuditRecorder(ds);
    const poison = envelope({ payload: { id: randomUUID(), name: 'bad\u0000name', changed: [] } });
    const fine = [envelope(), envelope()];
    const outcome = await recorder.record([message(fine[0] as EventEnvelope), message(poison), message(fine[1] as EventEnvelope)]);
    expect(outcome).toMatchObject({ recorded: 2, deadLettered: 1 });
    const seqs = await ds.query<Array<{ seq: string }>>('SELECT seq FROM audit.events ORDER BY seq');
    expect(seqs.map((r) => Number(r.seq))).toEqual([1, 2]);
    const dead = await ds.query<Array<{ reason: string }>>('SELECT reason FROM audit.dead_letters');
    expect(dead[0]?.reason).toMatch(/refused by the database/);
  });
});
