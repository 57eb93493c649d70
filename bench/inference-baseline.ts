/**
 * Variant (a) of bench:inference: the least a server can do to answer an OIP infer request — fastify's
 * JSON parser, one onnxruntime-node session per model on the main thread (same session options as the
 * inference service's workers: 1 intra-op thread, sequential, all graph optimisations), JSON out. No
 * auth, validation, batching, metrics or worker hop. Forked by inference.bench.ts with the model files
 * as arguments (`name=path`); it reports its port over IPC. `GET /hello` answers a fixed text: the
 * machine-speed calibration the benchmark prints first.
 */
import Fastify from 'fastify';
import { InferenceSession, Tensor } from 'onnxruntime-node';

interface InferBody {
  id?: string;
  inputs: Array<{ name: string; shape: number[]; datatype: string; data: number[] }>;
}

async function main(): Promise<void> {
  const sessions = new Map<string, InferenceSession>();
  for (const arg of process.argv.slice(2)) {
    const [name, path] = arg.split('=');
    if (!name || !path) throw new Error(`expected name=path, got ${arg}`);
    sessions.set(name, await InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' }));
  }
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  app.get('/hello', (_req, reply) => reply.type('text/plain').send('hello'));
  app.post<{ Params: { name: string }; Body: InferBody }>('/v2/models/:name/infer', async (req, reply) => {
    const session = sessions.get(req.params.name);
    if (!session) return reply.code(404).send({ error: `model '${req.params.name}' is not served` });
    const feeds: Record<string, Tensor> = {};
    for (const t of req.body.inputs) feeds[t.name] = new Tensor('float32', Float32Array.from(t.data), t.shape);
    const result = await session.run(feeds);
    const outputs = Object.entries(result).map(([name, t]) => ({ name, datatype: 'FP32', shape: [...t.dims], data: Array.from(t.data as Float32Array) }));
    return reply.send({ model_name: req.params.name, model_version: '1', ...(req.body.id !== undefined ? { id: req.body.id } : {}), outputs });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  process.stderr.write(`inference baseline failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
