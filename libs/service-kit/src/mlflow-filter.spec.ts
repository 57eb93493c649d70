import { MlflowInvalidParameter } from './mlflow-args';
import { decodeOffsetToken, encodeOffsetToken, MlflowFilterGrammar, mlflowSqlCondition, parseMlflowFilter, parseMlflowOrderBy } from './mlflow-filter';

const experiments: MlflowFilterGrammar = { what: 'experiments', attributes: { name: 'string', creation_time: 'numeric', last_update_time: 'numeric' }, tags: true };
const versions: MlflowFilterGrammar = { what: 'model versions', attributes: { name: 'string', version_number: 'numeric', run_id: 'list', source_path: 'string' }, tags: true };

function refused(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowInvalidParameter);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('MLflow search filter grammar', () => {
  it('treats an absent or blank filter as matching everything', () => {
    expect(parseMlflowFilter(undefined, experiments)).toEqual([]);
    expect(parseMlflowFilter('   ', experiments)).toEqual([]);
  });

  it('parses attributes with or without the attribute prefix, and tags, joined by AND in any case', () => {
    expect(parseMlflowFilter("name = 'a' and attribute.name != \"b\" AND attributes.name ILIKE '%C%' and tags.team LIKE 'gro%'", experiments)).toEqual([
      { type: 'attribute', key: 'name', comparator: '=', value: 'a' },
      { type: 'attribute', key: 'name', comparator: '!=', value: 'b' },
      { type: 'attribute', key: 'name', comparator: 'ILIKE', value: '%C%' },
      { type: 'tag', key: 'team', comparator: 'LIKE', value: 'gro%' },
    ]);
  });

  it('compares times as numbers with every numeric comparator', () => {
    expect(parseMlflowFilter('creation_time >= 1700000000000 AND last_update_time < 1800000000000 and creation_time != 5', experiments).map((c) => [c.key, c.comparator, c.value])).toEqual([
      ['creation_time', '>=', 1700000000000],
      ['last_update_time', '<', 1800000000000],
      ['creation_time', '!=', 5],
    ]);
  });

  it('takes quoted and dotted tag keys, and quotes inside values', () => {
    expect(parseMlflowFilter("tags.`my key` = 'x' AND tags.mlflow.note.content = 'it''s' AND tags.\"k-1\" = 'it\\'s'", experiments)).toEqual([
      { type: 'tag', key: 'my key', comparator: '=', value: 'x' },
      { type: 'tag', key: 'mlflow.note.content', comparator: '=', value: "it's" },
      { type: 'tag', key: 'k-1', comparator: '=', value: "it's" },
    ]);
  });

  it('parses run_id IN lists for model versions, and version_number as a number', () => {
    expect(parseMlflowFilter("run_id IN ('a', 'b') and version_number > 2 and source_path LIKE 's3://%'", versions)).toEqual([
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] },
      { type: 'attribute', key: 'version_number', comparator: '>', value: 2 },
      { type: 'attribute', key: 'source_path', comparator: 'LIKE', value: 's3://%' },
    ]);
  });

  it.each([
    ['name', 'expected a comparator'],
    ["name = 'a' OR name = 'b'", "expected 'AND'"],
    ["name < 'a'", "Invalid comparator '<'"],
    ['name = a', 'Expected a quoted string value'],
    ["creation_time = '5'", 'Expected a numeric value'],
    ["creation_time LIKE '5%'", "Invalid comparator 'LIKE'"],
    ["owner = 'me'", "Invalid attribute key 'owner'"],
    ["metrics.rmse = '1'", "Invalid entity type 'metrics'"],
    ["name = 'unterminated", 'unterminated'],
    ["name IN ('a')", "Invalid comparator 'IN'"],
    ["name = 'a' AND", 'expected an identifier'],
    ["tags.k > 'a'", "Invalid comparator '>' for tag 'k'"],
    ["name = 'a' ; drop", "unexpected character ';'"],
  ])('refuses %s', (filter, message) => {
    expect(refused(() => parseMlflowFilter(filter, experiments))).toContain(message);
  });

  it('refuses an IN list that is not quoted strings, and IN on other attributes', () => {
    expect(refused(() => parseMlflowFilter('run_id IN (1, 2)', versions))).toContain('a quoted string in the IN list');
    expect(refused(() => parseMlflowFilter("name IN ('a')", versions))).toContain("Invalid comparator 'IN' for attribute 'name'");
  });
});

describe('MLflow order_by', () => {
  it('parses keys with optional prefix and direction, ASC by default, mapping aliases', () => {
    expect(parseMlflowOrderBy(['name', 'attribute.creation_time DESC', 'last_update_time asc'], 'experiments', ['name', 'creation_time', 'last_update_time'])).toEqual([
      { key: 'name', ascending: true },
      { key: 'creation_time', ascending: false },
      { key: 'last_update_time', ascending: true },
    ]);
    expect(parseMlflowOrderBy(['timestamp DESC'], 'registered models', ['name', 'last_updated_timestamp'], { timestamp: 'last_updated_timestamp' })).toEqual([{ key: 'last_updated_timestamp', ascending: false }]);
  });

  it('refuses unknown keys, tags and bad directions', () => {
    expect(refused(() => parseMlflowOrderBy(['owner'], 'experiments', ['name']))).toContain("Invalid attribute key 'owner'");
    expect(refused(() => parseMlflowOrderBy(['tags.x'], 'experiments', ['name']))).toContain("Invalid entity type 'tags'");
    expect(refused(() => parseMlflowOrderBy(['name SIDEWAYS'], 'experiments', ['name']))).toContain('expected ASC or DESC');
    expect(refused(() => parseMlflowOrderBy(['name DESC x'], 'experiments', ['name']))).toContain('unexpected text');
  });
});

describe('MLflow page tokens and SQL conditions', () => {
  it('round-trips offsets and refuses garbage', () => {
    expect(decodeOffsetToken(encodeOffsetToken(40))).toBe(40);
    expect(decodeOffsetToken(undefined)).toBe(0);
    expect(refused(() => decodeOffsetToken('not-a-token'))).toContain('Invalid page token');
    expect(refused(() => decodeOffsetToken(Buffer.from('{"offset":-1}').toString('base64')))).toContain('Invalid page token');
  });

  it('renders comparisons with placeholders only', () => {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    expect(mlflowSqlCondition('e.name', { comparator: 'ILIKE', value: "%'; x" }, p)).toBe('e.name ILIKE $1');
    expect(mlflowSqlCondition('v.run', { comparator: 'IN', value: ['a'] }, p)).toBe('v.run = ANY($2::text[])');
    expect(mlflowSqlCondition('t', { comparator: '>=', value: 3 }, p)).toBe('t >= $3::float8');
    expect(mlflowSqlCondition('n', { comparator: '!=', value: 'x' }, p)).toBe('n != $4::text');
    expect(params).toEqual(["%'; x", ['a'], 3, 'x']);
  });
});
