import { Logger } from '@nestjs/common';
import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { DynamicBatcher, supportsBatching } from '../runtime/batcher';
import { ModelLoadError } from '../runtime/errors';
import { warmUp } from '../runtime/warmup';
import { InferenceEngine, WorkerEvent } from '../runtime/worker-pool';
import { ArtifactCache, ArtifactFetchError } from './artifact-cache';
import { InferenceMetrics, watchModelStates } from './inference-metrics';
import { followsRegistry, formatModelRef, ModelRef } from './model-ref';
import { ModelResolver, ResolvedVersion } from './model-resolver';
import { ServedModel } from './served-model';

export interface ServingOptions {
  workers: number;
  intraOpThreads: number;
  batching: boolean;
  maxBatchSize: number;
  maxQueueDelayUs: number;
  warmupRuns: number;
}

export type ModelSource = 'config' | 'deployment';
export type ModelState = 'loading' | 'ready' | 'failed';

export interface ModelEntry {
  name: string;
  ref: ModelRef;
  source: ModelSource;
  state: ModelState;
  error: string | null;
  current: ServedModel | null;
  /** A (re)load is running or queued for this model. */
  busy: Promise<unknown>;
  /** Loads running or queued: the reference may be about to change. */
  loads: number;
  /**
   * Readiness waits for it: the models a replica boots with (configured and recorded deployments). One
   * deployed while the replica serves does not take the replica, and every model on it, out of traffic
   * while it loads; it answers 503 "loading" until it is warm.
   */
  required: boolean;
  /** When the reference last changed here (epoch ms): an older deployment event must not undo it. */
  changedAt: number;
  /** Why the registry took the served version away (deleted), until a version serves again. */
  withdrawn: string | null;
}

export interface DeployOptions {
  /** Readiness waits for it (see ModelEntry.required); never cleared once set. */
  required?: boolean;
  /** When the decision to serve this reference was taken (epoch ms; default now): an event's time for a followed deployment. */
  changedAt?: number;
  /**
   * An explicit deploy (the admin route): when the reference cannot be served, the model goes back to
   * what it was before the call (its reference, and not listed at all if it was not), instead of being
   * kept as a failed entry that is retried.
   */
  undoOnFailure?: boolean;
}

export enum InferenceErrorCode {
  ModelNotServed = 'INFERENCE_MODEL_NOT_SERVED',
  ModelLoadFailed = 'INFERENCE_MODEL_LOAD_FAILED',
  ArtifactUnavailable = 'INFERENCE_ARTIFACT_UNAVAILABLE',
  ModelConfigured = 'INFERENCE_MODEL_CONFIGURED',
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Which model versions this replica serves. Loading a version (resolve → download → session → warm-up)
 * happens beside the one being served; the swap is a single assignment, so a request gets either the
 * old version or the new one, and the old one closes only after the requests it holds have finished.
 */
export class ModelManager {
  private readonly logger = new Logger('models');
  private readonly entries = new Map<string, ModelEntry>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private readonly unwatch: () => void;
  /** SHIPYARD_INFERENCE_MODELS: what every replica serves unless a recorded deployment says otherwise. */
  private configured = new Map<string, ModelRef>();

  constructor(
    private readonly resolver: ModelResolver,
    private readonly cache: ArtifactCache,
    private readonly opts: ServingOptions,
    private readonly metrics: InferenceMetrics,
  ) {
    this.unwatch = watchModelStates(this);
  }

  /** The version serving `name` right now, or null. Synchronous: the hot path must not await before infer(). */
  serving(name: string): ServedModel | null {
    return (this.entries.get(name) ?? this.entryIgnoringCase(name))?.current ?? null;
  }

  /** What this replica knows of `name`: registry model names are case-insensitive, so "Scorer" finds "scorer". */
  entry(name: string): ModelEntry | undefined {
    return this.entries.get(name) ?? this.entryIgnoringCase(name);
  }

  /** The name `name` is served under here, whatever its case; `name` itself when it is not served. */
  servedName(name: string): string {
    return this.entry(name)?.name ?? name;
  }

  /** The registry's spelling of `ref`'s model name (it resolves names ignoring case); throws as a deploy would. */
  async registryName(ref: ModelRef): Promise<string> {
    return (await this.resolver.resolve(ref)).modelName;
  }

  private entryIgnoringCase(name: string): ModelEntry | undefined {
    const lower = name.toLowerCase();
    for (const e of this.entries.values()) if (e.name.toLowerCase() === lower) return e;
    return undefined;
  }

