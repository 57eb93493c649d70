import cluster, { Worker } from 'node:cluster';
import pino from 'pino';
import { AggregatorRegistry, register } from 'prom-client';

/**
 * Several processes of one service behind one port (node's cluster module): what lets a pod use more
 * than one core for HTTP parsing, JSON and socket writes, which run on each process's event loop. The
 * primary only supervises: it starts the processes, starts another when one dies, forwards the stop
 * signal, and answers the processes' questions about the whole pod (metrics summed over the processes,
 * readiness of the others). Each process is a whole service instance (its own database pool, NATS
 * connection, models), as a replica is.
 */

/** What one process reports about itself when the pod's readiness is asked. */
export interface LocalReadiness {
  ready: boolean;
  /** Why not, when not ready. */
  message?: string;
}

export interface PodReadiness {
  ready: boolean;
  expected: number;
  running: number;
  /** `pid: why` for each other process that is not ready. */
  notReady: string[];
}

type Message =
  | { shipyard: 'metrics'; id: number }
  | { shipyard: 'metrics-answer'; id: number; text?: string; contentType?: string; error?: string }
  | { shipyard: 'peers-ready'; id: number }
  | { shipyard: 'peers-ready-answer'; id: number; readiness: PodReadiness }
  | { shipyard: 'local-ready'; id: number }
  | { shipyard: 'local-ready-answer'; id: number; readiness: LocalReadiness };

const ASK_TIMEOUT_MS = 5_000;
const PEER_TIMEOUT_MS = 2_500;

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { shipyard?: unknown }).shipyard === 'string' && typeof (m as { id?: unknown }).id === 'number';
}

/** True in a process started by `superviseProcesses` (not in a single-process service, nor in tests). */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

let nextId = 0;
const pending = new Map<number, (m: Message) => void>();
let localReadiness: (() => Promise<LocalReadiness>) | null = null;
let workerListening = false;
/** Set once this process listens: before that it is not ready, whatever its probes say. */
let serving = false;
/** Forked to replace a process that died (the pod already serves): it listens only once its own probes pass. */
const REPLACEMENT_ENV = 'SHIPYARD_REPLACEMENT_PROCESS';

/** A worker's side of the channel: answers come back by id; the primary's readiness questions are answered here. */
function listenAsWorker(): void {
  if (workerListening) return;
  workerListening = true;
  // prom-client answers the primary's metrics requests only once an AggregatorRegistry exists in the worker.
  new AggregatorRegistry();
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.shipyard === 'local-ready') {
      const ask = serving && localReadiness ? localReadiness : () => Promise.resolve<LocalReadiness>({ ready: false, message: 'starting' });
      ask().then(
        (readiness) => process.send?.({ shipyard: 'local-ready-answer', id: m.id, readiness } satisfies Message),
        (e: unknown) => process.send?.({ shipyard: 'local-ready-answer', id: m.id, readiness: { ready: false, message: (e as Error).message } } satisfies Message),
      );
      return;
    }
    const resolve = pending.get(m.id);
    if (resolve) {
      pending.delete(m.id);
      resolve(m);
    }
  });
}

function askPrimary(question: 'metrics' | 'peers-ready'): Promise<Message> {
  listenAsWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`the supervising process did not answer within ${ASK_TIMEOUT_MS} ms`));
    }, ASK_TIMEOUT_MS);
    pending.set(id, (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    process.send?.({ shipyard: question, id } satisfies Message);
  });
}

/** In a cluster worker: how this process answers when another one asks the pod's readiness. */
export function answerReadinessWith(check: () => Promise<LocalReadiness>): void {
  if (!cluster.isWorker) return;
  localReadiness = check;
  listenAsWorker();
}

/**
 * Before a cluster worker listens: a process replacing one that died waits here until its own probes
 * pass (its models loaded and warm), so the port never hands a connection to a process that would answer
 * 503. The processes of a starting pod listen at once: the pod is not ready until each of them is.
 */
