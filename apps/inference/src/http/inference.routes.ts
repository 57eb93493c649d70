import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EngineClosedError, InferenceRunError } from '../runtime/errors';
import { InferenceMetrics } from '../models/inference-metrics';
import { ModelManager } from '../models/model-manager';
import { ServedModel } from '../models/served-model';
import { decodeInferRequest, decodePredictRequest, encodeInferResponse, encodePredictResponse, modelMetadata, OipError, serverMetadata } from '../protocol';

type Params = { name: string; version?: string };
type Req = FastifyRequest<{ Params: Params; Body: Buffer }>;

const JSON_TYPE = 'application/json';

/**
 * The data plane as plain fastify routes: no Nest guards, pipes, interceptors or per-request logging on
 * the hot path, bodies as raw Buffers for the codecs, and errors in the OIP shape `{"error": "…"}`.
 */
export function registerInferenceRoutes(fastify: FastifyInstance, models: ModelManager, metrics: InferenceMetrics, bodyLimit: number): void {
  const logger = new Logger('inference-http');

  const fail = (reply: FastifyReply, status: number, message: string, model = '') => {
    metrics.errors.labels(model, String(status)).inc();
    return reply.code(status).type(JSON_TYPE).send(JSON.stringify({ error: message }));
  };

  /** The version serving `name` (and `version`, when asked), or an OIP error reply. */
  const lookup = (name: string, version: string | undefined, reply: FastifyReply): ServedModel | null => {
    const served = models.serving(name);
    if (!served) {
      const entry = models.entry(name);
      if (entry) void fail(reply, 503, entry.state === 'failed' ? `model '${name}' failed to load: ${entry.error ?? ''}` : `model '${name}' is loading`, name);
      else void fail(reply, 404, `model '${name}' is not served`, name);
      return null;
    }
    if (version !== undefined && version !== served.versionLabel) {
      void fail(reply, 404, `model '${name}' has no version '${version}' here (serving version ${served.versionLabel})`, name);
      return null;
    }
    return served;
  };

  const runFailure = (reply: FastifyReply, e: unknown, model: string) => {
    if (e instanceof OipError) return fail(reply, e.status, e.message, model);
    if (e instanceof InferenceRunError) return fail(reply, 400, `the model rejected the input: ${e.message}`, model);
    if (e instanceof EngineClosedError) return fail(reply, 503, `model '${model}' was unloaded; retry`, model);
    logger.error(`inference on ${model} failed: ${(e as Error).stack ?? String(e)}`);
    return fail(reply, 500, 'internal error', model);
  };

  const infer = async (req: Req, reply: FastifyReply) => {
    const started = performance.now();
    const served = lookup(req.params.name, req.params.version, reply);
    if (!served) return reply;
    try {
      const h = req.headers;
      const decoded = decodeInferRequest(req.body, { contentType: h['content-type'], inferenceHeaderContentLength: h['inference-header-content-length'] as string | undefined }, served.io);
      const run = await served.infer(decoded.inputs);
      const encoded = encodeInferResponse(served.name, served.versionLabel, decoded.id, run.outputs, decoded.outputs, decoded.binaryDefault);
      served.observeLatency((performance.now() - started) / 1000);
      return reply.code(200).headers(encoded.headers).send(encoded.body);
    } catch (e) {
      return runFailure(reply, e, served.name);
    }
  };

  const predict = async (req: FastifyRequest<{ Params: { model: string }; Body: Buffer }>, reply: FastifyReply) => {
    const started = performance.now();
    const served = lookup(req.params.model, undefined, reply);
    if (!served) return reply;
    try {
      const run = await served.infer(decodePredictRequest(req.body, served.io));
      const body = encodePredictResponse(run.outputs, served.io);
      served.observeLatency((performance.now() - started) / 1000);
      return reply.code(200).type(JSON_TYPE).send(body);
    } catch (e) {
      return runFailure(reply, e, served.name);
    }
  };

  const metadata = (req: Req, reply: FastifyReply) => {
    const served = lookup(req.params.name, req.params.version, reply);
    if (!served) return reply;
    return reply.type(JSON_TYPE).send(JSON.stringify(modelMetadata(served.name, [served.versionLabel], served.io)));
  };

  const modelReady = (req: Req, reply: FastifyReply) => {
    const served = lookup(req.params.name, req.params.version, reply);
    if (!served) return reply;
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
    scope.get('/v2/health/ready', (_req, reply) => {
      const ready = models.readiness().ready;
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
