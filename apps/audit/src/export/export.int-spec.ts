import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { translateError } from '@shipyard/service-kit';
import { AuditTestDatabase, envelope, message, messages } from '../../test/audit-fixtures';
import type { AuditConfig } from '../config';
import { AuditRecorder } from '../events/audit-recorder';
import { canonicalJson } from '../events/canonical-json';
import { CursorStream } from './cursor-stream';
import { ExportAuditEvents } from './export-events.use-case';

async function readAll(stream: CursorStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** RFC 4180 reader, small and strict, to prove the writer's escaping round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  return rows;
}

describe('audit export (real PostgreSQL, server-side cursor)', () => {
  let t: AuditTestDatabase;
  let exporter: ExportAuditEvents;
  const tricky = envelope({ actor: { type: 'user', id: 'o"brien, jr' }, payload: { id: '0b5a1c2e-8d47-4f3a-9c1e-2f6b7a8d9e01', name: 'line one\r\nline "two", three', changed: [] } });

  beforeAll(async () => {
    t = await AuditTestDatabase.create();
    const recorder = new AuditRecorder(t.ds);
    await recorder.record([message(tricky)]);
    for (let i = 0; i < 5; i++) await recorder.record(messages(1000, () => envelope({ actor: { type: 'user', id: i % 2 ? 'bob' : 'alice' } })));
    exporter = new ExportAuditEvents({ SHIPYARD_DATABASE_URL: t.url, SHIPYARD_AUDIT_EXPORT_CONCURRENCY: 2 } as AuditConfig);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('writes NDJSON whose every line recomputes to its hash from the previous one', async () => {
    const out = await exporter.execute({});
    expect(out.format.contentType).toMatch(/^application\/x-ndjson/);
    expect(out.filename).toMatch(/^audit-events-.*\.ndjson$/);
    const lines = (await readAll(out.stream)).split('\n').filter(Boolean);
    expect(lines).toHaveLength(5001);
    let prev = Buffer.alloc(32).toString('hex');
    for (const line of lines) {
      const { hash, prevHash, ...content } = JSON.parse(line) as Record<string, unknown> & { hash: string; prevHash: string };
      expect(prevHash).toBe(prev);
      const recomputed = createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalJson(content)).digest('hex');
      expect(recomputed).toBe(hash);
      prev = hash;
    }
  });

  it('writes CSV with a header, CRLF rows and fields escaped so they read back exactly', async () => {
    const out = await exporter.execute({ format: 'csv', correlationId: 'req-1', actor: `user:${tricky.actor.id}` });
    expect(out.format.contentType).toMatch(/^text\/csv/);
    const rows = parseCsv(await readAll(out.stream));
    expect(rows[0]?.slice(0, 3)).toEqual(['seq', 'eventId', 'subject']);
    expect(rows).toHaveLength(2);
    const [, row] = rows;
    expect(row?.[5]).toBe('o"brien, jr');
    expect(JSON.parse(row?.[11] ?? '')).toEqual(tricky.payload);
    expect(row?.[0]).toBe('1');
  });

  it('applies the same filters as the events API', async () => {
    const out = await exporter.execute({ actor: 'user:bob' });
    expect((await readAll(out.stream)).split('\n').filter(Boolean)).toHaveLength(2000);
    const none = await exporter.execute({ format: 'csv', subject: 'shipyard.nothing.>' });
    expect(parseCsv(await readAll(none.stream))).toHaveLength(1); // the header alone
  });

  it('fetches from the cursor only as fast as the reader reads', async () => {
    const out = await exporter.execute({});
    const first = await new Promise<Buffer>((resolve) => out.stream.once('data', resolve));
    out.stream.pause();
    expect(first.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    // One chunk handed out, at most one more buffered: far from the 5,001 rows there are.
    expect(out.stream.rows).toBeLessThanOrEqual(1000);
    const closed = once(out.stream, 'close');
    out.stream.destroy();
    await closed;
  });

  it('runs at most the configured number of exports, and frees the slot and connection when a client leaves', async () => {
    const a = await exporter.execute({});
    const b = await exporter.execute({});
    await expect(exporter.execute({})).rejects.toMatchObject({ code: 'AUDIT_EXPORT_BUSY' });
    const connections = async () =>
      (await t.ds.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'shipyard-audit-export'`))[0]?.n;
    expect(await connections()).toBe(2);
    const aClosed = once(a.stream, 'close');
    a.stream.destroy(); // the client went away mid-export
    await readAll(b.stream);
    await aClosed;
    expect(exporter.active).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(await connections()).toBe(0);
    const c = await exporter.execute({ format: 'csv', aggregateId: 'none' });
    await readAll(c.stream);
  });

  it('answers 503 (before any byte) when the database cannot be reached', async () => {
    const down = new ExportAuditEvents({ SHIPYARD_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', SHIPYARD_AUDIT_EXPORT_CONCURRENCY: 1 } as AuditConfig);
    await expect(down.execute({})).rejects.toMatchObject({ code: 'AUDIT_EXPORT_UNAVAILABLE' });
    expect(down.active).toBe(0);
  });

  it('answers a filter value PostgreSQL refuses as the client’s 400, not 503 (the database is fine), and frees the slot', async () => {
    const refused = await exporter.execute({ aggregateId: 'a\u0000b' }).catch((e: unknown) => e);
    expect(translateError(refused, 'r')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/NUL/) } } });
    expect(exporter.active).toBe(0);
  });
});
