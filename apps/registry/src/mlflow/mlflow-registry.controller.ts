import { Controller, Delete, Get, HttpCode, Patch, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { MAX_PAGE_SIZE } from '@shipyard/contracts';
import { Args, MLFLOW_PREFIXES, Ctx, maxResults, MlflowArgs, MlflowExceptionFilter, MlflowInvalidParameter, optKeyValues, optString, optStrings, RequestContext, reqString } from '@shipyard/service-kit';
import { AliasNotFound, parseAlias } from '../aliases/alias.errors';
import { AliasesRepository } from '../aliases/aliases.repository';
import { DeleteAliasUseCase } from '../aliases/delete-alias.use-case';
import { SetAliasUseCase } from '../aliases/set-alias.use-case';
import { CreateModelUseCase } from '../models/create-model.use-case';
import { DeleteModelUseCase } from '../models/delete-model.use-case';
import { ModelQueries } from '../models/model.queries';
import { UpdateModelUseCase } from '../models/update-model.use-case';
import { CreateVersionUseCase } from '../versions/create-version.use-case';
import { UpdateVersionUseCase } from '../versions/update-version.use-case';
import { VersionLookup, VersionQueries } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';
import { fromMlflowTags, toMlflowModelVersion, toMlflowRegisteredModel } from './mlflow-registry.mapper';

/** `name = '…'` or `name LIKE '<prefix>%'`: the registered-model filters this layer maps onto the name-prefix listing. */
function nameFilter(filter: string | undefined): { prefix?: string; exact?: string } {
  if (!filter) return {};
  const m = /^\s*name\s+(=|LIKE|ILIKE)\s+'((?:[^'\\]|\\.)*)'\s*$/i.exec(filter);
  const value = (m?.[2] ?? '').replace(/\\(.)/g, '$1');
  if (m && m[1] === '=') return { exact: value };
  if (m && /^[^%_]*%$/.test(value)) return { prefix: value.slice(0, -1) };
  throw new MlflowInvalidParameter(`Unsupported filter "${filter}": this server supports name = '<name>' and name LIKE '<prefix>%'`);
}

/**
 * MLflow's model-registry endpoints (registered models, model versions, aliases) over the registry's
 * own use cases: same rows, same events, same governance as the native API. Models are addressed by name.
 */
@ApiExcludeController()
@UseFilters(MlflowExceptionFilter)
@Controller(MLFLOW_PREFIXES)
export class MlflowRegistryController {
  constructor(
    private readonly ds: DataSource,
    private readonly createModel: CreateModelUseCase,
    private readonly updateModel: UpdateModelUseCase,
    private readonly deleteModel: DeleteModelUseCase,
    private readonly models: ModelQueries,
    private readonly createVersion: CreateVersionUseCase,
    private readonly updateVersion: UpdateVersionUseCase,
    private readonly lookup: VersionLookup,
    private readonly versionQueries: VersionQueries,
    private readonly versions: VersionsRepository,
    private readonly setAlias: SetAliasUseCase,
    private readonly deleteAlias: DeleteAliasUseCase,
    private readonly aliases: AliasesRepository,
  ) {}

  @Post('registered-models/create')
  @HttpCode(200)
  async create(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const m = await this.createModel.execute({ name: reqString(a, 'name'), description: optString(a, 'description'), tags: fromMlflowTags(optKeyValues(a, 'tags')) }, ctx);
    return { registered_model: await this.registeredModel(m.id) };
  }

  @Get('registered-models/get')
  async get(@Args() a: MlflowArgs) {
    return { registered_model: await this.registeredModel(reqString(a, 'name')) };
  }

