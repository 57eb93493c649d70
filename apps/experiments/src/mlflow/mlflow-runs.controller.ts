import { Controller, Get, HttpCode, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DATASET_CONTEXTS, DatasetContext, RUN_STATUSES, RunStatus, SEARCH_PAGE_MAX } from '@shipyard/contracts';
import { Args, MLFLOW_PREFIXES, asRecord, Ctx, maxResults, MlflowArgs, MlflowExceptionFilter, MlflowInvalidParameter, optInt, optKeyValues, optString, optStrings, reqNumber, reqString, RequestContext } from '@shipyard/service-kit';
import { LogInputsUseCase } from '../datasets/log-inputs.use-case';
import { DeleteRunTagUseCase } from '../metrics/delete-tag.use-case';
import { LogBatchUseCase } from '../metrics/log-batch.use-case';
import { MetricHistoryQuery } from '../metrics/metric-history.query';
import { CreateRunUseCase } from '../runs/create-run.use-case';
import { RunQueries } from '../runs/run.queries';
import { RunLifecycleUseCase } from '../runs/update-run.use-case';
import { SearchRunsQuery } from '../search/search-runs.query';
import { DefaultExperiment } from './default-experiment';
import { MlflowLogBatchUseCase, MlflowUpdateRunUseCase } from './mlflow-run-name.use-cases';
import { viewType } from './mlflow-experiments.controller';
import { DEFAULT_EXPERIMENT_ID, experimentIdArg, experimentIdsArg, runIdArg, timeArg } from './mlflow-ids';
import { RunArtifacts } from './run-artifacts';
import { DATASET_CONTEXT_TAG, fromMlflowMetricValue, pageToken, RUN_NAME_TAG, toMlflowMetricValue, toMlflowRun, toMlflowRunInfo } from './mlflow.mapper';

const USER_TAG = 'mlflow.user';

function runStatus(a: MlflowArgs): RunStatus | undefined {
  const s = optString(a, 'status');
  if (s === undefined) return undefined;
  if (!(RUN_STATUSES as readonly string[]).includes(s)) throw new MlflowInvalidParameter(`Invalid value "${s}" for parameter 'status' supplied: expected one of ${RUN_STATUSES.join(', ')}`);
  return s as RunStatus;
}

