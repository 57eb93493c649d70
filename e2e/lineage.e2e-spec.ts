import { createHash, randomUUID } from 'node:crypto';
import { TestStack } from '@shipyard/testing';
import { request, Target } from './http';
import { createVersion } from './model-versions';

interface Node {
  kind: string;
  id: string;
  label: string;
  attributes: Record<string, unknown>;
}
interface Edge {
  from: string;
  to: string;
  relation: string;
  attributes: Record<string, unknown>;
}
interface Lineage {
  root: { kind: string; id: string };
  nodes: Node[];
  edges: Edge[];
  warnings: string[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

const digest = () => createHash('sha256').update(randomUUID()).digest('hex');

/**
 * Lineage across services: datasets and runs live in experiments, versions in the registry; the
 * experiments service assembles the graph and asks the registry over NATS request-reply.
 */
describe('lineage: dataset → run → model version, through the gateway (services as processes)', () => {
  let stack: TestStack;
  let scientist: { url: string; token: string };
  let viewer: Target;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['registry', 'experiments', 'api-gateway'] });
    const gw = stack.url('api-gateway');
    scientist = { url: gw, token: (await stack.user('lineage-scientist@example.com', 'data-scientist')).token };
    viewer = { url: gw, token: (await stack.user('lineage-viewer@example.com', 'viewer')).token };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const lineage = (kind: string, id: string, query = '') => request<Lineage & ErrorBody>(viewer, 'GET', `/api/v1/lineage/${kind}/${id}${query}`);
  const shape = (g: Lineage) => ({
    nodes: g.nodes.map((n) => `${n.kind}:${n.label}`).sort(),
    edges: g.edges.map((e) => `${label(g, e.from)} -${e.relation}${typeof e.attributes['context'] === 'string' ? `(${e.attributes['context']})` : ''}-> ${label(g, e.to)}`).sort(),
  });
  const label = (g: Lineage, id: string) => g.nodes.find((n) => n.id === id)?.label ?? `?${id}`;

  /** Two runs sharing a training set; the first also validated and tested on others and produced two versions. */
  async function fixture() {
    const exp = await request<{ id: string; name: string }>(scientist, 'POST', '/api/v1/experiments', { body: { name: `lineage-${randomUUID().slice(0, 8)}` } });
    expect(exp.status).toBe(201);
    const run = async (name: string) => (await request<{ id: string }>(scientist, 'POST', '/api/v1/runs', { body: { experimentId: exp.body.id, name } })).body.id;
    const [trainerRun, otherRun] = [await run('trainer'), await run('other')];
    const train = { name: 'churn-train', digest: digest() };
    const valid = { name: 'churn-valid', digest: digest() };
    const inputs = async (runId: string, datasets: object[]) => {
      const res = await request<{ inputs: Array<{ datasetId: string; name: string }> }>(scientist, 'POST', `/api/v1/runs/${runId}/inputs`, { body: { datasets } });
      expect(res.status).toBe(200);
      return res.body.inputs;
    };
    const linked = await inputs(trainerRun, [{ ...train, rowCount: 1000, context: 'training' }, { ...valid, context: 'validation' }, { ...valid, context: 'test' }]);
    await inputs(otherRun, [{ ...train, context: 'training' }]);
    const trainId = linked.find((i) => i.name === 'churn-train')?.datasetId ?? '';
    const validId = linked.find((i) => i.name === 'churn-valid')?.datasetId ?? '';
    const model = `lineage-m-${randomUUID().slice(0, 8)}`;
    expect((await request(scientist, 'POST', '/api/v1/models', { body: { name: model } })).status).toBe(201);
    const v1 = await createVersion(scientist, model, { sourceRunId: trainerRun });
    const v2 = await createVersion(scientist, model, { sourceRunId: trainerRun, ready: false });
    expect(v1.sourceRunId).toBe(trainerRun);
    return { exp: exp.body, trainerRun, otherRun, trainId, validId, model, v1, v2 };
  }

  it('from a dataset: the runs that used it and the versions those runs produced (downstream), depth-limited', async () => {
    const f = await fixture();
    const res = await lineage('dataset', f.trainId);
    expect(res.status).toBe(200);
    expect(res.body.root).toEqual({ kind: 'dataset', id: f.trainId });
    expect(res.body.warnings).toEqual([]);
    expect(res.body.nodes[0]).toMatchObject({ kind: 'dataset', id: f.trainId, attributes: { name: 'churn-train', rowCount: 1000 } });
    expect(shape(res.body)).toEqual({
      nodes: [`dataset:${res.body.nodes[0]?.label ?? ''}`, `model_version:${f.model} v1`, `model_version:${f.model} v2`, 'run:other', 'run:trainer'].sort(),
      edges: [
        `${res.body.nodes[0]?.label ?? ''} -input_of(training)-> other`,
        `${res.body.nodes[0]?.label ?? ''} -input_of(training)-> trainer`,
        `trainer -produced-> ${f.model} v1`,
        `trainer -produced-> ${f.model} v2`,
      ].sort(),
    });
    expect(res.body.nodes.find((n) => n.id === f.v1.id)).toMatchObject({ kind: 'model_version', attributes: { modelName: f.model, version: 1, stage: 'None', status: 'READY', sourceRunId: f.trainerRun } });
    expect(res.body.nodes.find((n) => n.id === f.trainerRun)).toMatchObject({ kind: 'run', attributes: { experimentId: f.exp.id, experimentName: f.exp.name, status: 'RUNNING', lifecycleStage: 'active' } });

    const shallow = await lineage('dataset', f.trainId, '?depth=1');
    expect(shape(shallow.body).nodes).toEqual([`dataset:${res.body.nodes[0]?.label ?? ''}`, 'run:other', 'run:trainer']);
  });

  it('from a model version: the run it came from and that run’s datasets with their contexts (upstream), nothing sideways', async () => {
    const f = await fixture();
    const res = await lineage('model_version', f.v1.id);
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([]);
    const trainLabel = res.body.nodes.find((n) => n.id === f.trainId)?.label ?? '';
    const validLabel = res.body.nodes.find((n) => n.id === f.validId)?.label ?? '';
    expect(trainLabel).toMatch(/^churn-train@[0-9a-f]{12}$/);
    expect(shape(res.body)).toEqual({
      nodes: [`dataset:${trainLabel}`, `dataset:${validLabel}`, `model_version:${f.model} v1`, 'run:trainer'].sort(),
      edges: [`${trainLabel} -input_of(training)-> trainer`, `${validLabel} -input_of(test)-> trainer`, `${validLabel} -input_of(validation)-> trainer`, `trainer -produced-> ${f.model} v1`].sort(),
    });
    expect((await lineage('model_version', f.v1.id, '?depth=1')).body.nodes.map((n) => n.kind)).toEqual(['model_version', 'run']);

    // A run: both directions at once.
    const fromRun = await lineage('run', f.trainerRun);
    expect(shape(fromRun.body).nodes).toEqual([`dataset:${trainLabel}`, `dataset:${validLabel}`, `model_version:${f.model} v1`, `model_version:${f.model} v2`, 'run:trainer'].sort());
  });

  it('a version whose source run experiments does not know is shown with a warning', async () => {
    const model = `lineage-orphan-${randomUUID().slice(0, 8)}`;
    await request(scientist, 'POST', '/api/v1/models', { body: { name: model } });
    const v = await createVersion(scientist, model, { sourceRunId: 'run-from-elsewhere', ready: false });
    const res = await lineage('model_version', v.id);
    expect(res.status).toBe(200);
    expect(res.body.nodes.map((n) => n.label)).toEqual([`${model} v1`]);
    expect(res.body.warnings).toEqual([`source run "run-from-elsewhere" of ${model} v1 was not found in experiments`]);
  });

  it('unknown nodes are 404, an unknown kind or depth 400; the route needs experiments:read', async () => {
    expect([(await lineage('dataset', randomUUID())).status, (await lineage('dataset', randomUUID())).body.error.code]).toEqual([404, 'DATASET_NOT_FOUND']);
    expect((await lineage('run', randomUUID())).body.error.code).toBe('RUN_NOT_FOUND');
    expect((await lineage('run', 'not-a-uuid')).status).toBe(404);
    const version = await lineage('model_version', randomUUID());
    expect([version.status, version.body.error.code]).toEqual([404, 'VERSION_NOT_FOUND']);
    expect((await lineage('deployment', randomUUID())).status).toBe(400);
    expect((await lineage('run', randomUUID(), '?depth=0')).status).toBe(400);
    expect((await request(stack.url('api-gateway'), 'GET', `/api/v1/lineage/run/${randomUUID()}`)).status).toBe(401);
  });

  it('registry down: the graph keeps what experiments knows and says what is missing (not a 5xx)', async () => {
    const f = await fixture();
    await stack.service('registry').kill();
    const res = await lineage('dataset', f.trainId);
    expect(res.status).toBe(200);
    expect(res.body.nodes.map((n) => n.kind).sort()).toEqual(['dataset', 'run', 'run']);
    expect(res.body.edges.map((e) => e.relation)).toEqual(['input_of', 'input_of']);
    expect(res.body.warnings).toEqual(['registry service unavailable: model versions built from these runs are not shown']);

    const fromVersion = await lineage('model_version', f.v1.id);
    expect(fromVersion.status).toBe(200);
    expect(fromVersion.body).toEqual({
      root: { kind: 'model_version', id: f.v1.id },
      nodes: [{ kind: 'model_version', id: f.v1.id, label: f.v1.id, attributes: {} }],
      edges: [],
      warnings: ['registry service unavailable: the model version and its lineage cannot be shown'],
    });
  });
});
