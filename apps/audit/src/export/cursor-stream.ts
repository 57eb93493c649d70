import { Readable } from 'node:stream';
import { Client } from 'pg';
import { ExportFormat, toExportRow } from './export-format';
import { FetchQuery } from './fetch-query';

const CURSOR = 'audit_export';
const PIECE_BYTES = 32 * 1024;

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
    this.nextPieces().then(
      (pieces) => {
        this.fetching = false;
        if (pieces === null) this.push(null);
        else for (const piece of pieces) this.push(piece);
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

  /**
   * The next FETCH, formatted, in pieces of about PIECE_BYTES, or null at the end. Rows are formatted
   * as they arrive and pieces stay small, so the garbage stays in V8's young generation: one large
   * string per FETCH would go straight to old space and make the process grow until a full GC.
   */
  private async nextPieces(): Promise<Buffer[] | null> {
    const pieces: Buffer[] = [];
    let text = this.started ? '' : this.format.header;
    this.started = true;
    let rows = 0;
    const fetch = new FetchQuery(`FETCH ${this.chunkRows} FROM ${CURSOR}`, (fields) => {
      rows++;
      text += this.format.row(toExportRow(fields));
      if (text.length >= PIECE_BYTES) {
        pieces.push(Buffer.from(text, 'utf8'));
        text = '';
      }
    });
    this.client.query(fetch);
    await fetch.done;
    if (text) pieces.push(Buffer.from(text, 'utf8'));
    this.rows += rows;
    return pieces.length > 0 ? pieces : null;
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
