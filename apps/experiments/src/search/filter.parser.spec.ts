import { Comparison, Expr, FilterSyntaxError } from './filter.ast';
import { MAX_COMPARISONS, parseOrderBy, parseSearch } from './filter.parser';

/** A compact rendering of the tree, so precedence shows at a glance. */
function show(e: Expr | null): string {
  if (!e) return '∅';
  if ('operands' in e) return `${e.kind}(${e.operands.map(show).join(', ')})`;
  const c: Comparison = e;
  const lit = (l: { type: string; value: string | number }) => (l.type === 'string' ? `'${String(l.value)}'` : String(l.value));
  return c.kind === 'in' ? `${c.field.entity}:${c.field.key} ${c.negated ? 'NOT IN' : 'IN'} [${c.values.map(lit).join(',')}]` : `${c.field.entity}:${c.field.key} ${c.op} ${lit(c.value)}`;
}

function syntaxError(text: string): FilterSyntaxError {
  try {
    parseSearch(text);
  } catch (e) {
    if (e instanceof FilterSyntaxError) return e;
    throw e;
  }
  throw new Error(`"${text}" parsed without error`);
}

describe('search DSL parser', () => {
  it('parses the seed query', () => {
    expect(show(parseSearch("metrics.accuracy > 0.9 AND params.optimizer = 'adam'").where)).toBe("and(metric:accuracy > 0.9, param:optimizer = 'adam')");
  });

  it('binds AND tighter than OR, and parentheses override it', () => {
    expect(show(parseSearch("metrics.a > 1 OR metrics.b > 2 AND tags.t = 'x'").where)).toBe("or(metric:a > 1, and(metric:b > 2, tag:t = 'x'))");
    expect(show(parseSearch("(metrics.a > 1 OR metrics.b > 2) AND tags.t = 'x'").where)).toBe("and(or(metric:a > 1, metric:b > 2), tag:t = 'x')");
    expect(show(parseSearch('metrics.a = 1 AND metrics.b = 2 AND metrics.c = 3 OR metrics.d = 4').where)).toBe('or(and(metric:a = 1, metric:b = 2, metric:c = 3), metric:d = 4)');
    expect(show(parseSearch('((metrics.a = 1))').where)).toBe('metric:a = 1');
  });

  it('reads keywords in any case', () => {
    expect(show(parseSearch("metrics.a > 1 and params.p like 'x%' or tags.t in ('a') order by metrics.a desc").where)).toBe("or(and(metric:a > 1, param:p LIKE 'x%'), tag:t IN ['a'])");
  });

  it.each([
    ['=', "params.p = 'v'", "param:p = 'v'"],
    ['!=', "params.p != 'v'", "param:p != 'v'"],
    ['<> (as !=)', "params.p <> 'v'", "param:p != 'v'"],
    ['<', 'metrics.m < 1', 'metric:m < 1'],
    ['<=', 'metrics.m <= 1', 'metric:m <= 1'],
    ['>', 'metrics.m > -1.5', 'metric:m > -1.5'],
    ['>=', 'metrics.m >= 1e-3', 'metric:m >= 0.001'],
    ['LIKE', "tags.t LIKE 'a%'", "tag:t LIKE 'a%'"],
    ['ILIKE', "tags.t ILIKE 'A%'", "tag:t ILIKE 'A%'"],
    ['NOT LIKE', "tags.t NOT LIKE 'a%'", "tag:t NOT LIKE 'a%'"],
    ['NOT ILIKE', "tags.t NOT ILIKE 'a%'", "tag:t NOT ILIKE 'a%'"],
    ['IN', "attributes.status IN ('FINISHED', 'FAILED')", "attribute:status IN ['FINISHED','FAILED']"],
    ['NOT IN', 'metrics.m NOT IN (1, 2.5)', 'metric:m NOT IN [1,2.5]'],
  ])('operator %s', (_label, text, expected) => {
    expect(show(parseSearch(text).where)).toBe(expected);
  });

  it('takes every field prefix and its aliases', () => {
    expect(show(parseSearch("metric.a = 1 AND param.b = 'x' AND tag.c = 'y' AND attribute.status = 'z' AND run.name = 'n' AND dataset.name = 'd'").where)).toBe(
      "and(metric:a = 1, param:b = 'x', tag:c = 'y', attribute:status = 'z', attribute:name = 'n', dataset:name = 'd')",
    );
  });

  describe('quoting', () => {
    it('keys with dots, slashes, dashes and colons need no quotes', () => {
      expect(show(parseSearch('metrics.val/loss.ema-2:x < 1').where)).toBe('metric:val/loss.ema-2:x < 1');
    });
    it('keys with spaces or operators go in backticks or double quotes', () => {
      expect(show(parseSearch('metrics.`f1 score` > 0.5 AND metrics."a=b" < 1').where)).toBe('and(metric:f1 score > 0.5, metric:a=b < 1)');
    });
    it('strings take single or double quotes; a doubled or backslashed quote is literal', () => {
      expect(show(parseSearch("params.p = 'it''s' OR params.q = \"say \"\"hi\"\"\" OR params.r = 'a\\'b'").where)).toBe(`or(param:p = 'it's', param:q = 'say "hi"', param:r = 'a'b')`);
    });
    it('keeps keywords and operators inside strings as text', () => {
      expect(show(parseSearch("tags.note = 'a AND b OR (c)'").where)).toBe("tag:note = 'a AND b OR (c)'");
    });
  });

  describe('ORDER BY', () => {
    it('follows the filter, with several terms and directions', () => {
      const parsed = parseSearch("params.p = 'x' ORDER BY metrics.f1 DESC, attributes.start_time, params.lr ASC");
      expect(parsed.orderBy.map((o) => `${o.field.entity}:${o.field.key}:${o.descending ? 'desc' : 'asc'}`)).toEqual(['metric:f1:desc', 'attribute:start_time:asc', 'param:lr:asc']);
    });
    it('stands alone without a filter', () => {
      const parsed = parseSearch('ORDER BY metrics.f1 DESC');
      expect(parsed.where).toBeNull();
      expect(parsed.orderBy).toHaveLength(1);
    });
    it('parses separate order-by entries', () => {
      expect(parseOrderBy('metrics.`f1 score` DESC')).toEqual([{ field: { entity: 'metric', key: 'f1 score', pos: 0 }, descending: true }]);
    });
    it('an empty filter is no filter', () => {
      expect(parseSearch('   ')).toEqual({ where: null, orderBy: [] });
    });
  });

  describe('malformed input names the position', () => {
    it.each([
      ['a missing value', 'metrics.accuracy >', 18, 'expected a value'],
      ['a missing operator', 'metrics.accuracy 0.9', 17, 'expected a comparison operator'],
      ['a dangling AND', "params.p = 'x' AND", 18, 'expected a field'],
      ['an unclosed parenthesis', "(params.p = 'x'", 15, 'expected ")" to close the "(" at position 0'],
      ['a stray closing parenthesis', "params.p = 'x')", 14, 'expected AND, OR, ORDER BY'],
      ['an unterminated string', "params.p = 'adam", 11, 'unterminated string'],
      ['a bare word as field', "optimizer = 'adam'", 0, '"optimizer" is not a field'],
      ['an unknown character', 'metrics.a ~ 1', 10, 'unexpected character "~"'],
      ['a missing key', 'metrics. > 1', 8, 'expected a key'],
      ['NOT without LIKE or IN', "params.p NOT = 'x'", 13, 'LIKE, ILIKE or IN after NOT'],
      ['IN without a list', "params.p IN 'x'", 12, '"(" to start the IN list'],
      ['an unclosed IN list', "params.p IN ('x', 'y'", 21, '"," or ")" in the IN list'],
      ['ORDER without BY', 'ORDER metrics.a', 6, 'expected BY'],
      ['a malformed number', 'metrics.a > 1.2.3', 15, 'expected AND, OR'],
      ['a number glued to a word', 'metrics.a > 12abc', 12, 'malformed number'],
      ['two comparisons without AND', "params.a = 'x' params.b = 'y'", 15, 'expected AND, OR, ORDER BY'],
    ])('%s', (_label, text, position, message) => {
      const e = syntaxError(text);
      expect(e.position).toBe(position);
      expect(e.message).toContain(message);
      expect(e.message).toContain(`at position ${position}`);
    });

    it('limits the number of comparisons and the nesting depth', () => {
      const many = Array.from({ length: MAX_COMPARISONS + 1 }, (_, i) => `metrics.m${i} > 0`).join(' OR ');
      expect(syntaxError(many).message).toContain(`at most ${MAX_COMPARISONS} comparisons`);
      expect(syntaxError(`${'('.repeat(30)}metrics.a > 1${')'.repeat(30)}`).message).toContain('nest deeper');
    });
  });
});