  list(): ModelEntry[] {
    return [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Starts serving `ref` in the background, retrying with back-off until it loads: boot-time models
   * (`required` for readiness) and deployments made on another replica.
   */
  serveInBackground(ref: ModelRef, source: ModelSource, opts: DeployOptions = { required: true }): void {
    // Only the first attempt makes the model hold readiness: a retry must not take back "stops holding
    // readiness" (a recorded deployment found unservable), or a transient failure of that retry (say the
    // registry timing out) would hold the replica unready until the next one.
    const attempt = (delay: number, first: boolean) => {
      this.deploy(ref, source, first ? opts : { ...opts, required: false }).catch((e: unknown) => {
        if (this.stopped || this.entries.get(ref.model)?.ref !== ref) return;
        this.logger.warn(`${formatModelRef(ref)} failed to load (retry in ${delay} ms): ${(e as Error).message}`);
        this.retries.set(ref.model, setTimeout(() => attempt(Math.min(delay * 2, RETRY_MAX_MS), false), delay).unref());
      });
    };
    attempt(RETRY_MIN_MS, true);
  }

  /**
   * Serves `ref` under its model's name, replacing what served that name once the new version is warm.
   * Loads of one name run one after another. Throws a DomainError when the version cannot be served;
   * the previous version, if any, keeps serving then.
   */
  deploy(ref: ModelRef, source: ModelSource, opts: DeployOptions = {}): Promise<ServedModel> {
    const existing = this.entries.get(ref.model);
    const before = existing && { ref: existing.ref, source: existing.source, changedAt: existing.changedAt, required: existing.required, state: existing.state, error: existing.error };
    const hadRetry = this.retries.has(ref.model);
    this.clearRetry(ref.model);
    const entry: ModelEntry = existing ?? { name: ref.model, ref, source, state: 'loading', error: null, current: null, busy: Promise.resolve(), loads: 0, required: false, changedAt: 0, withdrawn: null };
    const sameRef = formatModelRef(entry.ref) === formatModelRef(ref);
    if (!sameRef || entry.source !== source || entry.changedAt === 0) entry.changedAt = opts.changedAt ?? Date.now();
    entry.ref = ref;
    entry.source = source;
    entry.required ||= opts.required ?? false;
    // A withdrawn one says why until a version serves; a failed one retried says why it failed until it loads.
    if (!entry.current && !entry.withdrawn && !(sameRef && entry.state === 'failed')) entry.state = 'loading';
    this.entries.set(ref.model, entry);
    entry.loads++;
    const loaded = entry.busy
      .catch(() => undefined)
      .then(() => this.load(entry, ref))
      .finally(() => entry.loads--);
    const run = opts.undoOnFailure
      ? loaded.catch((e: unknown) => {
          // Unless another deploy of this name came in meanwhile (the latest decision stands).
          if (this.entries.get(ref.model) === entry && entry.ref === ref) {
            if (!before) {
              if (!entry.current) this.entries.delete(ref.model);
            } else {
              Object.assign(entry, { ref: before.ref, source: before.source, changedAt: before.changedAt, required: before.required });
              if (!entry.current) Object.assign(entry, { state: before.state, error: before.error });
              if (hadRetry && !entry.current) this.serveInBackground(entry.ref, entry.source, { required: entry.required, changedAt: entry.changedAt });
            }
          }
          throw e;
        })
      : loaded;
    entry.busy = run;
    return run;
  }

  /**
   * A deployment recorded by another replica (its event, or the table): serve it here too, unless this
   * replica already serves or loads that reference, or changed the model after `asOf` (epoch ms).
   */
  follow(ref: ModelRef, asOf?: number): void {
    const entry = this.entries.get(ref.model);
    if (entry && followsDeployment(entry, ref)) return;
    if (entry && asOf !== undefined && entry.changedAt > asOf) return;
    this.logger.log(`following the deployment of ${formatModelRef(ref)}`);
    this.serveInBackground(ref, 'deployment', { required: false, changedAt: asOf ?? Date.now() });
  }

  /** The configured models (SHIPYARD_INFERENCE_MODELS), the layer a removed deployment falls back to. */
  configure(refs: readonly ModelRef[]): void {
    this.configured = new Map(refs.map((r) => [r.model, r]));
  }

  /** The reference SHIPYARD_INFERENCE_MODELS gives `name`, if any. */
  configuredRef(name: string): ModelRef | undefined {
    return this.configured.get(name);
  }

  /** A deployment removed on another replica: stop serving it here too, unless changed here after `asOf`. */
  async unfollow(name: string, asOf?: number): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry || entry.source === 'config' || (asOf !== undefined && entry.changedAt > asOf)) return;
    await this.removeDeployment(name, asOf);
  }

