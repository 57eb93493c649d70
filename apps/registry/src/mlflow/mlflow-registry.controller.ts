import { Controller, Delete, Get, HttpCode, Patch, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ErrorKind, MAX_PAGE_SIZE, STAGES } from '@shipyard/contracts';
import { Args, DomainError, MLFLOW_PREFIXES, Ctx, decodeOffsetToken, maxResults, MlflowArgs, MlflowExceptionFilter, MlflowInvalidParameter, optKeyValues, optString, optStrings, RequestContext, reqString } from '@shipyard/service-kit';
import { AliasNotFound, parseAlias } from '../aliases/alias.errors';
import { AliasesRepository } from '../aliases/aliases.repository';
import { DeleteAliasUseCase } from '../aliases/delete-alias.use-case';
import { SetAliasUseCase } from '../aliases/set-alias.use-case';
import { CreateModelUseCase } from '../models/create-model.use-case';
import { DeleteModelUseCase } from '../models/delete-model.use-case';
import { UpdateModelUseCase } from '../models/update-model.use-case';
import { ARCHIVING_STAGES, ChangeStageUseCase } from '../promotion/change-stage.use-case';
import { StageUnchanged } from '../promotion/promotion.errors';
import { CreateVersionUseCase } from '../versions/create-version.use-case';
import { DeleteVersionUseCase } from '../versions/delete-version.use-case';
import { UpdateVersionUseCase } from '../versions/update-version.use-case';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';
import { MlflowRegistrySearch } from './mlflow-registry-search';
import { checkTagKey, fromMlflowTags, toMlflowModelVersion, toMlflowRegisteredModel, withTag } from './mlflow-registry.mapper';
import { canonicalStage, optBool, reqModelName } from './mlflow-registry.params';

function tagKey(a: MlflowArgs): string {
  return checkTagKey(reqString(a, 'key'));
}

/**
 * A refused move (gates, not READY, already there) is a 409 natively, which MLflow's vocabulary can only say as
 * INVALID_STATE, answered 500: MLflow clients retry a 500, and each retry would be another recorded refusal.
 * It is the caller's request that cannot be done, so it is a 400 that keeps the native code in its message.
 */
function asMlflowRefusal(e: unknown): unknown {
  return e instanceof DomainError && e.kind === ErrorKind.Conflict ? new MlflowInvalidParameter(`${String(e.code)}: ${e.message}`) : e;
}

