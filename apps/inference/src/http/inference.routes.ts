import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { patternMatcher, peerReadiness, RawRoute, readBody } from '@shipyard/service-kit';
import { EngineClosedError, InferenceRunError, WorkerFailedError } from '../runtime/errors';
import { InferenceMetrics } from '../models/inference-metrics';
import { ModelManager } from '../models/model-manager';
import { ServedModel } from '../models/served-model';
import { decodeInferRequest, decodePredictRequest, encodeInferResponse, encodePredictResponse, modelMetadata, OipError, serverMetadata } from '../protocol';

type Params = { name: string; version?: string };
type Req = FastifyRequest<{ Params: Params; Body: Buffer }>;

const JSON_TYPE = 'application/json';
const logger = new Logger('inference-http');

/** One answer of the data plane, whichever HTTP layer carries it. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/**
 * infer / predict / metadata as functions of (params, body, headers) → answer, shared by the raw
 * routes (what clients reach) and the fastify routes (what `app.inject` reaches).
 */
export class DataPlane {
  constructor(
    readonly models: ModelManager,
    private readonly metrics: InferenceMetrics,
  ) {}

  fail(status: number, message: string, model = ''): Answer {
    this.metrics.errors.labels(model, String(status)).inc();
    return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ error: message }) };
  }

  /** The version serving `name` (and `version`, when asked), or an OIP error answer. */
  lookup(name: string, version: string | undefined): ServedModel | Answer {
    const served = this.models.serving(name);
    if (!served) {
      const entry = this.models.entry(name);
      if (entry) return this.fail(503, entry.state === 'failed' ? `model '${name}' is unavailable: ${entry.error ?? ''}` : `model '${name}' is loading`, name);
      return this.fail(404, `model '${name}' is not served`, name);
    }
    if (version !== undefined && version !== served.versionLabel) return this.fail(404, `model '${name}' has no version '${version}' here (serving version ${served.versionLabel})`, name);
    return served;
  }

  private runFailure(e: unknown, model: string): Answer {
    if (e instanceof OipError) return this.fail(e.status, e.message, model);
    if (e instanceof InferenceRunError) return this.fail(400, `the model rejected the input: ${e.message}`, model);
    if (e instanceof EngineClosedError) return this.fail(503, `model '${model}' was unloaded; retry`, model);
    if (e instanceof WorkerFailedError) return this.fail(503, `model '${model}' is unavailable: ${e.message}; retry`, model);
    logger.error(`inference on ${model} failed: ${(e as Error).stack ?? String(e)}`);
    return this.fail(500, 'internal error', model);
  }

  async infer(params: Params, body: Buffer, h: IncomingHttpHeaders): Promise<Answer> {
    const started = performance.now();
    const served = this.lookup(params.name, params.version);
    if (!(served instanceof ServedModel)) return served;
    try {
      const decoded = decodeInferRequest(body, { contentType: h['content-type'], inferenceHeaderContentLength: h['inference-header-content-length'] as string | undefined }, served.io);
      const run = await served.infer(decoded.inputs);
      const encoded = encodeInferResponse(served.name, served.versionLabel, decoded.id, run.outputs, decoded.outputs, decoded.binaryDefault);
      served.observeLatency((performance.now() - started) / 1000);
      return { status: 200, headers: encoded.headers, body: encoded.body };
    } catch (e) {
      return this.runFailure(e, served.name);
    }
  }

  async predict(model: string, body: Buffer, contentType?: string): Promise<Answer> {
    const started = performance.now();
    const served = this.lookup(model, undefined);
    if (!(served instanceof ServedModel)) return served;
    try {
      const run = await served.infer(decodePredictRequest(body, served.io, contentType));
      const out = encodePredictResponse(run.outputs, served.io);
      served.observeLatency((performance.now() - started) / 1000);
      return { status: 200, headers: { 'content-type': JSON_TYPE }, body: out };
    } catch (e) {
      return this.runFailure(e, served.name);
    }
  }
}

function sendAnswer(reply: FastifyReply, a: Answer): FastifyReply {
  return reply.code(a.status).headers(a.headers).send(a.body);
}

/** Writes an answer on a raw response: one write with the headers, no stream machinery. */
function writeAnswer(res: ServerResponse, a: Answer): void {
  const body = typeof a.body === 'string' ? Buffer.from(a.body, 'utf8') : a.body;
  res.writeHead(a.status, { ...a.headers, 'content-length': String(body.length) });
  res.end(body);
}

/**
 * The hot data-plane routes (infer, predict) as raw node routes, in front of fastify: see
 * `serveRawRoutes`. Same answers as the fastify routes below, which stay for `app.inject` and as the
 * documentation of the surface.
 */
