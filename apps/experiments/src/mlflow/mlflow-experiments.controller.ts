import { Controller, Get, HttpCode, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MAX_PAGE_SIZE, ViewType } from '@shipyard/contracts';
import { Args, MLFLOW_PREFIXES, Ctx, maxResults, MlflowArgs, MlflowExceptionFilter, MlflowInvalidParameter, optKeyValues, optString, optStrings, reqString, RequestContext } from '@shipyard/service-kit';
import { ExperimentNotFound } from '../common/errors';
import { CreateExperimentUseCase } from '../experiments/create-experiment.use-case';
import { ExperimentQueries } from '../experiments/experiment.queries';
import { ExperimentLifecycleUseCase, UpdateExperimentUseCase } from '../experiments/update-experiment.use-case';
import { pageToken, toMlflowExperiment } from './mlflow.mapper';
import { RunArtifacts } from './run-artifacts';

const VIEW_TYPES: Readonly<Record<string, ViewType>> = { ACTIVE_ONLY: 'active', DELETED_ONLY: 'deleted', ALL: 'all' };

export function viewType(args: MlflowArgs, name: string): ViewType {
  const raw = optString(args, name) ?? 'ACTIVE_ONLY';
  const view = VIEW_TYPES[raw];
  if (!view) throw new MlflowInvalidParameter(`Invalid value "${raw}" for parameter '${name}' supplied: expected ACTIVE_ONLY, DELETED_ONLY or ALL`);
  return view;
}

/** search-experiments filters this layer maps onto the name-prefix listing: `name = '…'` or `name LIKE '…%'`. */
function namePrefixOf(filter: string | undefined): { prefix?: string; exact?: string } {
  if (!filter) return {};
  const m = /^\s*(?:attributes?\.)?name\s+(=|LIKE)\s+'((?:[^'\\]|\\.)*)'\s*$/i.exec(filter);
  if (!m) throw new MlflowInvalidParameter(`Unsupported experiment filter "${filter}": this server supports name = '<name>' and name LIKE '<prefix>%'`);
  const value = (m[2] ?? '').replace(/\\(.)/g, '$1');
  if ((m[1] ?? '').toUpperCase() === '=') return { exact: value };
  if (!/^[^%_]*%$/.test(value)) throw new MlflowInvalidParameter(`Unsupported LIKE pattern "${value}": only a literal prefix followed by % is supported`);
  return { prefix: value.slice(0, -1) };
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
  ) {}

  private readonly uri = (u: string) => this.artifacts.mlflowUri(u);

  @Post('experiments/create')
  @HttpCode(200)
  async createExperiment(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const tags = Object.fromEntries(optKeyValues(a, 'tags').map((t) => [t.key, t.value]));
    const e = await this.create.execute({ name: reqString(a, 'name'), artifactLocation: optString(a, 'artifact_location'), tags }, ctx);
    return { experiment_id: e.id };
  }

  @Get('experiments/get')
  async get(@Args() a: MlflowArgs) {
    return { experiment: toMlflowExperiment(await this.queries.get(reqString(a, 'experiment_id')), this.uri) };
  }

  @Get('experiments/get-by-name')
  async getByName(@Args() a: MlflowArgs) {
    const name = reqString(a, 'experiment_name');
    const e = await this.queries.get(name);
    // get() also resolves ids; by-name must only match names.
    if (e.name !== name) throw new ExperimentNotFound(name);
    return { experiment: toMlflowExperiment(e, this.uri) };
  }

  @Post('experiments/search')
  @HttpCode(200)
  searchPost(@Args() a: MlflowArgs) {
    return this.search(a);
  }

  @Get('experiments/search')
  searchGet(@Args() a: MlflowArgs) {
    return this.search(a);
  }

  @Post('experiments/update')
  @HttpCode(200)
  async rename(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.update.execute(reqString(a, 'experiment_id'), { name: optString(a, 'new_name') }, ctx);
    return {};
  }

  @Post('experiments/delete')
  @HttpCode(200)
  async remove(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.lifecycle.execute(reqString(a, 'experiment_id'), 'deleted', ctx);
    return {};
  }

  @Post('experiments/restore')
  @HttpCode(200)
  async restore(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.lifecycle.execute(reqString(a, 'experiment_id'), 'active', ctx);
    return {};
  }

  @Post('experiments/set-experiment-tag')
  @HttpCode(200)
  async setTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.update.execute(reqString(a, 'experiment_id'), { tags: { [reqString(a, 'key')]: optString(a, 'value') ?? '' } }, ctx);
    return {};
  }

  private async search(a: MlflowArgs) {
    const { prefix, exact } = namePrefixOf(optString(a, 'filter'));
    const orderBy = optStrings(a, 'order_by');
    if (orderBy.some((o) => !/^\s*(attributes?\.)?creation_time(\s+DESC)?\s*$/i.test(o))) {
      throw new MlflowInvalidParameter(`Unsupported order_by ${JSON.stringify(orderBy)}: experiments are listed newest first (creation_time DESC)`);
    }
    // MLflow allows up to 50,000 per page; a server may return fewer and a next_page_token, which clients follow.
    const page = await this.queries.list({ namePrefix: exact ?? prefix, view: viewType(a, 'view_type'), limit: Math.min(maxResults(a, 'max_results', MAX_PAGE_SIZE, 50_000), MAX_PAGE_SIZE), cursor: optString(a, 'page_token') });
    const items = exact !== undefined ? page.items.filter((e) => e.name === exact) : page.items;
    return { ...(items.length ? { experiments: items.map((e) => toMlflowExperiment(e, this.uri)) } : {}), ...pageToken(page.nextCursor) };
  }
}
