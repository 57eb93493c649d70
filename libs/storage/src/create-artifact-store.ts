import { ArtifactStore } from './artifact-store';
import { FilesystemArtifactStore, FilesystemArtifactStoreOptions } from './filesystem-artifact-store';
import { S3ArtifactStore, S3ArtifactStoreOptions } from './s3-artifact-store';
import { StorageError, StorageErrorCode } from './storage-error';

export type ArtifactStoreConfig =
  | ({ driver: 's3' } & S3ArtifactStoreOptions)
  | ({ driver: 'filesystem' } & FilesystemArtifactStoreOptions);

export type ArtifactStoreDriver = ArtifactStoreConfig['driver'];

/** Picks the implementation from validated config; does no I/O (call ensureBucket() at boot). */
export function createArtifactStore(config: ArtifactStoreConfig): ArtifactStore {
  switch (config.driver) {
    case 's3':
      return new S3ArtifactStore(config);
    case 'filesystem':
      return new FilesystemArtifactStore(config);
    default: {
      // Config comes from the environment, so an unknown driver is a runtime possibility, not only a type error.
      const driver: unknown = (config as { driver: unknown }).driver;
      throw new StorageError(StorageErrorCode.InvalidConfig, `unknown artifact store driver ${JSON.stringify(driver)}`);
    }
  }
}
