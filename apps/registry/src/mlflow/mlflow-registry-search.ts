import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { encodeOffsetToken, epochMillisSql, MlflowComparison, MlflowFilterGrammar, MlflowOrderBy, mlflowSqlCondition, parseMlflowFilter, parseMlflowOrderBy } from '@shipyard/service-kit';
import { AliasesRepository } from '../aliases/aliases.repository';
import { ModelEntity } from '../models/model.entity';
import { ModelVersionEntity, VersionView } from '../versions/model-version.entity';
import { VersionsRepository } from '../versions/versions.repository';
import { toMlflowModelVersion, toMlflowRegisteredModel } from './mlflow-registry.mapper';

/** MLflow's SearchRegisteredModels grammar: `name` and `tags.<key>`. */
export const REGISTERED_MODEL_FILTER: MlflowFilterGrammar = { what: 'registered models', attributes: { name: 'string' }, tags: true };
/** MLflow's SearchModelVersions grammar: name, version_number, run_id (also IN), source_path and `tags.<key>`. */
export const MODEL_VERSION_FILTER: MlflowFilterGrammar = { what: 'model versions', attributes: { name: 'string', version_number: 'numeric', run_id: 'list', source_path: 'string' }, tags: true };

const MODEL_COLUMN: Readonly<Record<string, string>> = {
  name: 'm.name',
  creation_timestamp: epochMillisSql('m.created_at'),
  last_updated_timestamp: epochMillisSql('m.updated_at'),
};
const VERSION_COLUMN: Readonly<Record<string, string>> = {
  name: 'm.name',
  version_number: 'v.version',
  run_id: 'v.source_run_id',
  source_path: 'v.source_uri',
  creation_timestamp: epochMillisSql('v.created_at'),
  last_updated_timestamp: epochMillisSql('v.updated_at'),
};

/** Registry tags are `key:value` strings (no ':' → empty value); these split one inside SQL. */
const TAG_KEY = "split_part(t.tag, ':', 1)";
const TAG_VALUE = "CASE WHEN strpos(t.tag, ':') > 0 THEN substr(t.tag, strpos(t.tag, ':') + 1) ELSE '' END";

export interface RegistrySearch {
  filter?: string;
  orderBy: string[];
  limit: number;
  offset: number;
}

type Param = (v: unknown) => string;

function params(): { values: unknown[]; p: Param } {
  const values: unknown[] = [];
  return {
    values,
    p: (v) => {
      values.push(v);
      return `$${values.length}`;
    },
  };
}

/** MLflow: a tag comparison matches only rows that have the tag (any comparator, != included). */
function conditions(where: MlflowComparison[], columns: Readonly<Record<string, string>>, tagsColumn: string, p: Param): string[] {
  return where.map((c) =>
    c.type === 'tag'
      ? `EXISTS (SELECT 1 FROM unnest(${tagsColumn}) AS t(tag) WHERE ${TAG_KEY} = ${p(c.key)} AND ${mlflowSqlCondition(TAG_VALUE, c, p)})`
      : mlflowSqlCondition(columns[c.key] as string, c, p),
  );
}

const orderSql = (order: MlflowOrderBy[], columns: Readonly<Record<string, string>>) => order.map((o) => `${columns[o.key] as string} ${o.ascending ? 'ASC' : 'DESC'}`).join(', ');

/**
 * registered-models/search and model-versions/search in MLflow's terms over registry.models and
 * registry.model_versions (live models and versions only): filters compiled to SQL with placeholders, offset page tokens.
 */
@Injectable()
export class MlflowRegistrySearch {
  constructor(
    private readonly ds: DataSource,
    private readonly aliases: AliasesRepository,
    private readonly versions: VersionsRepository,
  ) {}

  static parseModels(filter: string | undefined, orderBy: string[]): { where: MlflowComparison[]; order: MlflowOrderBy[] } {
    const where = parseMlflowFilter(filter, REGISTERED_MODEL_FILTER);
    // MLflow also takes `timestamp` for last_updated_timestamp; name ASC is its default and tie-breaker.
    const order = parseMlflowOrderBy(orderBy, 'registered models', ['name', 'creation_timestamp', 'last_updated_timestamp'], { timestamp: 'last_updated_timestamp' });
    if (!order.some((o) => o.key === 'name')) order.push({ key: 'name', ascending: true });
    return { where, order };
  }

