import { Readable } from 'node:stream';
import { Client } from 'pg';
import { EventRow } from '../events/event-row';
import { ExportFormat } from './export-format';

const CURSOR = 'audit_export';

/**
 * Streams a query's rows through a server-side cursor (DECLARE … CURSOR in a read-only, repeatable-read
 * transaction on its own connection), FETCHing the next chunk only when the consumer has taken the
 * previous one. Backpressure reaches PostgreSQL: a slow client holds one chunk in memory, not the result.
 * Ends, fails or is destroyed (client gone) → the transaction is closed and the connection released.
 */
export class CursorStream extends Readable {
  private fetching = false;
  private started = false;
  private released = false;
  rows = 0;

  private constructor(
    private readonly client: Client,
    private readonly format: ExportFormat,
    private readonly chunkRows: number,
    private readonly onRelease: () => void,
  ) {
    super({ highWaterMark: 64 * 1024 });
    client.on('error', (e) => this.destroy(e));
  }

  /** Connects and declares the cursor; throws (before any byte is sent) when the database is unreachable. */
  static async open(opts: { url: string; sql: string; params: unknown[]; format: ExportFormat; chunkRows: number; onRelease: () => void }): Promise<CursorStream> {
    const client = new Client({ connectionString: opts.url, application_name: 'shipyard-audit-export', connectionTimeoutMillis: 5_000 });
    try {
      client.on('error', () => undefined); // until the stream owns it
      await client.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${opts.sql}`, opts.params);
    } catch (e) {
      await client.end().catch(() => undefined);
      opts.onRelease();
      throw e;
    }
    return new CursorStream(client, opts.format, opts.chunkRows, opts.onRelease);
  }

  override _read(): void {
    if (this.fetching) return;
    this.fetching = true;
    this.nextChunk().then(
      (chunk) => {
        this.fetching = false;
        this.push(chunk);
      },
      (e: unknown) => this.destroy(e as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** The next chunk of formatted rows, or null at the end. */
  private async nextChunk(): Promise<Buffer | null> {
    const res = await this.client.query<EventRow>(`FETCH ${this.chunkRows} FROM ${CURSOR}`);
    const head = this.started ? '' : this.format.header;
    this.started = true;
    if (res.rows.length === 0) return head ? Buffer.from(head) : null;
    this.rows += res.rows.length;
    let text = head;
    for (const r of res.rows) text += this.format.row(r);
    return Buffer.from(text, 'utf8');
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await this.client.query('ROLLBACK');
    } catch {
      // the connection may be gone already; ending it is all that is left
    } finally {
      await this.client.end().catch(() => undefined);
      this.onRelease();
    }
  }
}