export async function untilReadyToListen(log: (line: string) => void, pollMs = 200): Promise<void> {
  if (!cluster.isWorker || process.env[REPLACEMENT_ENV] !== 'true') return;
  let last = '';
  for (;;) {
    const r = localReadiness ? await localReadiness().catch((e: unknown) => ({ ready: false, message: (e as Error).message })) : { ready: false, message: 'starting' };
    if (r.ready) return;
    if (r.message && r.message !== last) log(`replacement process not listening yet: ${r.message}`);
    last = r.message ?? '';
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The exposition text of /metrics: this process's registry, or in a cluster worker the sum over every process. */
export async function metricsText(): Promise<{ contentType: string; text: string }> {
  if (!cluster.isWorker) return { contentType: register.contentType, text: await register.metrics() };
  const answer = await askPrimary('metrics');
  if (answer.shipyard !== 'metrics-answer' || answer.text === undefined) throw new Error(answer.shipyard === 'metrics-answer' ? (answer.error ?? 'no metrics') : 'unexpected answer');
  return { contentType: answer.contentType ?? register.contentType, text: answer.text };
}

/** In a cluster worker: whether every other process of the pod is running and ready (null outside a cluster). */
export async function peerReadiness(): Promise<PodReadiness | null> {
  if (!cluster.isWorker) return null;
  const answer = await askPrimary('peers-ready');
  if (answer.shipyard !== 'peers-ready-answer') throw new Error('unexpected answer');
  return answer.readiness;
}

export interface SuperviseOptions {
  service: string;
  processes: number;
  /** Each process's own graceful-shutdown bound; the primary waits this long plus a margin. */
  shutdownTimeoutMs: number;
  /** First restart delay after a process dies (doubles up to 30 s while processes keep dying early). */
  restartDelayMs?: number;
  logLevel?: string;
}

/**
 * The primary: starts `processes` copies of this program (the same entry point; `cluster.isWorker` is
 * true in them) and keeps that many running until SIGTERM/SIGINT, which it passes on, then exits once
 * they have (0 when each exited 0). Resolves when the processes are started.
 */
export function superviseProcesses(opts: SuperviseOptions): Promise<void> {
  // JSON lines like the processes' own logs (pino), told apart by `context`.
  const logger = pino({ level: opts.logLevel ?? 'info', base: { service: opts.service, context: 'supervisor', pid: process.pid }, messageKey: 'msg', timestamp: () => `,"time":"${new Date().toISOString()}"` });
  const aggregator = new AggregatorRegistry();
  const firstDelay = opts.restartDelayMs ?? 1_000;
  let delay = firstDelay / 2;
  let stopping = false;
  let failedExit = false;
  const startedAt = new Map<number, number>();
  const peerAsks = new Map<number, (r: LocalReadiness) => void>();
  let nextPeerAsk = 0;

  const running = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  const localOf = (w: Worker): Promise<LocalReadiness> =>
    new Promise((resolve) => {
      const id = nextPeerAsk++;
      const timer = setTimeout(() => {
        peerAsks.delete(id);
        resolve({ ready: false, message: `no answer within ${PEER_TIMEOUT_MS} ms` });
      }, PEER_TIMEOUT_MS);
      peerAsks.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      w.send({ shipyard: 'local-ready', id } satisfies Message);
    });

  const podReadiness = async (asker: Worker): Promise<PodReadiness> => {
    const workers = running();
    const others = workers.filter((w) => w !== asker);
    const answers = await Promise.all(others.map(async (w) => ({ pid: w.process.pid, r: await localOf(w) })));
    const notReady = answers.filter((a) => !a.r.ready).map((a) => `process ${a.pid ?? '?'}: ${a.r.message ?? 'not ready'}`);
    if (workers.length < opts.processes) notReady.push(`${opts.processes - workers.length} of ${opts.processes} processes not running`);
    return { ready: notReady.length === 0, expected: opts.processes, running: workers.length, notReady };
  };

  const onMessage = (w: Worker, m: unknown): void => {
    if (!isMessage(m)) return;
    if (m.shipyard === 'metrics') {
      aggregator.clusterMetrics().then(
        (text) => w.send({ shipyard: 'metrics-answer', id: m.id, text, contentType: aggregator.contentType } satisfies Message),
        (e: unknown) => w.send({ shipyard: 'metrics-answer', id: m.id, error: (e as Error).message } satisfies Message),
      );
    } else if (m.shipyard === 'peers-ready') {
      void podReadiness(w).then((readiness) => w.send({ shipyard: 'peers-ready-answer', id: m.id, readiness } satisfies Message));
    } else if (m.shipyard === 'local-ready-answer') {
      const resolve = peerAsks.get(m.id);
      peerAsks.delete(m.id);
      resolve?.(m.readiness);
    }
  };

  const start = (replacement: boolean): void => {
    const w = cluster.fork(replacement ? { [REPLACEMENT_ENV]: 'true' } : {});
    startedAt.set(w.id, Date.now());
    w.on('message', (m: unknown) => onMessage(w, m));
  };

  cluster.on('exit', (w, code, signal) => {
    const lived = Date.now() - (startedAt.get(w.id) ?? Date.now());
    startedAt.delete(w.id);
    if (stopping) {
      if (code !== 0) failedExit = true;
      if (running().length === 0) process.exit(failedExit ? 1 : 0);
      return;
    }
    // A process that ran a while and died starts again after the first delay; one dying soon after its start backs off.
    delay = lived > 60_000 ? firstDelay : Math.min(delay * 2, 30_000);
    logger.error(`${opts.service} process ${w.process.pid ?? '?'} exited (${signal ?? `code ${code ?? '?'}`}) after ${Math.round(lived / 1000)} s; starting another in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) start(true);
    }, delay).unref();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info(`received ${signal}: stopping ${running().length} ${opts.service} process(es)`);
      for (const w of running()) w.process.kill('SIGTERM');
      if (running().length === 0) process.exit(0);
      setTimeout(() => {
        logger.error(`processes still running ${opts.shutdownTimeoutMs + 5_000} ms after ${signal}; killing them`);
        for (const w of running()) w.process.kill('SIGKILL');
        process.exit(1);
      }, opts.shutdownTimeoutMs + 5_000).unref();
    });
  }

  for (let i = 0; i < opts.processes; i++) start(false);
  logger.info(`${opts.service}: supervising ${opts.processes} processes sharing one port`);
  return Promise.resolve();
}

/**
 * A service's main: with `processes` ≤ 1 it serves in this process; otherwise this process supervises
 * that many copies of the program and each copy serves. A process's first SIGTERM/SIGINT starts its
 * graceful shutdown; the same signal again (a terminal's Ctrl-C reaches the processes and the supervisor,
 * which passes it on) must not end it midway, as a signal without a listener would.
 */
export async function serveInProcesses(opts: SuperviseOptions, serve: () => Promise<unknown>): Promise<void> {
  if (opts.processes > 1 && cluster.isPrimary) return superviseProcesses(opts);
  if (cluster.isWorker) {
    listenAsWorker();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => undefined);
  }
  await serve();
  serving = true;
}
