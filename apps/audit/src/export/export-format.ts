import { AuditExportFormat } from '@shipyard/contracts';
import { EventRow, rowToResponse } from '../events/event-row';

export interface ExportFormat {
  contentType: string;
  extension: string;
  /** Written once before the first row. */
  header: string;
  row(r: EventRow): string;
}

/**
 * One event per line: the events API's JSON plus prevHash, so each line carries everything needed to
 * recompute its hash (drop `hash` and `prevHash`, take the canonical JSON, sha256(prevHash || it)).
 */
const ndjson: ExportFormat = {
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  header: '',
  row: (r) => {
    const { hash, ...content } = rowToResponse(r);
    return `${JSON.stringify({ ...content, prevHash: r.prev_hash.toString('hex'), hash })}\n`;
  },
};

const CSV_COLUMNS = ['seq', 'eventId', 'subject', 'action', 'actorType', 'actorId', 'aggregateType', 'aggregateId', 'correlationId', 'occurredAt', 'recordedAt', 'payload', 'before', 'after', 'prevHash', 'hash'] as const;

/**
 * RFC 4180: a field holding a comma, a double quote, CR or LF (or leading/trailing spaces, which some
 * readers trim) is quoted, with quotes doubled. Values are exported exactly as recorded: nothing is
 * prefixed to defuse spreadsheet formulas, because the export must still recompute to the chain.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const json = (v: Record<string, unknown> | null) => (v === null ? null : JSON.stringify(v));

const csv: ExportFormat = {
  contentType: 'text/csv; charset=utf-8; header=present',
  extension: 'csv',
  header: `${CSV_COLUMNS.join(',')}\r\n`,
  row: (r) =>
    `${[
      Number(r.seq), r.event_id, r.subject, r.action, r.actor_type, r.actor_id, r.aggregate_type, r.aggregate_id, r.correlation_id,
      r.occurred_at.toISOString(), r.recorded_at.toISOString(), json(r.payload), json(r.before), json(r.after), r.prev_hash.toString('hex'), r.hash.toString('hex'),
    ].map(csvField).join(',')}\r\n`,
};

export const EXPORT_FORMATS: Readonly<Record<AuditExportFormat, ExportFormat>> = { ndjson, csv };
