import { Comparator, Comparison, Expr, Field, FilterSyntaxError, Literal, OrderTerm, ParsedSearch } from './filter.ast';

/** Positional SQL parameters: every value from the filter travels as one, never inside the SQL text. */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(private readonly offset = 0) {}

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.offset + this.values.length}${cast}`;
  }
}

export interface CompiledSearch {
  /** A boolean SQL expression over the runs alias `r`, or null for no filter. */
  where: string | null;
  /** LEFT JOINs the ORDER BY needs. */
  joins: string[];
  orderBy: string[];
}

/**
 * The first ORDER BY term when it is a metric: which join (and order term) it is and its key parameter,
 * so the query can read the runs that have the metric in latest_metrics (key, value) index order and
 * reach the runs without it (which sort last, NULLS LAST) only when the page is not full yet.
 */
export interface LeadingMetric {
  /** Index into `joins` (and position 0 of `orderBy`). */
  join: number;
  alias: string;
  /** Placeholder of the metric key, e.g. `$3::text`. */
  key: string;
  direction: 'ASC' | 'DESC';
}

type AttributeKind = 'text' | 'id' | 'time' | 'number';
interface Attribute {
  column: string;
  kind: AttributeKind;
}

// Keys are matched without case or underscores, so start_time, startTime and START_TIME are one attribute.
const ATTRIBUTES: Readonly<Record<string, Attribute>> = {
  status: { column: 'r.status', kind: 'text' },
  runname: { column: 'r.name', kind: 'text' },
  name: { column: 'r.name', kind: 'text' },
  userid: { column: 'r.user_id', kind: 'text' },
  user: { column: 'r.user_id', kind: 'text' },
  source: { column: 'r.source', kind: 'text' },
  gitcommit: { column: 'r.git_commit', kind: 'text' },
  framework: { column: 'r.framework', kind: 'text' },
  lifecyclestage: { column: 'r.lifecycle_stage', kind: 'text' },
  artifacturi: { column: 'r.artifact_uri', kind: 'text' },
  runid: { column: 'r.id', kind: 'id' },
  id: { column: 'r.id', kind: 'id' },
  experimentid: { column: 'r.experiment_id', kind: 'id' },
  starttime: { column: 'r.start_time', kind: 'time' },
  endtime: { column: 'r.end_time', kind: 'time' },
  duration: { column: '(extract(epoch FROM (r.end_time - r.start_time)) * 1000)', kind: 'number' },
  durationms: { column: '(extract(epoch FROM (r.end_time - r.start_time)) * 1000)', kind: 'number' },
};
const DATASET_COLUMNS: Readonly<Record<string, string>> = { name: 'd.name', digest: 'd.digest', context: 'ri.context' };

const NUMERIC_OPS: readonly Comparator[] = ['=', '!=', '<', '<=', '>', '>='];
const STRING_OPS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'NOT LIKE', 'NOT ILIKE'];
const SQL_OP: Readonly<Record<Comparator, string>> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=', LIKE: 'LIKE', ILIKE: 'ILIKE', 'NOT LIKE': 'NOT LIKE', 'NOT ILIKE': 'NOT ILIKE' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Length of the value prefix the params and tags indexes hold (see the migration). */
export const INDEXED_PREFIX = 200;

/** PostgreSQL's left(value, n) counts characters (code points), as Array.from does. */
function prefix(value: string): string {
  return Array.from(value).slice(0, INDEXED_PREFIX).join('');
}

export function attributeOf(key: string): Attribute | undefined {
  return ATTRIBUTES[key.toLowerCase().replace(/_/g, '')];
}

/**
 * Compiles a parsed search into SQL over `experiments.runs r`. Each comparison becomes
 * `r.id IN (SELECT run_id FROM <table> WHERE key = $k AND value <op> $v)`: under AND PostgreSQL plans it
 * as a semi-join, under OR as a hashed subplan, and both are answered from the (key, value, run_id) indexes.
 */
export class SearchCompiler {
  constructor(
    private readonly text: string,
    private readonly params: SqlParams,
  ) {}

  private readonly joins: string[] = [];
  private readonly orderBy: string[] = [];
  private leadingMetric: LeadingMetric | null = null;

  /** The filter's condition and its own ORDER BY terms. */
  compile(search: ParsedSearch): CompiledSearch {
    const where = search.where ? this.expr(search.where) : null;
    for (const term of search.orderBy) this.order(term, this.text);
    return { where, joins: this.joins, orderBy: this.orderBy };
  }

  /** The leading metric order term, once all order terms are in (see LeadingMetric). */
  leading(): LeadingMetric | null {
    return this.leadingMetric;
  }

  /** Order terms that came separately (the orderBy list); errors point into `text`. */
  addOrder(terms: OrderTerm[], text: string): void {
    for (const term of terms) this.order(term, text);
  }

  private expr(e: Expr): string {
    if ('operands' in e) return `(${e.operands.map((o) => this.expr(o)).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    return this.comparison(e);
  }

  private comparison(c: Comparison): string {
    const f = c.field;
    switch (f.entity) {
      case 'metric':
        return this.keyed(c, 'experiments.latest_metrics', 'number', false);
      case 'param':
        return this.keyed(c, 'experiments.params', 'string', true);
      case 'tag':
        return this.keyed(c, 'experiments.run_tags', 'string', true);
      case 'dataset':
        return this.dataset(c);
      case 'attribute':
        return this.attribute(c);
    }
  }

  /** metrics / params / tags: a key/value table with a (key, value…, run_id) index. */
  private keyed(c: Comparison, table: string, type: 'number' | 'string', prefixIndexed: boolean): string {
    const ops = type === 'number' ? NUMERIC_OPS : STRING_OPS;
    const conditions = [`t.key = ${this.params.add(c.field.key)}`];
    if (c.kind === 'in') {
      const values = c.values.map((v) => this.literal(v, type, c.field));
      const cast = type === 'number' ? '::float8[]' : '::text[]';
      if (c.negated) conditions.push(`t.value <> ALL(${this.params.add(values, cast)})`);
      else {
        if (prefixIndexed) conditions.push(`left(t.value, ${INDEXED_PREFIX}) = ANY(${this.params.add(values.map((v) => prefix(String(v))), '::text[]')})`);
        conditions.push(`t.value = ANY(${this.params.add(values, cast)})`);
      }
    } else {
      if (!ops.includes(c.op)) throw this.error(`operator ${c.op} does not apply to ${this.describe(c.field)} (use ${ops.join(', ')})`, c.opPos);
      const value = this.literal(c.value, type, c.field);
      const cast = type === 'number' ? '::float8' : '::text';
      if (c.op === '=' && prefixIndexed) conditions.push(`left(t.value, ${INDEXED_PREFIX}) = ${this.params.add(prefix(String(value)), '::text')}`);
      conditions.push(`t.value ${SQL_OP[c.op]} ${this.params.add(value, cast)}`);
    }
    return `r.id IN (SELECT t.run_id FROM ${table} t WHERE ${conditions.join(' AND ')})`;
  }

  private dataset(c: Comparison): string {
    const column = DATASET_COLUMNS[c.field.key.toLowerCase()];
    if (!column) throw this.error(`unknown dataset field "${c.field.key}" (use datasets.name, datasets.digest or datasets.context)`, c.field.pos);
    const condition = this.stringCondition(c, column);
    return `r.id IN (SELECT ri.run_id FROM experiments.run_inputs ri JOIN experiments.datasets d ON d.id = ri.dataset_id WHERE ${condition})`;
  }

  private attribute(c: Comparison): string {
    const attr = attributeOf(c.field.key);
    if (!attr) throw this.error(`unknown attribute "${c.field.key}" (use status, run_name, start_time, end_time, duration, user_id, source, git_commit, framework, lifecycle_stage, run_id or experiment_id)`, c.field.pos);
    switch (attr.kind) {
      case 'text':
        return this.stringCondition(c, attr.column);
      case 'id': {
        if (c.kind === 'in') {
          const ids = c.values.map((v) => this.uuid(v));
          return `${c.negated ? 'NOT ' : ''}${attr.column} = ANY(${this.params.add(ids, '::uuid[]')})`;
        }
        if (c.op === '=' || c.op === '!=') return `${attr.column} ${SQL_OP[c.op]} ${this.params.add(this.uuid(c.value), '::uuid')}`;
        return this.stringCondition(c, `${attr.column}::text`);
      }
      case 'time':
      case 'number': {
        const toParam = (v: Literal) => (attr.kind === 'time' ? this.params.add(this.time(v), '::timestamptz') : this.params.add(this.literal(v, 'number', c.field), '::float8'));
        if (c.kind === 'in') return `${attr.column} ${c.negated ? 'NOT IN' : 'IN'} (${c.values.map(toParam).join(', ')})`;
        if (!NUMERIC_OPS.includes(c.op)) throw this.error(`operator ${c.op} does not apply to ${this.describe(c.field)} (use ${NUMERIC_OPS.join(', ')})`, c.opPos);
        return `${attr.column} ${SQL_OP[c.op]} ${toParam(c.value)}`;
      }
    }
  }

  private stringCondition(c: Comparison, column: string): string {
    if (c.kind === 'in') return `${column} ${c.negated ? '<> ALL' : '= ANY'}(${this.params.add(c.values.map((v) => this.literal(v, 'string', c.field)), '::text[]')})`;
    if (!STRING_OPS.includes(c.op)) throw this.error(`operator ${c.op} does not apply to ${this.describe(c.field)} (use ${STRING_OPS.join(', ')})`, c.opPos);
    return `${column} ${SQL_OP[c.op]} ${this.params.add(this.literal(c.value, 'string', c.field), '::text')}`;
  }

  private order(term: OrderTerm, text: string): void {
    const dir = term.descending ? 'DESC' : 'ASC';
    const f = term.field;
    const table = f.entity === 'metric' ? 'latest_metrics' : f.entity === 'param' ? 'params' : f.entity === 'tag' ? 'run_tags' : null;
    if (table) {
      const alias = `o${this.joins.length}`;
      const key = this.params.add(f.key, '::text');
      if (f.entity === 'metric' && this.orderBy.length === 0) this.leadingMetric = { join: this.joins.length, alias, key, direction: dir };
      this.joins.push(`LEFT JOIN experiments.${table} ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ${key}`);
      this.orderBy.push(`${alias}.value ${dir} NULLS LAST`);
      return;
    }
    if (f.entity === 'dataset') throw new FilterSyntaxError('runs cannot be ordered by a dataset field', f.pos, text);
    const attr = attributeOf(f.key);
    if (!attr) throw new FilterSyntaxError(`unknown attribute "${f.key}"`, f.pos, text);
    this.orderBy.push(`${attr.column} ${dir} NULLS LAST`);
  }

  private literal(v: Literal, type: 'number' | 'string', field: Field): number | string {
    if (v.type !== type) {
      const hint = type === 'string' ? `; quote it: '${v.value}'` : '';
      throw this.error(`${this.describe(field)} compares with a ${type}, not a ${v.type}${hint}`, v.pos);
    }
    return v.value;
  }

  private uuid(v: Literal): string {
    if (v.type !== 'string' || !UUID.test(v.value)) throw this.error('run and experiment ids are quoted UUIDs', v.pos);
    return v.value.toLowerCase();
  }

  /** Times are epoch milliseconds or quoted RFC 3339 strings. */
  private time(v: Literal): string {
    const ms = v.type === 'number' ? v.value : /^\d{4}-\d{2}-\d{2}/.test(v.value) ? Date.parse(v.value) : NaN;
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw this.error('times are epoch milliseconds or quoted RFC 3339 timestamps', v.pos);
    return new Date(ms).toISOString();
  }

  private describe(f: Field): string {
    const prefixes = { metric: 'metrics', param: 'params', tag: 'tags', attribute: 'attributes', dataset: 'datasets' } as const;
    return `${prefixes[f.entity]}.${f.key}`;
  }

  private error(reason: string, pos: number): FilterSyntaxError {
    return new FilterSyntaxError(reason, pos, this.text);
  }
}
