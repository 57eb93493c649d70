import { Logger, Provider } from '@nestjs/common';
import { ProbeRegistry } from '@shipyard/observability';
import { Lifecycle } from '@shipyard/service-kit';
import { ArtifactStore, S3ArtifactStore } from '@shipyard/storage';
import { RegistryConfig } from '../config';

/** Signs URLs for clients outside the cluster (SHIPYARD_S3_PUBLIC_ENDPOINT); never does I/O. */
export abstract class UrlSigner {
  abstract presignedPutUrl(key: string, expirySeconds: number): Promise<string>;
  abstract presignedGetUrl(key: string, expirySeconds: number): Promise<string>;
}

function s3Store(config: RegistryConfig, endpoint: string): S3ArtifactStore {
  return new S3ArtifactStore({
    endpoint,
    bucket: config.SHIPYARD_S3_BUCKET,
    accessKey: config.SHIPYARD_S3_ACCESS_KEY,
    secretKey: config.SHIPYARD_S3_SECRET_KEY,
    region: config.SHIPYARD_S3_REGION,
    partSize: config.SHIPYARD_S3_PART_SIZE_MB * 1024 * 1024,
    timeoutMs: config.SHIPYARD_S3_TIMEOUT_S * 1000,
  });
}

/** The artifact store (bucket created on start, retried until S3 answers) and its readiness probe. */
export function artifactStorageProviders(config: RegistryConfig): Provider[] {
  return [
    {
      provide: ArtifactStore,
      inject: [Lifecycle, ProbeRegistry],
      useFactory: (lifecycle: Lifecycle, probes: ProbeRegistry) => {
        const logger = new Logger('artifacts');
        const store = s3Store(config, config.SHIPYARD_S3_ENDPOINT);
        let bucketReady = false;
        let stopped = false;
        const ensure = async (attempt: number): Promise<void> => {
          try {
            await store.ensureBucket();
            bucketReady = true;
            logger.log(`artifact bucket ${config.SHIPYARD_S3_BUCKET} ready at ${config.SHIPYARD_S3_ENDPOINT}`);
          } catch (e) {
            if (attempt === 1 || attempt % 20 === 0) logger.warn(`S3 bucket ${config.SHIPYARD_S3_BUCKET} not usable yet (${(e as Error).message}); retrying`);
            if (!stopped) setTimeout(() => void ensure(attempt + 1), Math.min(500 * attempt, 5_000)).unref();
          }
        };
        void ensure(1);
        lifecycle.onShutdown('workers', 'artifact bucket check', () => {
          stopped = true;
          return Promise.resolve();
        });
        probes.add({
          name: 's3',
          check: async () => {
            if (!bucketReady) throw new Error(`bucket ${config.SHIPYARD_S3_BUCKET} not created yet`);
            await store.ping();
          },
        });
        return store;
      },
    },
    { provide: UrlSigner, useFactory: () => s3Store(config, config.SHIPYARD_S3_PUBLIC_ENDPOINT ?? config.SHIPYARD_S3_ENDPOINT) },
  ];
}
