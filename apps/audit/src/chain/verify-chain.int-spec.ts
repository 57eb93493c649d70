import { register } from 'prom-client';
import { Lifecycle } from '@shipyard/service-kit';
import { AuditTestDatabase, envelope, message, messages } from '../../test/audit-fixtures';
import type { AuditConfig } from '../config';
import { AuditRecorder } from '../events/audit-recorder';
import { EVENT_COLUMNS, EventRow, rowToContent } from '../events/event-row';
import { chainHash } from '../events/hash-chain';
import { AnchorTimer } from './anchor-timer.job';
import { ChainVerifierJob } from './chain-verifier.job';
import { VerifyChain } from './verify-chain.use-case';

async function lastVerifiedSeq(): Promise<number | undefined> {
  const metric = await register.getSingleMetric('shipyard_audit_last_verified_seq')?.get();
  return metric?.values[0]?.value;
}

/** Records `n` events in batches of `batch` (each batch one transaction, as the consumer does). */
async function recordMany(recorder: AuditRecorder, n: number, batch = 250): Promise<void> {
  for (let done = 0; done < n; done += batch) await recorder.record(messages(Math.min(batch, n - done)));
}

describe('chain verification (real PostgreSQL)', () => {
  let t: AuditTestDatabase;
  let recorder: AuditRecorder;
  let verify: VerifyChain;

  beforeEach(async () => {
    t = await AuditTestDatabase.create();
    recorder = new AuditRecorder(t.ds, { anchorEvery: 100 });
    verify = new VerifyChain(t.ds);
  });

  afterEach(async () => {
    await t?.close();
  });

  it('verifies an intact chain read in chunks, and anchors it every N events', async () => {
    await recordMany(recorder, 2_450, 350);
    const result = await verify.execute();
    expect(result).toMatchObject({ ok: true, checked: 2_450, fromSeq: 1, toSeq: 2_450 });
    expect(result.firstBrokenSeq).toBeUndefined();
    // Batches of 350 cross a multiple of 100 every time: one anchor per batch, at its last row.
    const anchors = await t.ds.query<Array<{ seq: string }>>('SELECT seq FROM audit.anchors ORDER BY seq');
    expect(anchors.map((a) => Number(a.seq))).toEqual([350, 700, 1050, 1400, 1750, 2100, 2450]);
    expect(result.anchor?.seq).toBe(2_450);
    expect(await lastVerifiedSeq()).toBe(2_450);
  });

  it('verifies a range, and an empty chain', async () => {
    expect(await verify.execute()).toMatchObject({ ok: true, checked: 0, toSeq: 0, anchor: null });
    await recordMany(recorder, 300);
    expect(await verify.execute({ from: 101, to: 200 })).toMatchObject({ ok: true, checked: 100, fromSeq: 101, toSeq: 200 });
    expect(await verify.execute({ from: 250, to: 10_000 })).toMatchObject({ ok: true, checked: 51, toSeq: 300 });
  });

  it('names the seq of a row changed by a superuser with the triggers off', async () => {
    await recordMany(recorder, 500);
    await t.tamper(`UPDATE audit.events SET payload = jsonb_set(payload, '{name}', '"mallory"') WHERE seq = 237`);
    const result = await verify.execute();
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: 237, checked: 236, reason: expect.stringMatching(/hash mismatch/) });
    expect(await lastVerifiedSeq()).toBe(236);
    // A range that starts after the changed row still verifies; one that holds it does not.
    expect((await verify.execute({ from: 238 })).ok).toBe(true);
    expect(await verify.execute({ from: 200, to: 300 })).toMatchObject({ ok: false, firstBrokenSeq: 237 });
  });

  it('names the next seq when the attacker also recomputed the changed row’s hash', async () => {
    await recordMany(recorder, 50);
    const [row] = await t.ds.query<EventRow[]>(`SELECT ${EVENT_COLUMNS} FROM audit.events WHERE seq = 20`);
    if (!row) throw new Error('row 20 missing');
    const forged = chainHash(row.prev_hash, { ...rowToContent(row), actor: { type: 'user', id: 'mallory' } });
    await t.tamper(`UPDATE audit.events SET actor_id = 'mallory', hash = '\\x${forged.toString('hex')}' WHERE seq = 20`);
    expect(await verify.execute()).toMatchObject({ ok: false, firstBrokenSeq: 21, reason: "prev_hash is not the previous row's hash" });
  });

  it('names a row deleted from the middle', async () => {
    await recordMany(recorder, 50);
    await t.tamper('DELETE FROM audit.events WHERE seq = 31');
    expect(await verify.execute()).toMatchObject({ ok: false, firstBrokenSeq: 31, reason: 'row 31 is missing' });
  });

  it('detects rows cut off the end through the newest anchor', async () => {
    await recordMany(recorder, 460, 115); // anchors at 115, 230, 345, 460
    await t.tamper('DELETE FROM audit.events WHERE seq > 400', 'DELETE FROM audit.event_ids WHERE seq > 400');
    const result = await verify.execute();
    expect(result).toMatchObject({ ok: false, checked: 400, toSeq: 400, firstBrokenSeq: 401, anchor: { seq: 460 } });
    expect(result.reason).toMatch(/truncated: the newest anchor is at seq 460 but the chain ends at seq 400/);
  });

  it('detects a cut tail that new events have since grown over, at the anchor', async () => {
    await recordMany(recorder, 230, 115);
    await t.tamper('DELETE FROM audit.events WHERE seq > 200', 'DELETE FROM audit.event_ids WHERE seq > 200');
    await recordMany(recorder, 40, 40); // seq 201..240 again, with other content
    expect(await verify.execute()).toMatchObject({ ok: false, firstBrokenSeq: 230, reason: 'the row differs from its anchor' });
  });

  it('continues from a verified row (incremental) and still checks the anchor', async () => {
    await recordMany(recorder, 120);
    const first = await verify.execute();
    await recordMany(recorder, 30);
    const next = await verify.execute({ after: first.verifiedThrough ?? undefined });
    expect(next).toMatchObject({ ok: true, checked: 30, fromSeq: 121, toSeq: 150 });
  });

  describe('interval anchors', () => {
    const config = { SHIPYARD_AUDIT_ANCHOR_INTERVAL_S: 60 } as AuditConfig;

    it('anchors the head only when it moved since the last anchor', async () => {
      const timer = new AnchorTimer(config, t.ds, new Lifecycle());
      expect(await timer.anchorIfMoved()).toBeNull(); // empty chain
      await recorder.record([message(envelope()), message(envelope())]);
      expect(await timer.anchorIfMoved()).toBe(2);
      expect(await timer.anchorIfMoved()).toBeNull();
      await recorder.record([message(envelope())]);
      expect(await timer.anchorIfMoved()).toBe(3);
      const reasons = await t.ds.query<Array<{ reason: string }>>('SELECT reason FROM audit.anchors ORDER BY id');
      expect(reasons.map((r) => r.reason)).toEqual(['interval', 'interval']);
      // Anchors are append-only too.
      await expect(t.ds.query('DELETE FROM audit.anchors')).rejects.toThrow(/append-only/);
    });
  });

  describe('background verifier', () => {
    it('checks incrementally, and a periodic full pass catches a change behind the checked prefix', async () => {
      const job = new ChainVerifierJob({ SHIPYARD_AUDIT_VERIFY_INTERVAL_S: 300 } as AuditConfig, verify, new Lifecycle());
      const spy = jest.spyOn(verify, 'execute');
      await recordMany(recorder, 40);
      await job.runOnce(); // full pass
      await recordMany(recorder, 10);
      await job.runOnce(); // incremental: 41..50 only
      expect(spy.mock.calls.map((c) => c[0])).toEqual([{}, { after: expect.objectContaining({ seq: 40 }) }]);
      expect(await spy.mock.results[1]?.value).toMatchObject({ ok: true, checked: 10 });

      await t.tamper('UPDATE audit.events SET correlation_id = \'forged\' WHERE seq = 5');
      for (let run = 2; run < 12; run++) await job.runOnce(); // incremental runs do not look back
      expect(await lastVerifiedSeq()).toBe(50);
      await job.runOnce(); // run 12: full pass
      expect(await spy.mock.results[12]?.value).toMatchObject({ ok: false, firstBrokenSeq: 5 });
      expect(await lastVerifiedSeq()).toBe(4);
    });
  });
});
