import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account: it checks the key id, not SigV4 signatures. */
export const S3RVER_CREDENTIALS = Object.freeze({ accessKey: 'S3RVER', secretKey: 'S3RVER' });

/**
 * A real S3 API (s3rver) on a random loopback port over a temporary directory. s3rver speaks single-PUT
 * only (its multipart answers 501), so services under test get a part size above their test objects.
 */
export class TestS3Server {
  private constructor(
    private readonly server: S3rver,
    readonly directory: string,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<TestS3Server> {
    const directory = await mkdtemp(join(tmpdir(), 'shipyard-s3-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [] });
    const { port } = await server.run();
    return new TestS3Server(server, directory, `http://127.0.0.1:${port}`);
  }

  /** Environment for a service using this server. */
  env(bucket = 'shipyard-artifacts'): Record<string, string> {
    return { SHIPYARD_S3_ENDPOINT: this.endpoint, SHIPYARD_S3_BUCKET: bucket, SHIPYARD_S3_ACCESS_KEY: S3RVER_CREDENTIALS.accessKey, SHIPYARD_S3_SECRET_KEY: S3RVER_CREDENTIALS.secretKey, SHIPYARD_S3_PART_SIZE_MB: '2048' };
  }

  async stop(): Promise<void> {
    await this.server.close();
    await rm(this.directory, { recursive: true, force: true });
  }
}
