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
/** S3 settings handed to the services; filled by startLocalS3 when no S3 is configured. */
const s3Env: Record<string, string> = {};
let localS3: S3rver | null = null;

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

/** How long after a stop began the supervisor SIGKILLs what is left: the services' own bound plus a margin. */
export function forceKillAfterMs(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.SHIPYARD_SHUTDOWN_TIMEOUT_MS);
  const serviceBound = env.SHIPYARD_SHUTDOWN_TIMEOUT_MS && Number.isFinite(configured) && configured >= 0 ? configured : 10_000;
  return serviceBound + 5_000;
}

export interface SupervisorOptions<S extends { name: string }> {
  /** Starts one service process (stdout/stderr piped, or ignored). */
  spawnService: (s: S) => ChildProcess;
  /** Called with each started process (the CLI prefixes its output). */
  onStarted?: (s: S, child: ChildProcess) => void;
  say: (msg: string) => void;
  /** First restart delay; the n-th restart within a minute waits n times this. */
  restartDelayMs?: number;
  /** A stop still waiting after this long SIGKILLs the remaining processes. */
  forceKillAfterMs: number;
}

/**
 * Starts services, restarts one that exits (backing off, giving up after 5 restarts in a minute), and
 * stops them: SIGTERM to all, then SIGKILL for what is left on a second stop() (second Ctrl-C) or after
 * forceKillAfterMs. Once stopping, nothing is (re)started, and stop() resolves only when no service
 * process is left, with 0, or 1 when some had to be SIGKILLed.
 */
export function createSupervisor<S extends { name: string }>(opts: SupervisorOptions<S>) {
  const children = new Map<string, ChildProcess>();
  const restarts = new Map<string, number[]>();
  const pendingRestarts = new Set<NodeJS.Timeout>();
  const restartDelayMs = opts.restartDelayMs ?? 500;
  let stopping = false;
  let forced = false;
  let allGone: (() => void) | null = null;
  let stopped: Promise<number> | null = null;

  function start(s: S): void {
    if (stopping) return;
    const child = opts.spawnService(s);
    children.set(s.name, child);
    opts.onStarted?.(s, child);
    child.on('exit', (code, signal) => {
      if (children.get(s.name) === child) children.delete(s.name);
      if (stopping) {
        if (children.size === 0) allGone?.();
        return;
      }
      const now = Date.now();
      const recent = (restarts.get(s.name) ?? []).filter((t) => now - t < 60_000);
      recent.push(now);
      restarts.set(s.name, recent);
      if (recent.length > 5) {
        opts.say(`${s.name} exited (${signal ?? code}) ${recent.length} times in a minute; giving up on it`);
        return;
      }
      const delay = restartDelayMs * recent.length;
      opts.say(`${s.name} exited (${signal ?? code}); restarting in ${delay} ms`);
      const timer = setTimeout(() => {
        pendingRestarts.delete(timer);
        start(s);
      }, delay);
      pendingRestarts.add(timer);
    });
  }

  function forceKill(why: string): void {
    const left = [...children.entries()];
    if (!left.length) return;
    forced = true;
    opts.say(`${why}: SIGKILL ${left.map(([name, c]) => `${name} (pid ${c.pid})`).join(', ')}`);
    for (const [, c] of left) c.kill('SIGKILL');
  }

  /** First call: graceful stop. A later call (second Ctrl-C) SIGKILLs what is left. */
  function stop(signal: NodeJS.Signals): Promise<number> {
    if (stopped) {
      forceKill(`${signal} again`);
      return stopped;
    }
    stopping = true;
    for (const t of pendingRestarts) clearTimeout(t);
    pendingRestarts.clear();
    opts.say(`stopping (${signal})…${children.size ? ' (again to force)' : ''}`);
    stopped = new Promise<number>((resolve) => {
      const timer = setTimeout(() => forceKill(`still running ${opts.forceKillAfterMs} ms after ${signal}`), opts.forceKillAfterMs);
      allGone = () => {
        clearTimeout(timer);
        resolve(forced ? 1 : 0);
      };
      if (children.size === 0) allGone();
      else for (const c of children.values()) c.kill('SIGTERM');
    });
    return stopped;
  }

  return { start, stop, children, isStopping: () => stopping };
}

/**
 * Where the gateway finds each service: the port it was given here (SHIPYARD_<NAME>_PORT), unless
 * SHIPYARD_<NAME>_URL says otherwise. Moving a service's port alone would otherwise leave the gateway
 * calling the default one.
 */
export function upstreamUrls(services: ReadonlyArray<{ name: string; portVar: string; defaultPort: number }>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const s of services) {
    if (s.name === 'api-gateway') continue;
    const variable = `SHIPYARD_${s.name.toUpperCase()}_URL`;
    urls[variable] = env[variable] || `http://127.0.0.1:${env[s.portVar] || s.defaultPort}`;
  }
  return urls;
}

function spawnService(s: Service): ChildProcess {
  return spawn(process.execPath, ['-r', join(root, 'tools', 'register-paths.js'), join(root, 'dist', 'apps', s.name, 'src', 'main.js')], {
    cwd: root,
    env: { ...process.env, ...upstreamUrls(SERVICES), ...s3Env, SHIPYARD_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function prefixOutput(s: Service, child: ChildProcess): void {
  const colour = COLOURS[SERVICES.indexOf(s) % COLOURS.length] ?? '37';
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) process.stdout.write(`${format(s.name, colour, line)}\n`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
}

const supervisor = createSupervisor<Service>({ spawnService, onStarted: prefixOutput, say, forceKillAfterMs: forceKillAfterMs() });

async function waitReady(s: Service): Promise<boolean> {
  const port = process.env[s.portVar] ?? String(s.defaultPort);
  for (let i = 0; i < 120 && !supervisor.isStopping(); i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      // Only our own process counts: a stray one on the port (an orphan of an earlier run) is not this service.
      if (res.status === 200 && supervisor.children.has(s.name)) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function stopAll(signal: NodeJS.Signals): Promise<void> {
  const first = !supervisor.isStopping();
  const code = await supervisor.stop(signal);
  if (!first) return; // the first call closes S3 and exits
  await localS3?.close();
  process.exit(code);
}

async function main(): Promise<void> {
  // Handlers first: a Ctrl-C while preparing stops cleanly, and nothing is started after it.
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  await ensureDatabase();
  await startLocalS3();
  SERVICES.forEach((s) => supervisor.start(s));
  const ready = await Promise.all(SERVICES.map(waitReady));
  if (supervisor.isStopping()) return;
  const notReady = SERVICES.filter((_, i) => !ready[i]).map((s) => s.name);
  const gatewayPort = process.env.SHIPYARD_GATEWAY_PORT ?? '8080';
  if (notReady.length) say(`not ready after 60 s: ${notReady.join(', ')} (see their logs above)`);
  else say(`all services ready. Gateway: http://127.0.0.1:${gatewayPort}  (API docs: http://127.0.0.1:${gatewayPort}/docs)`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    say(`failed to start: ${(e as Error).message}`);
    process.exit(1);
  });
}
