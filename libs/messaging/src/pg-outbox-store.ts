import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { OutgoingEvent } from './event-publisher';
import { outboxChannel } from './outbox';
import { OutboxStore } from './outbox-relay';

interface PendingRow {
  seq: string;
  id: string;
  subject: string;
  envelope: { correlationId?: string };
}

/**
 * PostgreSQL side of the relay. Claims rows with FOR UPDATE SKIP LOCKED so several replicas can relay
 * at once without publishing the same row twice, and listens on the outbox channel on a dedicated
 * connection that it re-opens after the server restarts.
 */
export class PgOutboxStore implements OutboxStore {
  private listener: Client | null = null;
  private connecting: Promise<void> | null = null;
  private notified = false;
  private waiter: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly ds: DataSource,
    private readonly schema: string,
    private readonly databaseUrl: string,
    private readonly log: (msg: string) => void = () => undefined,
  ) {}

  async publishPending(limit: number, publish: (rows: OutgoingEvent[]) => Promise<void>): Promise<number> {
    // Cleared before claiming: a NOTIFY that lands while we work makes the next wait return at once.
    this.notified = false;
    return this.ds.transaction(async (em) => {
      const rows = await em.query<PendingRow[]>(
        `SELECT seq, id, subject, envelope FROM "${this.schema}".outbox
          WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(
        rows.map((r) => ({ id: r.id, subject: r.subject, data: JSON.stringify(r.envelope), correlationId: r.envelope.correlationId ?? r.id })),
      );
      await em.query(`UPDATE "${this.schema}".outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
      return rows.length;
    });
  }

  async waitForWork(timeoutMs: number): Promise<void> {
    if (!this.listener) void this.ensureListener();
    if (this.notified) {
      this.notified = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, timeoutMs);
      this.waiter = done;
      function done() {
        clearTimeout(t);
        resolve();
      }
    });
    this.waiter = null;
  }

  /** Rows already published and older than `olderThanMs` are deleted; returns how many. */
  async prunePublished(olderThanMs: number): Promise<number> {
    const res = await this.ds.query<Array<{ n: number }>>(
      `WITH gone AS (DELETE FROM "${this.schema}".outbox WHERE published_at < now() - ($1 || ' milliseconds')::interval RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [String(olderThanMs)],
    );
    return res[0]?.n ?? 0;
  }

  async pendingCount(): Promise<number> {
    const res = await this.ds.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM "${this.schema}".outbox WHERE published_at IS NULL`);
    return res[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiter?.();
    const l = this.listener;
    this.listener = null;
    if (l) await l.end().catch(() => undefined);
  }

  private ensureListener(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.databaseUrl, application_name: `shipyard-${this.schema}-outbox-listener` });
      client.on('notification', () => {
        this.notified = true;
        this.waiter?.();
      });
      const drop = (why: string) => {
        if (this.listener === client) {
          this.listener = null;
          this.log(`outbox listener lost (${why}); falling back to polling until it reconnects`);
        }
      };
      client.on('error', (e: Error) => drop(e.message));
      client.on('end', () => drop('connection ended'));
      try {
        await client.connect();
        await client.query(`LISTEN ${outboxChannel(this.schema)}`);
        if (this.closed) {
          await client.end();
          return;
        }
        this.listener = client;
        // Rows may have arrived before LISTEN took effect.
        this.notified = true;
      } catch (e) {
        await client.end().catch(() => undefined);
        this.log(`outbox listener could not connect: ${(e as Error).message}`);
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }
}