  /**
   * The recorded deployment of `name` is gone: a configured model goes back to its configured reference
   * (loaded beside the current version, which serves until the swap); any other stops being served.
   */
  async removeDeployment(name: string, asOf?: number): Promise<boolean> {
    const configured = this.configured.get(name);
    if (!configured) {
      this.logger.log(`${name}: its deployment was removed; unloading`);
      return this.unload(name);
    }
    this.logger.log(`${name}: its deployment was removed; back to the configured ${formatModelRef(configured)}`);
    this.serveInBackground(configured, 'config', { required: false, changedAt: asOf ?? Date.now() });
    return true;
  }

  /**
   * The registry deleted a version (`version`), or the whole model (null): no replica keeps serving what
   * a new replica could not load. Requests in flight finish on it; later ones get 503 with `reason`,
   * until a reference that follows an alias, stage or "newest" resolves to another version.
   */
  withdraw(name: string, version: number | null, reason: string): void {
    for (const entry of this.entries.values()) {
      const cur = entry.current;
      if (entry.name.toLowerCase() !== name.toLowerCase() || !cur || (version !== null && cur.version !== version)) continue;
      entry.current = null;
      entry.state = 'failed';
      entry.error = reason;
      entry.withdrawn = reason;
      entry.required = false; // a replica must not turn unready, taking its other models along
      this.logger.warn(`${entry.name}: no longer serving version ${cur.version}: ${reason}`);
      void cur.retire();
    }
  }

  /** Re-resolves a model that follows an alias, stage or "newest" (or one not served), and swaps if the version moved. */
  async refresh(name: string): Promise<void> {
    const entry = this.entries.get(name);
    // A pinned version never moves; it is only tried again while it is not served (withdrawn or failed),
    // e.g. after its model was restored.
    if (!entry || this.stopped || (!followsRegistry(entry.ref) && entry.current)) return;
    if (this.retries.has(name)) return; // a retry with back-off is scheduled: it resolves afresh
    try {
      await this.deploy(entry.ref, entry.source);
    } catch (e) {
      this.logger.warn(`${formatModelRef(entry.ref)}: could not follow the registry: ${(e as Error).message}`);
    }
  }

  /** Stops serving `name`; in-flight requests finish first. False when it was not served. */
  async unload(name: string): Promise<boolean> {
    const entry = this.entries.get(name);
    if (!entry) return false;
    this.entries.delete(name);
    this.clearRetry(name);
    await entry.busy.catch(() => undefined);
    await entry.current?.retire();
    return true;
  }

  /** Readiness: every model this replica booted with is loaded and warm (see ModelEntry.required). */
  readiness(): { ready: boolean; models: Record<string, string> } {
    const models: Record<string, string> = {};
    let ready = true;
    for (const e of this.list()) {
      if (e.current) models[e.name] = `ready (version ${e.current.version})`;
      else {
        if (e.required) ready = false;
        models[e.name] = e.state === 'failed' ? `failed: ${e.error ?? 'unknown error'}` : 'loading';
      }
    }
    return { ready, models };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch();
    for (const name of [...this.retries.keys()]) this.clearRetry(name);
    await Promise.all([...this.entries.keys()].map((n) => this.unload(n)));
  }

  private async load(entry: ModelEntry, ref: ModelRef): Promise<ServedModel> {
    try {
      const resolved = await this.resolver.resolve(ref);
      const current = entry.current;
      if (current && current.version === resolved.version && current.sha256 === resolved.artifact.sha256) return current;
      const served = await this.open(resolved, entry.name);
      if (this.entries.get(entry.name) !== entry || this.stopped) {
        await served.retire(); // unloaded while loading
        throw new DomainError(InferenceErrorCode.ModelNotServed, ErrorKind.Conflict, `model "${entry.name}" was unloaded while it loaded`);
      }
      entry.current = served; // the swap: from here on new requests get the new version
      entry.state = 'ready';
      entry.error = null;
      entry.withdrawn = null;
      this.metrics.loads.labels(entry.name, 'loaded').inc();
      if (current) {
        this.logger.log(`${entry.name}: version ${current.version} → ${served.version}`);
        void current.retire();
      } else this.logger.log(`${entry.name}: serving version ${served.version} (${formatModelRef(ref)})`);
      return served;
    } catch (e) {
      this.metrics.loads.labels(entry.name, 'failed').inc();
      if (!entry.current) {
        entry.state = 'failed';
        entry.error = entry.withdrawn ?? (e as Error).message; // "deleted from the registry" says more than "not found"
        // A recorded deployment whose version is gone from the registry (deleted) or cannot be loaded
        // would otherwise keep every new replica unready for good: it is reported, and stops holding
        // readiness. A configured model keeps holding it (the operator's config is wrong then).
        if (entry.source === 'deployment' && entry.required && isPermanent(e)) {
          entry.required = false;
          this.logger.warn(`${entry.name}: the recorded deployment ${formatModelRef(ref)} cannot be served (${(e as Error).message}); readiness no longer waits for it`);
        }
      }
      throw e;
    }
  }