  static parseVersions(filter: string | undefined, orderBy: string[]): { where: MlflowComparison[]; order: MlflowOrderBy[] } {
    const where = parseMlflowFilter(filter, MODEL_VERSION_FILTER);
    const order = parseMlflowOrderBy(orderBy, 'model versions', ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp']);
    // MLflow's default: most recently updated first, then name, then newest version.
    if (order.length === 0) order.push({ key: 'last_updated_timestamp', ascending: false });
    if (!order.some((o) => o.key === 'name')) order.push({ key: 'name', ascending: true });
    if (!order.some((o) => o.key === 'version_number')) order.push({ key: 'version_number', ascending: false });
    return { where, order };
  }

  async models(q: RegistrySearch) {
    const { where, order } = MlflowRegistrySearch.parseModels(q.filter, q.orderBy);
    const { values, p } = params();
    const sql = `SELECT m.id FROM registry.models m WHERE ${['m.deleted_at IS NULL', ...conditions(where, MODEL_COLUMN, 'm.tags', p)].join(' AND ')}
      ORDER BY ${orderSql(order, MODEL_COLUMN)}, m.id OFFSET ${p(q.offset)} LIMIT ${p(q.limit + 1)}`;
    const ids = (await this.ds.query<Array<{ id: string }>>(sql, values)).map((r) => r.id);
    const page = ids.slice(0, q.limit);
    if (page.length === 0) return { items: [], nextPageToken: null };
    const byId = new Map((await this.ds.manager.findBy(ModelEntity, { id: In(page) })).map((m) => [m.id, m]));
    const items = await Promise.all(page.map(async (id) => {
      const model = byId.get(id) as ModelEntity;
      return toMlflowRegisteredModel(model, await this.aliases.listOf(this.ds.manager, id));
    }));
    return { items, nextPageToken: ids.length > q.limit ? encodeOffsetToken(q.offset + q.limit) : null };
  }

  async modelVersions(q: RegistrySearch) {
    const { where, order } = MlflowRegistrySearch.parseVersions(q.filter, q.orderBy);
    const { values, p } = params();
    const sql = `SELECT v.id FROM registry.model_versions v JOIN registry.models m ON m.id = v.model_id AND m.deleted_at IS NULL
      WHERE ${['v.deleted_at IS NULL', ...conditions(where, VERSION_COLUMN, 'v.tags', p)].join(' AND ')}
      ORDER BY ${orderSql(order, VERSION_COLUMN)}, v.id OFFSET ${p(q.offset)} LIMIT ${p(q.limit + 1)}`;
    const ids = (await this.ds.query<Array<{ id: string }>>(sql, values)).map((r) => r.id);
    const page = ids.slice(0, q.limit);
    if (page.length === 0) return { items: [], nextPageToken: null };
    const rows = await this.ds.manager.findBy(ModelVersionEntity, { id: In(page) });
    const models = new Map((await this.ds.manager.findBy(ModelEntity, { id: In([...new Set(rows.map((r) => r.modelId))]) })).map((m) => [m.id, m]));
    const aliases = new Map<string, Map<number, string[]>>();
    for (const m of models.values()) aliases.set(m.id, await this.versions.aliasesOf(this.ds.manager, m.id, rows.filter((r) => r.modelId === m.id).map((r) => r.version)));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const items = page.map((id) => {
      const version = byId.get(id) as ModelVersionEntity;
      const view: VersionView = { version, modelName: (models.get(version.modelId) as ModelEntity).name, aliases: aliases.get(version.modelId)?.get(version.version) ?? [] };
      return toMlflowModelVersion(view);
    });
    return { items, nextPageToken: ids.length > q.limit ? encodeOffsetToken(q.offset + q.limit) : null };
  }
}
