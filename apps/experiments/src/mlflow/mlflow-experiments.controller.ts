import { Controller, Get, HttpCode, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MAX_PAGE_SIZE, ViewType } from '@shipyard/contracts';
import { Args, MLFLOW_PREFIXES, Ctx, decodeOffsetToken, maxResults, MlflowArgs, MlflowExceptionFilter, MlflowInvalidParameter, optKeyValues, optString, optStrings, reqString, RequestContext } from '@shipyard/service-kit';
import { ExperimentNotFound } from '../common/errors';
import { CreateExperimentUseCase } from '../experiments/create-experiment.use-case';
import { ExperimentQueries } from '../experiments/experiment.queries';
import { ExperimentLifecycleUseCase, UpdateExperimentUseCase } from '../experiments/update-experiment.use-case';
import { DefaultExperiment } from './default-experiment';
import { MlflowExperimentSearch } from './mlflow-experiment-search';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, experimentIdArg } from './mlflow-ids';
import { pageToken, toMlflowExperiment } from './mlflow.mapper';
import { RunArtifacts } from './run-artifacts';

const VIEW_TYPES: Readonly<Record<string, ViewType>> = { ACTIVE_ONLY: 'active', DELETED_ONLY: 'deleted', ALL: 'all' };

export function viewType(args: MlflowArgs, name: string): ViewType {
  const raw = optString(args, name) ?? 'ACTIVE_ONLY';
  const view = VIEW_TYPES[raw];
  if (!view) throw new MlflowInvalidParameter(`Invalid value "${raw}" for parameter '${name}' supplied: expected ACTIVE_ONLY, DELETED_ONLY or ALL`);
  return view;
}

/** MLflow's experiment endpoints over the experiments use cases (same rows, same events as the native API). */
@ApiExcludeController()
@UseFilters(MlflowExceptionFilter)
@Controller(MLFLOW_PREFIXES)
export class MlflowExperimentsController {
  constructor(
    private readonly create: CreateExperimentUseCase,
    private readonly update: UpdateExperimentUseCase,
    private readonly lifecycle: ExperimentLifecycleUseCase,
    private readonly queries: ExperimentQueries,
    private readonly artifacts: RunArtifacts,
    private readonly searcher: MlflowExperimentSearch,
    private readonly defaultExperiment: DefaultExperiment,
  ) {}

  private readonly uri = (u: string) => this.artifacts.mlflowUri(u);

  /** The experiment_id parameter as a Shipyard id; "0" makes sure the Default experiment exists first. */
  private async experimentId(a: MlflowArgs, ctx: RequestContext): Promise<string> {
    const id = experimentIdArg(a);
    if (id === DEFAULT_EXPERIMENT_ID) await this.defaultExperiment.ensure(ctx.requestId);
    return id;
  }

  @Post('experiments/create')
  @HttpCode(200)
  async createExperiment(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const tags = Object.fromEntries(optKeyValues(a, 'tags').map((t) => [t.key, t.value]));
    const e = await this.create.execute({ name: reqString(a, 'name'), artifactLocation: optString(a, 'artifact_location'), tags }, ctx);
    return { experiment_id: e.id };
  }

  @Get('experiments/get')
  async get(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    return { experiment: toMlflowExperiment(await this.queries.get(await this.experimentId(a, ctx)), this.uri) };
  }

  @Get('experiments/get-by-name')
  async getByName(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const name = reqString(a, 'experiment_name');
    if (name === DEFAULT_EXPERIMENT_NAME) await this.defaultExperiment.ensure(ctx.requestId);
    const e = await this.queries.get(name);
    // get() also resolves ids; by-name must only match names.
    if (e.name !== name) throw new ExperimentNotFound(name);
    return { experiment: toMlflowExperiment(e, this.uri) };
  }

  @Post('experiments/search')
  @HttpCode(200)
  searchPost(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    return this.search(a, ctx);
  }

  @Get('experiments/search')
  searchGet(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    return this.search(a, ctx);
  }

  @Post('experiments/update')
  @HttpCode(200)
  async rename(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.update.execute(await this.experimentId(a, ctx), { name: optString(a, 'new_name') }, ctx);
    return {};
  }

  @Post('experiments/delete')
  @HttpCode(200)
  async remove(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const id = experimentIdArg(a);
    // As MLflow's stores: runs started without an experiment need it.
    if (id === DEFAULT_EXPERIMENT_ID) throw new MlflowInvalidParameter(`Cannot delete the default experiment '0'. This is an internally reserved experiment.`);
    await this.lifecycle.execute(id, 'deleted', ctx);
    return {};
  }

  @Post('experiments/restore')
  @HttpCode(200)
  async restore(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.lifecycle.execute(await this.experimentId(a, ctx), 'active', ctx);
    return {};
  }

  @Post('experiments/set-experiment-tag')
  @HttpCode(200)
  async setTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.update.execute(await this.experimentId(a, ctx), { tags: { [reqString(a, 'key')]: optString(a, 'value') ?? '' } }, ctx);
    return {};
  }

  private async search(a: MlflowArgs, ctx: RequestContext) {
    const filter = optString(a, 'filter');
    const orderBy = optStrings(a, 'order_by');
    // MLflow allows up to 50,000 per page; a server may return fewer and a next_page_token, which clients follow.
    const limit = Math.min(maxResults(a, 'max_results', 1000, 50_000), MAX_PAGE_SIZE);
    const search = { filter, orderBy, view: viewType(a, 'view_type'), limit, offset: decodeOffsetToken(optString(a, 'page_token')) };
    MlflowExperimentSearch.parse(filter, orderBy);
    // MLflow servers always list their Default experiment (checked first: a malformed search creates nothing).
    await this.defaultExperiment.ensure(ctx.requestId);
    const page = await this.searcher.search(search);
    return { ...(page.items.length ? { experiments: page.items.map((e) => toMlflowExperiment(e, this.uri)) } : {}), ...pageToken(page.nextPageToken) };
  }
}
