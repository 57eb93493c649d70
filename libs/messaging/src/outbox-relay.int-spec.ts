import { randomUUID } from 'node:crypto';
import { AckPolicy, connect, DeliverPolicy, JsMsg, NatsConnection } from 'nats';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createServiceDataSource, initialiseDataSource } from '@shipyard/persistence';
import { TestDatabase, TestNatsServer, waitFor } from '@shipyard/testing';
import { DEFAULT_STREAM_SETTINGS, JetStreamPublisher } from './jetstream-publisher';
import { NatsConnector } from './nats-connection';
import { outboxTableSql, PgOutbox } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { PgOutboxStore } from './pg-outbox-store';

const SCHEMA = 'relay_test';

class RelayTestInit1700000000000 implements MigrationInterface {
  name = 'RelayTestInit1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${SCHEMA}.things (id uuid PRIMARY KEY, name text NOT NULL UNIQUE)`);
    for (const sql of outboxTableSql(SCHEMA)) await q.query(sql);
  }
  async down(): Promise<void> {}
}

describe('outbox → relay → JetStream (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let ds: DataSource;
  let connector: NatsConnector;
  let reader: NatsConnection;
  const outbox = new PgOutbox(SCHEMA);
  const stream = DEFAULT_STREAM_SETTINGS('RELAY_TEST');

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
    ds = createServiceDataSource({ url: db.url, schema: SCHEMA, entities: [], migrations: [RelayTestInit1700000000000] });
    await initialiseDataSource(ds, SCHEMA);
    connector = new NatsConnector({ servers: nats.url, name: 'relay-test' });
    await connector.connect();
    reader = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  });

  afterAll(async () => {
    await reader.close();
    await connector.close();
    await ds.destroy();
    await nats.destroy();
    await db.drop();
  });

  /** Writes a domain row and its event in one transaction, as a use case does. */
  async function writeThing(name: string): Promise<string> {
    const id = randomUUID();
    await ds.transaction(async (em) => {
      await em.query(`INSERT INTO ${SCHEMA}.things (id, name) VALUES ($1, $2)`, [id, name]);
      await outbox.add(em, {
        subject: 'shipyard.test.thing.created.v1',
        actor: { type: 'system', id: 'test' },
        correlationId: `req-${name}`,
        aggregate: { type: 'thing', id },
        payload: { id, name },
      });
    });
    return id;
  }

  async function streamMessages(): Promise<JsMsg[]> {
    const jsm = await reader.jetstreamManager();
    const durable = `reader_${randomUUID().slice(0, 8)}`;
    await jsm.consumers.add(stream.name, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const info = await jsm.streams.info(stream.name);
    const consumer = await reader.jetstream().consumers.get(stream.name, durable);
    const out: JsMsg[] = [];
    if (info.state.messages > 0) {
      const iter = await consumer.fetch({ max_messages: info.state.messages, expires: 2000 });
      for await (const m of iter) {
        out.push(m);
        m.ack();
      }
    }
    await jsm.consumers.delete(stream.name, durable);
    return out;
  }

  const pendingRows = async () => Number((await ds.query(`SELECT count(*) AS n FROM ${SCHEMA}.outbox WHERE published_at IS NULL`))[0].n);

  it('rolls the event back with the domain row, and the row back with the event', async () => {
    await expect(
      ds.transaction(async (em) => {
        await em.query(`INSERT INTO ${SCHEMA}.things (id, name) VALUES ($1, 'doomed')`, [randomUUID()]);
        await outbox.add(em, { subject: 'shipyard.test.thing.created.v1', actor: { type: 'system', id: 't' }, correlationId: 'c', aggregate: { type: 'thing', id: 'x' }, payload: {} });
        throw new Error('use case failed after writing');
      }),
    ).rejects.toThrow('use case failed');
    expect(await ds.query(`SELECT * FROM ${SCHEMA}.things WHERE name = 'doomed'`)).toHaveLength(0);
    expect(await pendingRows()).toBe(0);

    await writeThing('unique-name');
    await expect(writeThing('unique-name')).rejects.toThrow(/duplicate key/);
    expect(Number((await ds.query(`SELECT count(*) AS n FROM ${SCHEMA}.outbox`))[0].n)).toBe(1);
  });

  it('publishes pending rows with msgID = event id, in order, and marks them sent; NOTIFY wakes it at once', async () => {
    const store = new PgOutboxStore(ds, SCHEMA, db.url);
    const relay = new OutboxRelay(store, new JetStreamPublisher(connector, stream), { batchSize: 50, idleMs: 60_000, initialBackoffMs: 50, maxBackoffMs: 500 });
    relay.start();
    try {
      await waitFor('first row relayed', async () => (await pendingRows()) === 0);
      // The relay now sleeps for up to 60 s unless NOTIFY wakes it.
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await writeThing(`notify-${i}`));
      await waitFor('rows relayed after NOTIFY', async () => (await pendingRows()) === 0, 5000, 20);
      expect(Date.now() - t0).toBeLessThan(5000);

      const messages = await streamMessages();
      const envelopes = messages.map((m) => JSON.parse(Buffer.from(m.data).toString()) as { id: string; aggregate: { id: string }; correlationId: string });
      expect(envelopes.slice(-5).map((e) => e.aggregate.id)).toEqual(ids);
      for (const m of messages) {
        const env = JSON.parse(Buffer.from(m.data).toString()) as { id: string; correlationId: string };
        expect(m.headers?.get('Nats-Msg-Id')).toBe(env.id);
        expect(m.headers?.get('x-request-id')).toBe(env.correlationId);
      }
    } finally {
      await relay.stop();
      await store.close();
    }
  });

  it('lets the outbox grow while NATS is down and drains it, without duplicates, when NATS returns', async () => {
    const store = new PgOutboxStore(ds, SCHEMA, db.url);
    const relay = new OutboxRelay(store, new JetStreamPublisher(connector, stream, 1000), { batchSize: 50, idleMs: 200, initialBackoffMs: 50, maxBackoffMs: 400 });
    const before = (await streamMessages()).length;
    relay.start();
    try {
      await nats.stop();
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await writeThing(`offline-${i}`));
      // Writes succeed while the broker is away; the events wait in the outbox.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await pendingRows()).toBe(20);

      await nats.restart();
      await waitFor('outbox drained after NATS restart', async () => (await pendingRows()) === 0, 30_000, 100);
      const messages = await streamMessages();
      const ofThisTest = messages.map((m) => JSON.parse(Buffer.from(m.data).toString()) as { aggregate: { id: string } }).filter((e) => ids.includes(e.aggregate.id));
      expect(messages.length - before).toBe(20);
      expect(new Set(ofThisTest.map((e) => e.aggregate.id)).size).toBe(20);
    } finally {
      await relay.stop();
      await store.close();
    }
  });
});
