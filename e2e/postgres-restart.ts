/**
 * Restarts the shared PostgreSQL server for a chaos test. Every database on it goes down for a moment,
 * so the restart waits until no other test database (shipyard_test_*, shipyard_e2e_*) has a client
 * connected — another test file, or another run on this machine — and proceeds after `waitMs` anyway,
 * saying so. The command is `pg_ctlcluster --skip-systemctl-redirect 15 main restart` unless
 * SHIPYARD_TEST_PG_RESTART names another (split on spaces).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { TEST_POSTGRES_URL, waitFor } from '@shipyard/testing';

const run = promisify(execFile);
const DEFAULT_COMMAND = 'pg_ctlcluster --skip-systemctl-redirect 15 main restart';

async function otherTestConnections(ownDatabase: string): Promise<Array<{ datname: string; n: number }>> {
  const c = new Client({ connectionString: TEST_POSTGRES_URL });
  await c.connect();
  try {
    const res = await c.query<{ datname: string; n: number }>(
      `SELECT datname, count(*)::int AS n FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname <> $1
          -- idle pool connections (e.g. of a finished file's leftover process) are not work a restart would break
          AND state IS DISTINCT FROM 'idle'
          AND (datname LIKE 'shipyard\\_test\\_%' OR datname LIKE 'shipyard\\_e2e\\_%')
        GROUP BY datname`,
      [ownDatabase],
    );
    return res.rows;
  } finally {
    await c.end();
  }
}

export async function restartSharedPostgres(ownDatabase: string, log: (line: string) => void, waitMs = 120_000): Promise<{ waitedMs: number; downMs: number }> {
  const waitStart = Date.now();
  let busy = await otherTestConnections(ownDatabase);
  while (busy.length > 0 && Date.now() - waitStart < waitMs) {
    await new Promise((r) => setTimeout(r, 1000));
    busy = await otherTestConnections(ownDatabase);
  }
  if (busy.length > 0) log(`restarting PostgreSQL although other test databases are in use: ${busy.map((b) => `${b.datname} (${b.n})`).join(', ')}`);
  const [cmd = 'pg_ctlcluster', ...args] = (process.env.SHIPYARD_TEST_PG_RESTART ?? DEFAULT_COMMAND).split(' ').filter(Boolean);
  const downAt = Date.now();
  await run(cmd, args, { timeout: 60_000 });
  await waitFor('PostgreSQL back after restart', async () => {
    const c = new Client({ connectionString: TEST_POSTGRES_URL });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } finally {
      await c.end().catch(() => undefined);
    }
  }, 60_000, 100);
  return { waitedMs: downAt - waitStart, downMs: Date.now() - downAt };
}