  private async open(resolved: ResolvedVersion, name: string): Promise<ServedModel> {
    if (resolved.framework.toLowerCase() !== 'onnx') {
      throw new DomainError(InferenceErrorCode.ModelLoadFailed, ErrorKind.InvalidInput, `${resolved.modelName} version ${resolved.version} is a ${resolved.framework} model; only ONNX models can be served`);
    }
    let path: string;
    try {
      path = await this.cache.fetch(resolved.artifact);
    } catch (e) {
      if (e instanceof ArtifactFetchError) throw new DomainError(InferenceErrorCode.ArtifactUnavailable, ErrorKind.Unavailable, `${resolved.modelName} version ${resolved.version}: ${e.message}`);
      throw e;
    }
    let engine: InferenceEngine;
    try {
      engine = await InferenceEngine.load(path, { workers: this.opts.workers, intraOpThreads: this.opts.intraOpThreads, onWorkerEvent: (e) => this.onWorkerEvent(`${name} version ${resolved.version}`, name, e) });
    } catch (e) {
      if (e instanceof ModelLoadError) throw new DomainError(InferenceErrorCode.ModelLoadFailed, ErrorKind.InvalidInput, `${resolved.modelName} version ${resolved.version} is not a model ONNX Runtime can load: ${e.message}`);
      throw e;
    }
    try {
      await warmUp(engine, this.opts.warmupRuns);
    } catch (e) {
      await engine.close();
      throw new DomainError(InferenceErrorCode.ModelLoadFailed, ErrorKind.InvalidInput, `${resolved.modelName} version ${resolved.version} failed its warm-up inferences: ${(e as Error).message}`);
    }
    const batching = this.opts.batching && supportsBatching(engine.io);
    const onNotRowWise = (why: string) => this.logger.warn(`${name} version ${resolved.version}: requests are no longer batched, the model's outputs are not row-wise (${why}); that batch's requests ran alone`);
    const batcher = new DynamicBatcher(engine, { enabled: batching, maxBatchSize: this.opts.maxBatchSize, maxQueueDelayUs: this.opts.maxQueueDelayUs, onNotRowWise });
    return new ServedModel(name, resolved.version, resolved.artifact.sha256, engine, batcher, batching, this.metrics);
  }

  /** A model worker died (its requests got 503) or was replaced: said in the log and counted. */
  private onWorkerEvent(what: string, name: string, e: WorkerEvent): void {
    if (e.type === 'failed') {
      this.metrics.workerFailures.labels(name).inc();
      this.logger.error(`${what}: a model worker failed (${e.error.message}); ${e.runsLost} run(s) in it answered 503, ${e.alive} worker(s) still serving; starting a replacement`);
    } else if (e.type === 'replaced') {
      this.logger.log(`${what}: a replacement model worker serves (${e.alive} worker(s))`);
    } else {
      this.logger.error(`${what}: the replacement model worker did not start (${e.error.message}); next try in ${e.retryInMs} ms`);
    }
  }

  private clearRetry(name: string): void {
    const t = this.retries.get(name);
    if (t) clearTimeout(t);
    this.retries.delete(name);
  }
}

/** The entry serves (or loads) `ref` as a recorded deployment: nothing to follow. */
export function followsDeployment(entry: ModelEntry, ref: ModelRef): boolean {
  return entry.source === 'deployment' && formatModelRef(entry.ref) === formatModelRef(ref);
}

/** Retrying cannot fix it: the registry does not have the version, or ONNX Runtime cannot load it. */
function isPermanent(e: unknown): boolean {
  return e instanceof DomainError && (e.kind === ErrorKind.NotFound || e.kind === ErrorKind.InvalidInput);
}