export function rawInferenceRoutes(plane: DataPlane, bodyLimit: number): Array<RawRoute<Record<string, string>>> {
  const withBody = (req: IncomingMessage, res: ServerResponse, run: (body: Buffer) => Promise<Answer>) => {
    readBody(req, bodyLimit, (err, body) => {
      if (err || !body) {
        if (err?.status === 413) res.setHeader('connection', 'close');
        writeAnswer(res, plane.fail(err?.status ?? 400, err?.message ?? 'no body'));
        return;
      }
      run(body).then(
        (a) => writeAnswer(res, a),
        (e: unknown) => {
          logger.error(`${req.method ?? ''} ${req.url ?? ''} failed: ${(e as Error).stack ?? String(e)}`);
          writeAnswer(res, plane.fail(500, 'internal error'));
        },
      );
    });
  };
  const infer = (pattern: string): RawRoute<Record<string, string>> => {
    const match = patternMatcher(pattern);
    return { method: 'POST', pattern, match, handle: (req, res, p) => withBody(req, res, (body) => plane.infer({ name: p.name ?? '', version: p.version }, body, req.headers)) };
  };
  const predictMatch = patternMatcher('/api/v1/predict/:model');
  return [
    infer('/v2/models/:name/infer'),
    infer('/v2/models/:name/versions/:version/infer'),
    { method: 'POST', pattern: '/api/v1/predict/:model', match: predictMatch, handle: (req, res, p) => withBody(req, res, (body) => plane.predict(p.model ?? '', body, req.headers['content-type'])) },
  ];
}

/**
 * The data plane as plain fastify routes: no Nest guards, pipes, interceptors or per-request logging on
 * the hot path, bodies as raw Buffers for the codecs, and errors in the OIP shape `{"error": "…"}`.
 */
export function registerInferenceRoutes(fastify: FastifyInstance, plane: DataPlane, bodyLimit: number): void {
  const fail = (reply: FastifyReply, status: number, message: string, model = '') => sendAnswer(reply, plane.fail(status, message, model));

  const infer = async (req: Req, reply: FastifyReply) => sendAnswer(reply, await plane.infer(req.params, req.body, req.headers));
  const predict = async (req: FastifyRequest<{ Params: { model: string }; Body: Buffer }>, reply: FastifyReply) => sendAnswer(reply, await plane.predict(req.params.model, req.body, req.headers['content-type']));

  const metadata = (req: Req, reply: FastifyReply) => {
    const served = plane.lookup(req.params.name, req.params.version);
    if (!(served instanceof ServedModel)) return sendAnswer(reply, served);
    return reply.type(JSON_TYPE).send(JSON.stringify(modelMetadata(served.name, [served.versionLabel], served.io)));
  };

  const modelReady = (req: Req, reply: FastifyReply) => {
    const served = plane.lookup(req.params.name, req.params.version);
    if (!(served instanceof ServedModel)) return sendAnswer(reply, served);
    if (served.engine.workerCount === 0) return sendAnswer(reply, plane.fail(503, `model '${served.name}' is unavailable: its model worker failed and a replacement is starting`, served.name));
    return reply.type(JSON_TYPE).send(JSON.stringify({ name: served.name, ready: true }));
  };

  void fastify.register((scope, _opts, done) => {
    // Every body arrives as a Buffer (JSON or binary tensors alike); the codecs decide what it means.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 413, `request body exceeds ${bodyLimit} bytes`);
      if ((err.statusCode ?? 500) < 500) return fail(reply, err.statusCode ?? 400, err.message);
      logger.error(`${req.method} ${req.url} failed: ${err.stack ?? err.message}`);
      return fail(reply, 500, 'internal error');
    });

    scope.get('/v2/health/live', (_req, reply) => reply.type(JSON_TYPE).send('{"live":true}'));
    scope.get('/v2/health/ready', async (_req, reply) => {
      // With several processes behind the port, the server is ready when each of them is.
      const ready = plane.models.readiness().ready && (await peerReadiness().then((pod) => pod?.ready ?? true, () => false));
      return reply.code(ready ? 200 : 400).type(JSON_TYPE).send(JSON.stringify({ ready }));
    });
    scope.get('/v2', (_req, reply) => reply.type(JSON_TYPE).send(JSON.stringify(serverMetadata())));
    scope.get('/v2/models/:name', metadata);
    scope.get('/v2/models/:name/versions/:version', metadata);
    scope.get('/v2/models/:name/ready', modelReady);
    scope.get('/v2/models/:name/versions/:version/ready', modelReady);
    scope.post('/v2/models/:name/infer', infer);
    scope.post('/v2/models/:name/versions/:version/infer', infer);
    scope.post('/api/v1/predict/:model', predict);
    done();
  });
}
