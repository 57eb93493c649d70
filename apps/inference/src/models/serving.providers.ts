import { Inject, Injectable, Logger, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { NatsConnector } from '@shipyard/messaging';
import { ProbeRegistry } from '@shipyard/observability';
import { Lifecycle, RpcClient } from '@shipyard/service-kit';
import type { InferenceConfig } from '../config';
import { DeploymentsFollower } from '../deployments/deployments.follower';
import { DeploymentsRepository, refOf } from '../deployments/deployments.repository';
import { ArtifactCache } from './artifact-cache';
import { inferenceMetrics } from './inference-metrics';
import { ModelManager, ModelSource } from './model-manager';
import { ModelRef, parseModelRefs } from './model-ref';
import { RegistryModelResolver } from './model-resolver';
import { RegistryEventsListener } from './registry-events.listener';

export const INFERENCE_CONFIG = Symbol('INFERENCE_CONFIG');

export const servingProviders = (config: InferenceConfig): Provider[] => [
  { provide: INFERENCE_CONFIG, useValue: config },
  RpcClient,
  {
    provide: ModelManager,
    inject: [RpcClient],
    useFactory: (rpc: RpcClient) =>
      new ModelManager(new RegistryModelResolver(rpc, config.SHIPYARD_INFERENCE_RESOLVE_TIMEOUT_MS), new ArtifactCache(config.SHIPYARD_INFERENCE_CACHE_DIR), {
        workers: config.SHIPYARD_INFERENCE_WORKERS,
        intraOpThreads: config.SHIPYARD_INFERENCE_INTRA_OP_THREADS,
        batching: config.SHIPYARD_INFERENCE_BATCHING,
        maxBatchSize: config.SHIPYARD_INFERENCE_MAX_BATCH_SIZE,
        maxQueueDelayUs: config.SHIPYARD_INFERENCE_MAX_QUEUE_DELAY_US,
        warmupRuns: config.SHIPYARD_INFERENCE_WARMUP_RUNS,
      }, inferenceMetrics()),
  },
  { provide: RegistryEventsListener, inject: [NatsConnector, ModelManager], useFactory: (nats: NatsConnector, models: ModelManager) => new RegistryEventsListener(nats, models) },
  {
    provide: DeploymentsFollower,
    inject: [NatsConnector, ModelManager, DeploymentsRepository],
    useFactory: (nats: NatsConnector, models: ModelManager, deployments: DeploymentsRepository) => new DeploymentsFollower(nats, models, deployments),
  },
  ServingBootstrap,
];

/**
 * At boot: serve the configured models and the recorded deployments (in the background, retrying; the
 * `models` readiness probe holds traffic until they are warm), follow registry events and the
 * deployments other replicas record, and on shutdown let in-flight inferences finish before the workers end.
 */
@Injectable()
export class ServingBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('serving');

  constructor(
    @Inject(INFERENCE_CONFIG) private readonly config: InferenceConfig,
    private readonly models: ModelManager,
    private readonly events: RegistryEventsListener,
    private readonly follower: DeploymentsFollower,
    private readonly deployments: DeploymentsRepository,
    private readonly probes: ProbeRegistry,
    private readonly lifecycle: Lifecycle,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.probes.add({
      name: 'models',
      check: () => {
        const r = this.models.readiness();
        if (!r.ready) return Promise.reject(new Error(Object.entries(r.models).map(([n, s]) => `${n}: ${s}`).join('; ')));
        return Promise.resolve(r.models);
      },
    });
    this.events.start();
    this.follower.start();
    // Events travel on core NATS (at most once): a periodic pass catches a registry move or a deployment
    // change this replica missed.
    const every = this.config.SHIPYARD_INFERENCE_RECONCILE_S;
    const pass = () => {
      for (const e of this.models.list()) if (e.loads === 0) void this.models.refresh(e.name);
      this.follower.reconcile().catch((e: unknown) => this.logger.warn(`could not read the recorded deployments: ${(e as Error).message}`));
    };
    const reconcile = every > 0 ? setInterval(pass, every * 1000).unref() : null;
    this.lifecycle.onShutdown('workers', 'models', async () => {
      if (reconcile) clearInterval(reconcile);
      this.events.stop();
      this.follower.stop();
      await this.models.stop();
    });
    const configured = parseModelRefs(this.config.SHIPYARD_INFERENCE_MODELS);
    this.models.configure(configured);
    const refs = new Map<string, { ref: ModelRef; source: ModelSource }>(configured.map((r) => [r.model, { ref: r, source: 'config' }]));
    // A recorded deployment is a later, explicit decision: it wins over the configured reference.
    for (const d of await this.deployments.all()) refs.set(d.model, { ref: refOf(d), source: 'deployment' });
    for (const { ref, source } of refs.values()) this.models.serveInBackground(ref, source);
    if (refs.size) this.logger.log(`loading ${refs.size} model(s): ${[...refs.keys()].join(', ')}`);
  }
}
