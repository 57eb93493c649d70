import Fastify from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACTOR_HEADER } from '@shipyard/contracts';
import { TestS3Server } from '@shipyard/testing';
import { ExperimentsTestApp, startExperimentsApp } from '../../test/experiments-app';
import { ListingEncodingProxy } from '../../test/listing-encoding-proxy';

interface Reply {
  status: number;
  body: string;
}

const PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** MLflow's artifacts proxy over a listening server (paths go on the wire as written) and a real S3 API (s3rver). */
describe('MLflow artifacts proxy: artifact paths (real S3 API: s3rver)', () => {
  let s3: TestS3Server;
  let s3Listing: ListingEncodingProxy;
  let t: ExperimentsTestApp;
  let port: number;

  beforeAll(async () => {
    s3 = await TestS3Server.start();
    s3Listing = await ListingEncodingProxy.start(s3.endpoint);
    t = await startExperimentsApp({ ...s3.env(), SHIPYARD_S3_ENDPOINT: s3Listing.endpoint });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await t?.stop();
    await s3Listing?.stop();
    await s3?.stop();
  });

  /** node:http sends the path as given; fastify inject would resolve `..` and `%2e%2e` segments (WHATWG URL) first. */
  function send(method: 'GET' | 'PUT', path: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers = { [ACTOR_HEADER]: 'user:int-spec', ...(body !== undefined ? { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) } : {}) };
      const req = request({ host: '127.0.0.1', port, method, path: `${PREFIX}${path}`, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async function objectKeys(dir = s3.directory): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true });
    return entries.map((e) => e.replace(/\\/g, '/'));
  }

  const runDir = () => `experiments/${randomUUID()}/${randomUUID()}/artifacts`;

  it('fastify hands the * parameter already percent-decoded, once (%25 is "%", %2F is "/")', async () => {
    const app = Fastify();
    app.get('/files/*', (req) => ({ path: (req.params as Record<string, string>)['*'] }));
    try {
      const param = async (url: string) => (await app.inject({ method: 'GET', url })).json<{ path: string }>().path;
      expect(await param('/files/a%25b')).toBe('a%b');
      expect(await param('/files/a%2541')).toBe('a%41');
      expect(await param('/files/a%2Fb')).toBe('a/b');
      expect(await param('/files/..%2fb')).toBe('../b');
      expect(await param('/files/caf%C3%A9')).toBe('café');
    } finally {
      await app.close();
    }
  });

  it('a name with "%" (or any escape) round-trips: upload, download and list see the name the client encoded', async () => {
    const dir = runDir();
    const names: Array<[sent: string, name: string]> = [
      ['a%25b.txt', 'a%b.txt'],
      ['100%25.txt', '100%.txt'],
      ['x%2541.txt', 'x%41.txt'],
      ['caf%C3%A9.txt', 'café.txt'],
      ['two%20words.txt', 'two words.txt'],
    ];
    for (const [sent, name] of names) {
      expect(await send('PUT', `/${dir}/${sent}`, `content of ${name}`)).toEqual({ status: 200, body: '{}' });
    }
    for (const [sent, name] of names) {
      expect(await send('GET', `/${dir}/${sent}`)).toEqual({ status: 200, body: `content of ${name}` });
    }
    const listed = await send('GET', `?path=${encodeURIComponent(dir)}`);
    expect(listed.status).toBe(200);
    const files = (JSON.parse(listed.body) as { files: Array<{ path: string; is_dir: boolean; file_size: number }> }).files;
    expect(files.map((f) => f.path).sort()).toEqual(names.map(([, name]) => name).sort());
    for (const f of files) expect(f).toEqual({ path: f.path, is_dir: false, file_size: Buffer.byteLength(`content of ${f.path}`) });
  });

  it('no path answers 500: a missing name with "%" is 404, a malformed escape 400', async () => {
    expect(await send('GET', '/experiments/a%25b')).toEqual({ status: 404, body: expect.stringContaining('RESOURCE_DOES_NOT_EXIST') });
    expect(await send('GET', `/${runDir()}/%25`)).toEqual({ status: 404, body: expect.stringContaining('RESOURCE_DOES_NOT_EXIST') });
    for (const path of ['/experiments/%', '/experiments/%zz', '/experiments/%ff', '/experiments/a%E0%A4%A']) {
      for (const method of ['GET', 'PUT'] as const) {
        const res = await send(method, path, method === 'PUT' ? 'x' : undefined);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 400 });
      }
    }
  });

  it.each([
    '/experiments/../registry/models/m/model.onnx',
    '/experiments/x/../../registry/m.onnx',
    '/experiments/%2e%2e/registry/m.onnx',
    '/experiments/%2E%2E/registry/m.onnx',
    '/experiments/..%2fregistry/m.onnx',
    '/experiments/..%2Fregistry/m.onnx',
    '/experiments/x/%2e/m.onnx',
    '/experiments/%252e%252e/registry/m.onnx',
    '/experiments/x%2f..%2f..%2fregistry/m.onnx',
    '/registry/models/m/model.onnx',
  ])('%s: download and upload refused with 400 INVALID_PARAMETER_VALUE, nothing written', async (path) => {
    const before = await objectKeys();
    for (const method of ['GET', 'PUT'] as const) {
      const res = await send(method, path, method === 'PUT' ? 'x' : undefined);
      expect({ method, status: res.status, body: JSON.parse(res.body) as unknown }).toEqual({ method, status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/Invalid path/) } });
    }
    expect(await objectKeys()).toEqual(before);
  });

  it('records every upload in the outbox (the audit trail): run.artifact_uploaded with the path, size, sha256, run and actor', async () => {
    const experimentId = randomUUID();
    const runId = randomUUID();
    const path = `experiments/${experimentId}/${runId}/artifacts/model/weights.bin`;
    const body = 'weights '.repeat(100);
    expect((await send('PUT', `/${path}`, body)).status).toBe(200);
    // A path outside the default layout is recorded too, as an artifact rather than a run's.
    expect((await send('PUT', '/experiments/custom/place/notes.txt', 'n')).status).toBe(200);
    const rows = await t.db.query<{ subject: string; envelope: { actor: { type: string; id: string }; aggregate: { type: string; id: string }; payload: Record<string, unknown> } }>(
      `SELECT subject, envelope FROM experiments.outbox WHERE subject = 'shipyard.experiments.run.artifact_uploaded.v1' AND envelope->'payload'->>'path' IN ($1, $2) ORDER BY seq`,
      [path, 'experiments/custom/place/notes.txt'],
    );
    expect(rows.map((r) => r.envelope.aggregate)).toEqual([{ type: 'run', id: runId }, { type: 'artifact', id: 'experiments/custom/place/notes.txt' }]);
    expect(rows[0]?.envelope.actor).toEqual({ type: 'user', id: 'int-spec' });
    expect(rows[0]?.envelope.payload).toEqual({ path, size: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex'), contentType: 'text/plain', experimentId, runId });
    expect(rows[1]?.envelope.payload).toMatchObject({ experimentId: null, runId: null, size: 1 });
  });

  it('records nothing for a refused upload (a traversal path)', async () => {
    const before = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM experiments.outbox WHERE subject = 'shipyard.experiments.run.artifact_uploaded.v1'`);
    expect((await send('PUT', '/experiments/x/../../etc/passwd', 'x')).status).toBe(400);
    expect(await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM experiments.outbox WHERE subject = 'shipyard.experiments.run.artifact_uploaded.v1'`)).toEqual(before);
  });
});
