import { readFileSync } from 'node:fs';
import { createServiceDataSource } from '@shipyard/persistence';
import { TestStack } from '@shipyard/testing';
import { envelope, message } from '../apps/audit/test/audit-fixtures';
import { AuditRecorder } from '../apps/audit/src/events/audit-recorder';
import { request, Target } from './http';

const ROWS = 100_000;
const MiB = 1024 * 1024;
/** Bound on how much either process may grow while streaming, against ~240 MiB of export. */
const GROWTH_BOUND = 64 * MiB;

/** Resident set size of a process, from /proc (Linux). */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/**
 * An export of 100,000 rows (~240 MiB of NDJSON) streams through the gateway with flat memory: the
 * audit service's and the gateway's RSS are sampled from /proc while the client reads, pausing now
 * and then so backpressure has to reach the database cursor. Measured, not timed.
 */
describe('audit export of 100k rows (services as processes)', () => {
  let stack: TestStack;
  let gw: Target;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'api-gateway'], env: { SHIPYARD_AUDIT_VERIFY_INTERVAL_S: '0' } });
    gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    // Seeded through the recorder itself (valid, chained rows) in batches, not one HTTP write each.
    const ds = createServiceDataSource({ url: stack.db.url, schema: 'audit', entities: [], migrations: [] });
    await ds.initialize();
    try {
      const recorder = new AuditRecorder(ds);
      const filler = 'x'.repeat(2000); // ~2.5 KiB a row, so buffering the export would show at once
      for (let done = 0; done < ROWS; done += 2000) {
        await recorder.record(Array.from({ length: 2000 }, (_, i) => message(envelope({ correlationId: 'export-seed', payload: { id: '6a1f0d2e-3c4b-4d5e-8f70-112233445566', name: `m-${done + i}`, changed: ['description'] }, after: { description: filler } }))));
      }
    } finally {
      await ds.destroy();
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('streams all rows while neither the audit service nor the gateway grows by more than 64 MiB', async () => {
    const pids = { audit: stack.service('audit').pid ?? 0, gateway: stack.service('api-gateway').pid ?? 0 };
    // Warm up the code path once (a small export), then take the baseline.
    expect((await request(gw, 'GET', '/api/v1/audit/export?correlationId=none')).status).toBe(200);
    const baseline = { audit: rss(pids.audit), gateway: rss(pids.gateway) };
    const peak = { ...baseline };
    const sampler = setInterval(() => {
      peak.audit = Math.max(peak.audit, rss(pids.audit));
      peak.gateway = Math.max(peak.gateway, rss(pids.gateway));
    }, 25);

    let lines = 0;
    let bytes = 0;
    let lastLine = '';
    try {
      const res = await fetch(`${stack.url('api-gateway')}/api/v1/audit/export?format=ndjson&correlationId=export-seed`, { headers: { authorization: `Bearer ${await stack.adminToken()}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const reader = res.body?.getReader();
      if (!reader) throw new Error('no body');
      let tail = '';
      const decoder = new TextDecoder();
      for (let chunk = 0; ; chunk++) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        const text = tail + decoder.decode(value as Uint8Array, { stream: true });
        const parts = text.split('\n');
        tail = parts.pop() ?? '';
        lines += parts.length;
        if (parts.length > 0) lastLine = parts[parts.length - 1] ?? lastLine;
        // A slow reader now and then: without backpressure the service would run ahead and buffer.
        if (chunk % 500 === 250) await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      clearInterval(sampler);
    }

    const growth = { audit: peak.audit - baseline.audit, gateway: peak.gateway - baseline.gateway };
    process.stdout.write(
      `export of ${lines} rows, ${(bytes / MiB).toFixed(0)} MiB: audit RSS ${(baseline.audit / MiB).toFixed(0)} → peak ${(peak.audit / MiB).toFixed(0)} MiB (+${(growth.audit / MiB).toFixed(1)}), gateway ${(baseline.gateway / MiB).toFixed(0)} → ${(peak.gateway / MiB).toFixed(0)} MiB (+${(growth.gateway / MiB).toFixed(1)})\n`,
    );
    expect(lines).toBe(ROWS);
    // The stack's own events (the administrator, logins) are in the chain too, so the seeds end at or after seq 100,000.
    expect((JSON.parse(lastLine) as { seq: number }).seq).toBeGreaterThanOrEqual(ROWS);
    expect(bytes).toBeGreaterThan(3 * GROWTH_BOUND);
    expect(growth.audit).toBeLessThan(GROWTH_BOUND);
    expect(growth.gateway).toBeLessThan(GROWTH_BOUND);
  });
});