function list(a: MlflowArgs, name: string): unknown[] | undefined {
  const v = a[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new MlflowInvalidParameter(`Invalid value for parameter '${name}' supplied: expected a list`);
  return v as unknown[];
}

/** log-metric's value: a finite number as reqNumber reads it, or NaN / ±Infinity in protobuf JSON's strings (MLflow's stores keep them). */
function metricValue(a: MlflowArgs): number {
  const v = fromMlflowMetricValue(a.value);
  return typeof v === 'number' && !Number.isFinite(v) ? v : reqNumber(a, 'value');
}

/** A log-batch metric with protobuf JSON's "NaN" / "Infinity" / "-Infinity" read as numbers; the use case checks the rest. */
function withMetricValue(item: unknown): unknown {
  const m = asRecord(item);
  return m && 'value' in m ? { ...m, value: fromMlflowMetricValue(m.value) } : item;
}

/** MLflow's schema and profile are JSON strings; ours are objects. */
function jsonObject(v: unknown, field: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  try {
    const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
    const obj = asRecord(parsed);
    if (obj) return obj;
  } catch {
    // reported below
  }
  throw new MlflowInvalidParameter(`Invalid value for '${field}': expected a JSON object`);
}

/** MLflow's run, param, metric, tag and history endpoints over the experiments use cases. */
@ApiExcludeController()
@UseFilters(MlflowExceptionFilter)
@Controller(MLFLOW_PREFIXES)
export class MlflowRunsController {
  constructor(
    private readonly createRun: CreateRunUseCase,
    private readonly updateRun: MlflowUpdateRunUseCase,
    private readonly lifecycle: RunLifecycleUseCase,
    private readonly runs: RunQueries,
    private readonly logBatch: LogBatchUseCase,
    private readonly mlflowLogBatch: MlflowLogBatchUseCase,
    private readonly deleteTag: DeleteRunTagUseCase,
    private readonly history: MetricHistoryQuery,
    private readonly logInputs: LogInputsUseCase,
    private readonly searchRuns: SearchRunsQuery,
    private readonly artifacts: RunArtifacts,
    private readonly defaultExperiment: DefaultExperiment,
  ) {}

  private readonly uri = (u: string) => this.artifacts.mlflowUri(u);

  @Post('runs/create')
  @HttpCode(200)
  async create(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const tags = Object.fromEntries(optKeyValues(a, 'tags').map((t) => [t.key, t.value]));
    // MLflow keeps the run name in both run_name and the mlflow.runName tag; either may carry it.
    const name = optString(a, 'run_name') ?? tags[RUN_NAME_TAG];
    if (name !== undefined) tags[RUN_NAME_TAG] = name;
    const experimentId = experimentIdArg(a);
    const startTime = timeArg(a, 'start_time');
    // mlflow.start_run() with no experiment set creates its runs in experiment "0".
    if (experimentId === DEFAULT_EXPERIMENT_ID) await this.defaultExperiment.ensure(ctx.requestId);
    const run = await this.createRun.execute(
      {
        experimentId,
        name,
        startTime,
        userId: optString(a, 'user_id') ?? tags[USER_TAG] ?? ctx.userId,
        tags,
      },
      ctx,
    );
    return { run: toMlflowRun(run, this.uri) };
  }

  @Get('runs/get')
  async get(@Args() a: MlflowArgs) {
    return { run: toMlflowRun(await this.runs.get(runIdArg(a, 'run_id', 'run_uuid')), this.uri) };
  }

  @Post('runs/update')
  @HttpCode(200)
  async update(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    // A rename sets the mlflow.runName tag with it, in the same transaction.
    const run = await this.updateRun.execute(runIdArg(a, 'run_id', 'run_uuid'), { name: optString(a, 'run_name'), status: runStatus(a), endTime: timeArg(a, 'end_time') }, ctx);
    return { run_info: toMlflowRunInfo(run, this.uri) };
  }

  @Post('runs/delete')
  @HttpCode(200)
  async remove(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.lifecycle.execute(runIdArg(a, 'run_id'), 'deleted', ctx);
    return {};
  }

  @Post('runs/restore')
  @HttpCode(200)
  async restore(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.lifecycle.execute(runIdArg(a, 'run_id'), 'active', ctx);
    return {};
  }

  @Post('runs/search')
  @HttpCode(200)
  async search(@Args() a: MlflowArgs) {
    const experimentIds = experimentIdsArg(a, 'experiment_ids');
    if (experimentIds.length === 0) throw new MlflowInvalidParameter("Missing value for required parameter 'experiment_ids'.");
    const page = await this.searchRuns.execute({
      experimentIds,
      filter: optString(a, 'filter'),
      orderBy: optStrings(a, 'order_by'),
      view: viewType(a, 'run_view_type'),
      limit: maxResults(a, 'max_results', 1000, SEARCH_PAGE_MAX),
      pageToken: optString(a, 'page_token'),
    });
    return { ...(page.items.length ? { runs: page.items.map((r) => toMlflowRun(r, this.uri)) } : {}), ...pageToken(page.nextCursor) };
  }

  @Post('runs/log-metric')
  @HttpCode(200)
  async logMetric(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const metric = { key: reqString(a, 'key'), value: metricValue(a), timestamp: optInt(a, 'timestamp'), step: optInt(a, 'step') };
    await this.logBatch.execute(runIdArg(a, 'run_id', 'run_uuid'), { metrics: [metric] }, ctx);
    return {};
  }

  @Post('runs/log-parameter')
  @HttpCode(200)
  async logParam(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.logBatch.execute(runIdArg(a, 'run_id', 'run_uuid'), { params: [{ key: reqString(a, 'key'), value: optString(a, 'value') ?? '' }] }, ctx);
    return {};
  }

  @Post('runs/log-batch')
  @HttpCode(200)
  async batch(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    // Items go to the use case as sent: it validates every one (and refuses unknown fields) before writing any.
    const metrics = list(a, 'metrics')?.map(withMetricValue) as Array<{ key: string; value: number; timestamp?: number; step?: number }> | undefined;
    const params = list(a, 'params') as Array<{ key: string; value: string }> | undefined;
    const tags = list(a, 'tags') as Array<{ key: string; value: string }> | undefined;
    // A mlflow.runName tag renames the run in the same transaction.
    await this.mlflowLogBatch.execute(runIdArg(a, 'run_id'), { metrics, params, tags }, ctx);
    return {};
  }

  @Post('runs/set-tag')
  @HttpCode(200)
  async setTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const runId = runIdArg(a, 'run_id', 'run_uuid');
    const tag = { key: reqString(a, 'key'), value: optString(a, 'value') ?? '' };
    await this.mlflowLogBatch.execute(runId, { tags: [tag] }, ctx);
    return {};
  }

  @Post('runs/delete-tag')
  @HttpCode(200)
  async removeTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.deleteTag.execute(runIdArg(a, 'run_id'), reqString(a, 'key'), ctx);
    return {};
  }

  @Post('runs/log-inputs')
  @HttpCode(200)
  async inputs(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const runId = runIdArg(a, 'run_id');
    const datasets = (list(a, 'datasets') ?? []).map((item, i) => {
      const input = asRecord(item);
      const d = asRecord(input?.dataset);
      if (!input || !d) throw new MlflowInvalidParameter(`datasets[${i}] must be {dataset: {...}, tags: [...]}`);
      const tags = optKeyValues(input, 'tags');
      const context = (tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value ?? 'training') as DatasetContext;
      if (!DATASET_CONTEXTS.includes(context)) throw new MlflowInvalidParameter(`datasets[${i}]: ${DATASET_CONTEXT_TAG} must be one of ${DATASET_CONTEXTS.join(', ')}`);
      const source = optString(d, 'source');
      const schema = jsonObject(d.schema, `datasets[${i}].dataset.schema`);
      const profile = jsonObject(d.profile, `datasets[${i}].dataset.profile`);
      return { name: reqString(d, 'name'), digest: reqString(d, 'digest'), context, ...(source !== undefined ? { sourceUri: source } : {}), ...(schema ? { schema } : {}), ...(profile ? { profile } : {}) };
    });
    await this.logInputs.execute(runId, { datasets }, ctx);
    return {};
  }

  @Get('metrics/get-history')
  async metricHistory(@Args() a: MlflowArgs) {
    const key = reqString(a, 'metric_key');
    const page = await this.history.execute(runIdArg(a, 'run_id', 'run_uuid'), { key, limit: maxResults(a, 'max_results', 25_000, 25_000), cursor: optString(a, 'page_token') });
    return { ...(page.items.length ? { metrics: page.items.map((p) => ({ key, value: toMlflowMetricValue(p.value), timestamp: p.timestamp, step: p.step })) } : {}), ...pageToken(page.nextCursor) };
  }
}