  @Get('registered-models/search')
  async search(@Args() a: MlflowArgs) {
    const { prefix, exact } = nameFilter(optString(a, 'filter'));
    if (optStrings(a, 'order_by').length) throw new MlflowInvalidParameter('order_by is not supported: registered models are listed newest first');
    const page = await this.models.list({ namePrefix: exact ?? prefix, limit: Math.min(maxResults(a, 'max_results', 100, 1000), MAX_PAGE_SIZE), cursor: optString(a, 'page_token') });
    const items = exact !== undefined ? page.items.filter((m) => m.name.toLowerCase() === exact.toLowerCase()) : page.items;
    const models = await Promise.all(items.map((m) => this.registeredModel(m.id)));
    return { ...(models.length ? { registered_models: models } : {}), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  }

  @Patch('registered-models/update')
  async update(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const m = await this.updateModel.execute(reqString(a, 'name'), { description: optString(a, 'description') ?? '' }, ctx);
    return { registered_model: await this.registeredModel(m.id) };
  }

  @Delete('registered-models/delete')
  async remove(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.deleteModel.execute(reqString(a, 'name'), ctx);
    return {};
  }

  @Post('model-versions/create')
  @HttpCode(200)
  async createModelVersion(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const name = reqString(a, 'name');
    const runId = optString(a, 'run_id');
    // MLflow registers a version by pointing at its artifacts; framework is not part of MLflow's model.
    const v = await this.createVersion.execute(
      name,
      { framework: 'other', description: optString(a, 'description'), tags: fromMlflowTags(optKeyValues(a, 'tags')), ...(runId ? { sourceRunId: runId } : {}) },
      ctx,
      { sourceUri: reqString(a, 'source') },
    );
    return { model_version: await this.modelVersion(v.modelId, v.version) };
  }

  @Get('model-versions/get')
  async getModelVersion(@Args() a: MlflowArgs) {
    return { model_version: await this.modelVersion(reqString(a, 'name'), reqString(a, 'version')) };
  }

  @Get('model-versions/search')
  async searchModelVersions(@Args() a: MlflowArgs) {
    const { exact } = nameFilter(optString(a, 'filter'));
    if (exact === undefined) throw new MlflowInvalidParameter("model-versions/search needs a filter of the form name = '<model name>'");
    if (optStrings(a, 'order_by').length) throw new MlflowInvalidParameter('order_by is not supported: versions are listed newest first');
    const page = await this.versionQueries.list(exact, { limit: Math.min(maxResults(a, 'max_results', 100, 200_000), MAX_PAGE_SIZE), cursor: optString(a, 'page_token') });
    const versions = await Promise.all(page.items.map((v) => this.modelVersion(v.modelId, v.version)));
    return { ...(versions.length ? { model_versions: versions } : {}), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  }

  @Patch('model-versions/update')
  async updateModelVersion(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const v = await this.updateVersion.execute(reqString(a, 'name'), reqString(a, 'version'), { description: optString(a, 'description') ?? '' }, ctx);
    return { model_version: await this.modelVersion(v.modelId, v.version) };
  }

  @Post('registered-models/alias')
  @HttpCode(200)
  async setModelAlias(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const raw = reqString(a, 'version');
    if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw new MlflowInvalidParameter(`Invalid value "${raw}" for parameter 'version' supplied: expected a version number`);
    await this.setAlias.execute(reqString(a, 'name'), reqString(a, 'alias'), { version: Number(raw) }, ctx);
    return {};
  }

  @Delete('registered-models/alias')
  async deleteModelAlias(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.deleteAlias.execute(reqString(a, 'name'), reqString(a, 'alias'), ctx);
    return {};
  }

  @Get('registered-models/alias')
  async getByAlias(@Args() a: MlflowArgs) {
    const alias = parseAlias(reqString(a, 'alias'));
    const model = await this.lookup.model(this.ds.manager, reqString(a, 'name'));
    const number = await this.versions.versionOfAlias(this.ds.manager, model.id, alias);
    if (number === null) throw new AliasNotFound(model.name, alias);
    return { model_version: await this.modelVersion(model.id, number) };
  }

  private async registeredModel(ref: string) {
    const model = await this.lookup.model(this.ds.manager, ref);
    const aliases = await this.aliases.listOf(this.ds.manager, model.id);
    return toMlflowRegisteredModel(model, aliases);
  }

  private async modelVersion(modelRef: string, version: string | number) {
    return toMlflowModelVersion(await this.lookup.view(this.ds.manager, modelRef, version));
  }
}
