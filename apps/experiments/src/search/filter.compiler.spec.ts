import { FilterSyntaxError } from './filter.ast';
import { INDEXED_PREFIX, SearchCompiler, SqlParams } from './filter.compiler';
import { parseOrderBy, parseSearch } from './filter.parser';

function compile(text: string, offset = 0) {
  const params = new SqlParams(offset);
  const compiled = new SearchCompiler(text, params).compile(parseSearch(text));
  return { ...compiled, params: params.values };
}

function compileError(text: string): FilterSyntaxError {
  try {
    compile(text);
  } catch (e) {
    if (e instanceof FilterSyntaxError) return e;
    throw e;
  }
  throw new Error(`"${text}" compiled without error`);
}

describe('search DSL compiler', () => {
  it('compiles each comparison to an indexed IN-subquery with numbered parameters', () => {
    const c = compile("metrics.accuracy > 0.9 AND params.optimizer = 'adam'", 2);
    expect(c.where).toBe(
      '(r.id IN (SELECT t.run_id FROM experiments.latest_metrics t WHERE t.key = $3 AND t.value > $4::float8)' +
        ` AND r.id IN (SELECT t.run_id FROM experiments.params t WHERE t.key = $5 AND left(t.value, ${INDEXED_PREFIX}) = $6::text AND t.value = $7::text))`,
    );
    expect(c.params).toEqual(['accuracy', 0.9, 'optimizer', 'adam', 'adam']);
  });

  it('keeps OR groups and parentheses in the SQL', () => {
    const c = compile("(metrics.a > 1 OR tags.team = 'x') AND attributes.status = 'FINISHED'");
    expect(c.where).toMatch(/^\(\(r\.id IN .* OR r\.id IN .*\) AND r\.status = \$\d+::text\)$/);
  });

  it('compiles IN and NOT IN to array parameters', () => {
    const c = compile("params.opt IN ('adam', 'sgd') AND metrics.m NOT IN (1, 2)");
    expect(c.where).toContain('left(t.value, 200) = ANY($2::text[]) AND t.value = ANY($3::text[])');
    expect(c.where).toContain('t.key = $4 AND t.value <> ALL($5::float8[])');
    expect(c.params).toEqual(['opt', ['adam', 'sgd'], ['adam', 'sgd'], 'm', [1, 2]]);
  });

  it('indexes only a prefix of long param values, counting characters as PostgreSQL does', () => {
    const long = '😀'.repeat(INDEXED_PREFIX + 10);
    const c = compile(`params.p = '${long}'`);
    expect(c.params[1]).toBe('😀'.repeat(INDEXED_PREFIX));
    expect(c.params[2]).toBe(long);
  });

  it('maps attributes, with or without underscores, to run columns', () => {
    expect(compile("attributes.run_name LIKE 'x%'").where).toBe('r.name LIKE $1::text');
    expect(compile("attributes.startTime >= '2026-01-01T00:00:00Z'").where).toBe('r.start_time >= $1::timestamptz');
    expect(compile('attributes.start_time < 1767225600000').params).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(compile('attributes.duration > 1000').where).toContain('(extract(epoch FROM (r.end_time - r.start_time)) * 1000) > $1::float8');
    expect(compile("attributes.run_id IN ('0196a8b2-0000-7000-8000-000000000001')").where).toBe('r.id = ANY($1::uuid[])');
    expect(compile("datasets.context = 'training'").where).toContain('ri.context = $1::text');
  });

  it('compiles ORDER BY to LEFT JOINs on the latest values, nulls last', () => {
    const params = new SqlParams();
    const compiler = new SearchCompiler('', params);
    compiler.compile(parseSearch('ORDER BY metrics.f1 DESC'));
    compiler.addOrder(parseOrderBy('attributes.start_time ASC'), 'attributes.start_time ASC');
    const c = compiler.compile({ where: null, orderBy: [] });
    expect(c.joins).toEqual(['LEFT JOIN experiments.latest_metrics o0 ON o0.run_id = r.id AND o0.key = $1::text']);
    expect(c.orderBy).toEqual(['o0.value DESC NULLS LAST', 'r.start_time ASC NULLS LAST']);
    expect(params.values).toEqual(['f1']);
  });

  describe('SQL injection stays data', () => {
    it.each([
      ["params.p = 'x''; DROP TABLE experiments.runs; --'", "x'; DROP TABLE experiments.runs; --"],
      ["tags.`t' OR '1'='1` = 'v'", "t' OR '1'='1"],
      ['metrics."m) OR 1=1 --" > 0', 'm) OR 1=1 --'],
      ["attributes.status = '\\' OR 1=1 --'", "' OR 1=1 --"],
    ])('%s', (text, hostile) => {
      const c = compile(text);
      expect(c.where).not.toContain('DROP');
      expect(c.where).not.toContain('1=1');
      expect(c.where).not.toContain("'");
      expect(c.params).toContain(hostile);
    });
  });

  describe('type and field errors carry positions', () => {
    it.each([
      ['LIKE on a metric', "metrics.m LIKE '1%'", 10, 'operator LIKE does not apply to metrics.m'],
      ['a number for a param', 'params.lr = 0.01', 12, "compares with a string, not a number; quote it: '0.01'"],
      ['a string for a metric', "metrics.m > 'high'", 12, 'compares with a number, not a string'],
      ['< on a tag', "tags.t < 'b'", 7, 'operator < does not apply to tags.t'],
      ['an unknown attribute', "attributes.colour = 'red'", 0, 'unknown attribute "colour"'],
      ['an unknown dataset field', "datasets.size = 'x'", 0, 'unknown dataset field "size"'],
      ['a run id that is not a UUID', "attributes.run_id = '1 OR 1=1'", 20, 'quoted UUIDs'],
      ['a time that is not a time', "attributes.start_time > 'yesterday'", 24, 'epoch milliseconds or quoted RFC 3339'],
      ['ordering by a dataset', 'ORDER BY datasets.name', 9, 'cannot be ordered by a dataset field'],
    ])('%s', (_label, text, position, message) => {
      const e = compileError(text);
      expect({ position: e.position, message: e.message }).toEqual({ position, message: expect.stringContaining(message) });
    });
  });
});
