import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditExportQuery, ErrorKind } from '@shipyard/contracts';
import { databaseInputError, DomainError } from '@shipyard/service-kit';
import type { AuditConfig } from '../config';
import { filterConditions } from '../events/event-filter';
import { AUDIT_CONFIG } from '../tokens';
import { CursorStream } from './cursor-stream';
import { EXPORT_COLUMNS, EXPORT_FORMATS, ExportFormat } from './export-format';

export enum ExportErrorCode {
  Busy = 'AUDIT_EXPORT_BUSY',
  Unavailable = 'AUDIT_EXPORT_UNAVAILABLE',
}

export interface AuditExport {
  format: ExportFormat;
  filename: string;
  stream: CursorStream;
}

/** Rows per FETCH: enough to amortise the round trip, few enough that a FETCH's rows die young. */
const CHUNK_ROWS = 100;

/**
 * Exports the audit trail, filtered like the events API, oldest first, as one consistent snapshot of
 * any size. Each export holds its own connection (never one of the pool the recorder needs), and at
 * most SHIPYARD_AUDIT_EXPORT_CONCURRENCY run at once.
 */
@Injectable()
export class ExportAuditEvents {
  private readonly logger = new Logger('audit-export');
  private running = 0;

  constructor(@Inject(AUDIT_CONFIG) private readonly config: AuditConfig) {}

  get active(): number {
    return this.running;
  }

  async execute(q: AuditExportQuery, now: Date = new Date()): Promise<AuditExport> {
    if (this.running >= this.config.SHIPYARD_AUDIT_EXPORT_CONCURRENCY) {
      throw new DomainError(ExportErrorCode.Busy, ErrorKind.Unavailable, `${this.running} exports are running, the most allowed at once; retry when one has finished`);
    }
    const format = EXPORT_FORMATS[q.format ?? 'ndjson'];
    const conditions = filterConditions(q);
    this.running++;
    let released = false;
    const onRelease = () => {
      if (!released) {
        released = true;
        this.running--;
      }
    };
    try {
      const stream = await CursorStream.open({
        url: this.config.SHIPYARD_DATABASE_URL,
        // ORDER BY e.seq, not seq: the bare name would be the text output column (1, 10, 100, 2…).
        sql: `SELECT ${EXPORT_COLUMNS} FROM audit.events e ${conditions.where()} ORDER BY e.seq`,
        params: conditions.params,
        format,
        chunkRows: CHUNK_ROWS,
        onRelease,
      });
      const started = Date.now();
      stream.once('close', () => this.logger.log(`export (${format.extension}) ${stream.readableEnded ? 'finished' : 'stopped early'}: ${stream.rows} rows in ${Date.now() - started} ms`));
      return { format, filename: `audit-events-${now.toISOString().replace(/[:.]/g, '-')}.${format.extension}`, stream };
    } catch (e) {
      // A filter value PostgreSQL refuses is the client's mistake (400 from the filter), not an outage.
      if (databaseInputError(e)) throw e;
      this.logger.warn(`export could not start: ${(e as Error).message}`);
      throw new DomainError(ExportErrorCode.Unavailable, ErrorKind.Unavailable, 'the audit database is unavailable; retry shortly');
    }
  }
}
