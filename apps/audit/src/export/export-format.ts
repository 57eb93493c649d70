import { AuditExportFormat } from '@shipyard/contracts';

/**
 * A row as the export reads it: every column already text, formatted by PostgreSQL (jsonb as JSON text,
 * bytea as hex, timestamps as RFC 3339 UTC with milliseconds). Nothing is parsed and re-serialised on
 * the way out, which keeps an export of any size cheap in CPU and in garbage.
 */
export interface ExportRow {
  seq: string;
  event_id: string;
  subject: string;
  action: string;
  actor_type: string;
  actor_id: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: string;
  before: string | null;
  after: string | null;
  correlation_id: string;
  occurred_at: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

const EXPORT_FIELDS = ['seq', 'event_id', 'subject', 'action', 'actor_type', 'actor_id', 'aggregate_type', 'aggregate_id', 'payload', 'before', 'after', 'correlation_id', 'occurred_at', 'recorded_at', 'prev_hash', 'hash'] as const;

/** A row of EXPORT_COLUMNS as the text fields the protocol delivers, in column order. */
export function toExportRow(f: Array<string | null>): ExportRow {
  const text = (i: number) => {
    const v = f[i];
    if (v === null || v === undefined) throw new Error(`export column ${EXPORT_FIELDS[i] ?? i} is unexpectedly null`);
    return v;
  };
  return {
    seq: text(0), event_id: text(1), subject: text(2), action: text(3), actor_type: text(4), actor_id: text(5), aggregate_type: text(6), aggregate_id: text(7),
    payload: text(8), before: f[9] ?? null, after: f[10] ?? null, correlation_id: text(11), occurred_at: text(12), recorded_at: text(13), prev_hash: text(14), hash: text(15),
  };
}

const RFC3339_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
export const EXPORT_COLUMNS = `seq::text AS seq, event_id::text AS event_id, subject, action, actor_type, actor_id, aggregate_type, aggregate_id,
  payload::text AS payload, before::text AS before, after::text AS after, correlation_id,
  to_char(occurred_at AT TIME ZONE 'UTC', ${RFC3339_MS}) AS occurred_at, to_char(recorded_at AT TIME ZONE 'UTC', ${RFC3339_MS}) AS recorded_at,
  encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash`;

export interface ExportFormat {
  contentType: string;
  extension: string;
  /** Written once before the first row. */
  header: string;
  row(r: ExportRow): string;
}

const str = (s: string) => JSON.stringify(s);

/**
 * One event per line: the events API's fields (same names, same values) plus prevHash, so each line
 * carries what is needed to recompute its hash: drop `hash` and `prevHash`, take the canonical JSON of
 * the rest, sha256(prevHash bytes || it). JSON columns keep PostgreSQL's spacing, which parses the same.
 */
const ndjson: ExportFormat = {
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  header: '',
  row: (r) =>
    `{"seq":${r.seq},"eventId":"${r.event_id}","subject":${str(r.subject)},"action":${str(r.action)},` +
    `"actor":{"type":${str(r.actor_type)},"id":${str(r.actor_id)}},"aggregate":{"type":${str(r.aggregate_type)},"id":${str(r.aggregate_id)}},` +
    `"payload":${r.payload},"before":${r.before ?? 'null'},"after":${r.after ?? 'null'},"correlationId":${str(r.correlation_id)},` +
    `"occurredAt":"${r.occurred_at}","recordedAt":"${r.recorded_at}","prevHash":"${r.prev_hash}","hash":"${r.hash}"}\n`,
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

const csv: ExportFormat = {
  contentType: 'text/csv; charset=utf-8; header=present',
  extension: 'csv',
  header: `${CSV_COLUMNS.join(',')}\r\n`,
  row: (r) =>
    `${[
      r.seq, r.event_id, r.subject, r.action, r.actor_type, r.actor_id, r.aggregate_type, r.aggregate_id, r.correlation_id,
      r.occurred_at, r.recorded_at, r.payload, r.before, r.after, r.prev_hash, r.hash,
    ].map(csvField).join(',')}\r\n`,
};

export const EXPORT_FORMATS: Readonly<Record<AuditExportFormat, ExportFormat>> = { ndjson, csv };
