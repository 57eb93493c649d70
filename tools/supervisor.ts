/**
 * `npm start`: one process that runs all six services against loopback PostgreSQL and NATS, prefixes
 * their logs, restarts a service that crashes, and stops them all on Ctrl-C / SIGTERM.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import S3rver from 's3rver';

type Service = { name: string; portVar: string; defaultPort: number };

const SERVICES: Service[] = [
  { name: 'audit', portVar: 'SHIPYARD_AUDIT_PORT', defaultPort: 8084 },
  { name: 'registry', portVar: 'SHIPYARD_REGISTRY_PORT', defaultPort: 8082 },
  { name: 'auth', portVar: 'SHIPYARD_AUTH_PORT', defaultPort: 8081 },
  { name: 'experiments', portVar: 'SHIPYARD_EXPERIMENTS_PORT', defaultPort: 8083 },
  { name: 'inference', portVar: 'SHIPYARD_INFERENCE_PORT', defaultPort: 8085 },
  { name: 'api-gateway', portVar: 'SHIPYARD_GATEWAY_PORT', defaultPort: 8080 },
];

const root = resolve(__dirname, '..', '..');
const databaseUrl = process.env.SHIPYARD_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/shipyard';
const pretty = process.env.SHIPYARD_LOG_FORMAT !== 'json' && process.stdout.isTTY;
const children = new Map<string, ChildProcess>();
/** S3 settings handed to the services; filled by startLocalS3 when no S3 is configured. */
const s3Env: Record<string, string> = {};
let localS3: S3rver | null = null;
const restarts = new Map<string, number[]>();
let stopping = false;

const COLOURS = ['36', '33', '35', '32', '34', '31'];
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function say(msg: string): void {
  process.stdout.write(`\x1b[1m[shipyard]\x1b[0m ${msg}\n`);
}

function format(name: string, colour: string, line: string): string {
  const prefix = `\x1b[${colour}m${name.padEnd(11)}\x1b[0m|`;
  if (!pretty) return `${name.padEnd(11)}| ${line}`;
  try {
    const o = JSON.parse(line) as { level?: number; msg?: string; time?: string; context?: string; req?: { method?: string; url?: string }; res?: { statusCode?: number }; responseTime?: number };
    const t = (o.time ?? '').slice(11, 23);
    const lvl = LEVELS[o.level ?? 30] ?? 'INFO';
    const http = o.req && o.res ? ` ${o.req.method} ${o.req.url} → ${o.res.statusCode} (${o.responseTime} ms)` : '';
    return `${prefix} ${t} ${lvl.padEnd(5)} ${o.context ? `[${o.context}] ` : ''}${o.msg ?? ''}${http}`;
  } catch {
    return `${prefix} ${line}`;
  }
}

/** Creates the database named in SHIPYARD_DATABASE_URL when it does not exist yet. */
async function ensureDatabase(): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      say(`created database ${name}`);
    }
  } finally {
    await c.end();
  }
}

/**
 * A laptop has no MinIO: unless SHIPYARD_S3_ENDPOINT points at one, artifacts go to a local S3 API
 * (s3rver) over .shipyard/s3. It is a development store only: single-PUT uploads (the services get a
 * part size of 5 GiB so that they never go multipart), no durability guarantees, fixed credentials.
 */
async function startLocalS3(): Promise<void> {
  if (process.env.SHIPYARD_S3_ENDPOINT) return;
  const directory = join(root, '.shipyard', 's3');
  mkdirSync(directory, { recursive: true });
  const port = Number(process.env.SHIPYARD_LOCAL_S3_PORT ?? 9000);
  localS3 = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [] });
  await localS3.run();
  Object.assign(s3Env, { SHIPYARD_S3_ENDPOINT: `http://127.0.0.1:${port}`, SHIPYARD_S3_ACCESS_KEY: 'S3RVER', SHIPYARD_S3_SECRET_KEY: 'S3RVER', SHIPYARD_S3_PART_SIZE_MB: '5120' });
  say(`SHIPYARD_S3_ENDPOINT not set: DEVELOPMENT-ONLY local S3 (s3rver) on http://127.0.0.1:${port}, data in ${directory}`);
}

function start(s: Service, colour: string): void {
  const child = spawn(process.execPath, ['-r', join(root, 'tools', 'register-paths.js'), join(root, 'dist', 'apps', s.name, 'src', 'main.js')], {
    cwd: root,
    env: { ...process.env, ...s3Env, SHIPYARD_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(s.name, child);
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) process.stdout.write(`${format(s.name, colour, line)}\n`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('exit', (code, signal) => {
    children.delete(s.name);
    if (stopping) return;
    const now = Date.now();
    const recent = (restarts.get(s.name) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    restarts.set(s.name, recent);
    if (recent.length > 5) {
      say(`${s.name} exited (${signal ?? code}) ${recent.length} times in a minute; giving up on it`);
      return;
    }
    const delay = 500 * recent.length;
    say(`${s.name} exited (${signal ?? code}); restarting in ${delay} ms`);
    setTimeout(() => start(s, colour), delay);
  });
}

async function waitReady(s: Service): Promise<boolean> {
  const port = process.env[s.portVar] ?? String(s.defaultPort);
  for (let i = 0; i < 120 && !stopping; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function stopAll(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`stopping (${signal})…`);
  await Promise.all(
    [...children.values()].map(
      (c) =>
        new Promise<void>((r) => {
          c.once('exit', () => r());
          c.kill('SIGTERM');
        }),
    ),
  );
  await localS3?.close();
  process.exit(0);
}

async function main(): Promise<void> {
  await ensureDatabase();
  await startLocalS3();
  SERVICES.forEach((s, i) => start(s, COLOURS[i % COLOURS.length] ?? '37'));
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  const ready = await Promise.all(SERVICES.map(waitReady));
  const notReady = SERVICES.filter((_, i) => !ready[i]).map((s) => s.name);
  const gatewayPort = process.env.SHIPYARD_GATEWAY_PORT ?? '8080';
  if (notReady.length) say(`not ready after 60 s: ${notReady.join(', ')} (see their logs above)`);
  else say(`all services ready. Gateway: http://127.0.0.1:${gatewayPort}  (API docs: http://127.0.0.1:${gatewayPort}/docs)`);
}

main().catch((e: unknown) => {
  say(`failed to start: ${(e as Error).message}`);
  process.exit(1);
});