/** MLflow's `value` is required on set-tag but may be the empty string (proto2 keeps its presence). */
function reqValue(a: MlflowArgs): string {
  if (a.value === '') return '';
  const value = optString(a, 'value');
  if (value === undefined) throw new MlflowInvalidParameter("Missing value for required parameter 'value'. See the API docs for more information about request parameters.");
  return value;
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
    private readonly createVersion: CreateVersionUseCase,
    private readonly updateVersion: UpdateVersionUseCase,
    private readonly deleteVersion: DeleteVersionUseCase,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly setAlias: SetAliasUseCase,
    private readonly deleteAlias: DeleteAliasUseCase,
    private readonly aliases: AliasesRepository,
    private readonly searcher: MlflowRegistrySearch,
    private readonly changeStage: ChangeStageUseCase,
  ) {}

  @Post('registered-models/create')
  @HttpCode(200)
  async create(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const m = await this.createModel.execute({ name: reqModelName(a, 'name'), description: optString(a, 'description'), tags: fromMlflowTags(optKeyValues(a, 'tags')) }, ctx);
    return { registered_model: await this.registeredModel(m.id) };
  }

  @Get('registered-models/get')
  async get(@Args() a: MlflowArgs) {
    return { registered_model: await this.registeredModel(reqString(a, 'name')) };
  }

  @Get('registered-models/search')
  async search(@Args() a: MlflowArgs) {
    const limit = Math.min(maxResults(a, 'max_results', 100, 1000), MAX_PAGE_SIZE);
    const page = await this.searcher.models({ filter: optString(a, 'filter'), orderBy: optStrings(a, 'order_by'), limit, offset: decodeOffsetToken(optString(a, 'page_token')) });
    return { ...(page.items.length ? { registered_models: page.items } : {}), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
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
    const limit = Math.min(maxResults(a, 'max_results', 10_000, 200_000), MAX_PAGE_SIZE);
    const page = await this.searcher.modelVersions({ filter: optString(a, 'filter'), orderBy: optStrings(a, 'order_by'), limit, offset: decodeOffsetToken(optString(a, 'page_token')) });
    return { ...(page.items.length ? { model_versions: page.items } : {}), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
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

  @Post('registered-models/rename')
  @HttpCode(200)
  async rename(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const m = await this.updateModel.execute(reqString(a, 'name'), { name: reqModelName(a, 'new_name') }, ctx);
    return { registered_model: await this.registeredModel(m.id) };
  }

  @Post('registered-models/set-tag')
  @HttpCode(200)
  async setModelTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const key = tagKey(a);
    const value = reqValue(a);
    await this.updateModel.execute(reqString(a, 'name'), {}, ctx, (tags) => withTag(tags, key, value));
    return {};
  }

  @Delete('registered-models/delete-tag')
  async deleteModelTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const key = tagKey(a);
    await this.updateModel.execute(reqString(a, 'name'), {}, ctx, (tags) => withTag(tags, key, null));
    return {};
  }

  @Post('model-versions/set-tag')
  @HttpCode(200)
  async setVersionTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const key = tagKey(a);
    const value = reqValue(a);
    await this.updateVersion.execute(reqString(a, 'name'), reqString(a, 'version'), {}, ctx, (tags) => withTag(tags, key, value));
    return {};
  }

  @Delete('model-versions/delete-tag')
  async deleteVersionTag(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const key = tagKey(a);
    await this.updateVersion.execute(reqString(a, 'name'), reqString(a, 'version'), {}, ctx, (tags) => withTag(tags, key, null));
    return {};
  }

  /** A soft delete, as MLflow's SQL store does: the version vanishes from every read, its aliases go with it. */
  @Delete('model-versions/delete')
  async deleteModelVersion(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    await this.deleteVersion.execute(reqString(a, 'name'), reqString(a, 'version'), ctx);
    return {};
  }

  /**
   * MLflow's stage transition (deprecated since MLflow 2.9, still widely called) over the native stage move:
   * same gates, decision record and events. A move to the current stage answers the version as it is.
   */
  @Post('model-versions/transition-stage')
  @HttpCode(200)
  async transitionStage(@Args() a: MlflowArgs, @Ctx() ctx: RequestContext) {
    const name = reqString(a, 'name');
    const version = reqString(a, 'version');
    const stage = canonicalStage(reqString(a, 'stage'));
    const archiveExisting = optBool(a, 'archive_existing_versions');
    if (archiveExisting && !ARCHIVING_STAGES.includes(stage)) {
      throw new MlflowInvalidParameter(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${ARCHIVING_STAGES.join(', ')}`);
    }
    try {
      await this.changeStage.move(name, version, { stage, archiveExisting }, ctx);
    } catch (e) {
      if (!(e instanceof StageUnchanged && !archiveExisting)) throw asMlflowRefusal(e);
    }
    return { model_version: await this.modelVersion(name, version) };
  }

  @Get('registered-models/get-latest-versions')
  latestVersionsGet(@Args() a: MlflowArgs) {
    return this.latestVersions(a);
  }

  @Post('registered-models/get-latest-versions')
  @HttpCode(200)
  latestVersionsPost(@Args() a: MlflowArgs) {
    return this.latestVersions(a);
  }

  /** The highest version in each requested stage (every stage when none is given), as MLflow answers it. */
  private async latestVersions(a: MlflowArgs) {
    const stages = optStrings(a, 'stages').map(canonicalStage);
    const model = await this.lookup.model(this.ds.manager, reqString(a, 'name'));
    const wanted = stages.length ? [...new Set(stages)] : [...STAGES];
    const rows = await this.ds.query<Array<{ version: number }>>(
      `SELECT DISTINCT ON (stage) version FROM registry.model_versions WHERE model_id = $1 AND deleted_at IS NULL AND stage = ANY($2::text[]) ORDER BY stage, version DESC`,
      [model.id, wanted],
    );
    const versions = await Promise.all(rows.map((r) => r.version).sort((x, y) => x - y).map((n) => this.modelVersion(model.id, n)));
    return versions.length ? { model_versions: versions } : {};
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
