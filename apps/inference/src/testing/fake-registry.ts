import { createHash, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NatsConnection } from 'nats';
import { CommonErrorCode, ErrorKind, RESOLVE_MODEL_VERSION_RPC } from '@shipyard/contracts';
import { NatsConnector } from '@shipyard/messaging';
import { DomainError, Lifecycle, RpcServer } from '@shipyard/service-kit';

interface Version {
  version: number;
  bytes: Uint8Array;
  sha256: string;
  stage: string;
  framework: string;
  /** Soft-deleted, as the registry does it: the number stays taken, nothing resolves to it. */
  deleted: boolean;
}

/**
 * The registry's side of model serving, for tests and the benchmark while the registry service grows
 * its versions: the real RpcServer answers `rpc.registry.model_version.resolve.v1` on the given NATS,
 * and a local HTTP server plays the presigned artifact URLs. Moves publish registry-like events.
 */
export class FakeRegistry {
  private readonly models = new Map<string, { id: string; versions: Version[]; aliases: Map<string, number> }>();
  private readonly lifecycle = new Lifecycle();
  private readonly connector: NatsConnector;
  /** Artifact downloads served, by sha256. */
  readonly downloads = new Map<string, number>();
  private server: Server | null = null;
  private baseUrl = '';
  private nc: NatsConnection | null = null;

  private constructor(natsUrl: string) {
    this.connector = new NatsConnector({ servers: natsUrl, name: 'fake-registry' });
  }

  static async start(natsUrl: string): Promise<FakeRegistry> {
    const registry = new FakeRegistry(natsUrl);
    await registry.listen();
    return registry;
  }

  /** Adds a version (framework `onnx` unless said otherwise) and returns its number. */
  addVersion(model: string, bytes: Uint8Array, opts: { stage?: string; framework?: string } = {}): number {
    const m = this.models.get(model) ?? { id: randomUUID(), versions: [], aliases: new Map<string, number>() };
    this.models.set(model, m);
    const version = m.versions.length + 1;
    m.versions.push({ version, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), stage: opts.stage ?? 'None', framework: opts.framework ?? 'onnx', deleted: false });
    return version;
  }

  /** Points `alias` at `version` and announces it as the registry would. */
  setAlias(model: string, alias: string, version: number): void {
    this.models.get(model)?.aliases.set(alias, version);
    this.announce('shipyard.registry.model_version.alias_set.v1', model, { modelName: model, alias, version });
  }

  setStage(model: string, version: number, stage: string): void {
    const v = this.models.get(model)?.versions.find((x) => x.version === version);
    if (v) v.stage = stage;
    this.announce('shipyard.registry.model_version.promoted.v1', model, { modelName: model, version, stage });
  }

  /** Deletes a version as the registry does (its aliases go with it) and announces it. */
  deleteVersion(model: string, version: number): void {
    const m = this.models.get(model);
    const v = m?.versions.find((x) => x.version === version);
    if (!m || !v) return;
    v.deleted = true;
    const removedAliases = [...m.aliases].filter(([, n]) => n === version).map(([a]) => a);
    for (const a of removedAliases) m.aliases.delete(a);
    this.announce('shipyard.registry.model_version.deleted.v1', model, { id: randomUUID(), modelId: m.id, modelName: model, version, stage: v.stage, removedAliases });
  }

  async stop(): Promise<void> {
    await this.lifecycle.onApplicationShutdown();
    await this.nc?.close();
    await this.connector.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const sha = /^\/artifacts\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
      const v = sha ? [...this.models.values()].flatMap((m) => m.versions).find((x) => x.sha256 === sha) : undefined;
      if (!v || !sha) return void res.writeHead(404).end();
      this.downloads.set(sha, (this.downloads.get(sha) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': v.bytes.length }).end(Buffer.from(v.bytes));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.nc = await this.connector.connect();
    new RpcServer(this.connector, this.lifecycle).handle('registry', RESOLVE_MODEL_VERSION_RPC, (req) => Promise.resolve(this.resolve(req)));
  }

  private resolve(req: { model: string; version?: number | undefined; alias?: string | undefined; stage?: string | undefined }) {
    // Model names are case-insensitive in the registry, which answers with the name as it was created.
    const name = [...this.models.keys()].find((k) => k.toLowerCase() === req.model.toLowerCase()) ?? req.model;
    const m = this.models.get(name);
    const notFound = (what: string) => new DomainError('MODEL_VERSION_NOT_FOUND', ErrorKind.NotFound, what);
    if (!m) throw new DomainError(CommonErrorCode.NotFound, ErrorKind.NotFound, `model "${req.model}" was not found`);
    const live = m.versions.filter((x) => !x.deleted);
    let v: Version | undefined;
    if (req.version !== undefined) v = live.find((x) => x.version === req.version);
    else if (req.alias !== undefined) v = live.find((x) => x.version === m.aliases.get(req.alias ?? ''));
    else if (req.stage !== undefined) v = [...live].reverse().find((x) => x.stage === req.stage);
    else v = live[live.length - 1];
    if (!v) throw notFound(`no version of "${req.model}" matches`);
    const found = v;
    return {
      modelId: m.id,
      modelName: name,
      version: found.version,
      stage: found.stage,
      aliases: [...m.aliases].filter(([, n]) => n === found.version).map(([a]) => a),
      framework: found.framework,
      signature: null,
      artifact: { key: `models/${name}/${found.version}/model.onnx`, size: found.bytes.length, sha256: found.sha256, url: `${this.baseUrl}/artifacts/${found.sha256}` },
    };
  }

  private announce(subject: string, model: string, payload: Record<string, unknown>): void {
    const envelope = { id: randomUUID(), type: subject, version: 1, occurredAt: new Date().toISOString(), actor: { type: 'system', id: 'fake-registry' }, correlationId: randomUUID(), aggregate: { type: 'model_version', id: this.models.get(model)?.id ?? randomUUID() }, payload };
    this.nc?.publish(subject, Buffer.from(JSON.stringify(envelope)));
  }
}
