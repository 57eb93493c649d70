import { MlflowInvalidParameter } from './mlflow-args';

/**
 * MLflow's search grammar for experiments, registered models and model versions (not runs): comparisons
 * joined by AND (case-insensitive), each `<identifier> <comparator> <value>`. An identifier is an attribute
 * (`name`, optionally `attribute.name`) or a tag (`tags.<key>`; a key with odd characters in backticks or
 * quotes, and a key may contain dots). Values are quoted strings ('…' or "…"), numbers, or for `IN` a
 * parenthesised list of quoted strings. Which keys and comparators apply is per grammar.
 */
export type MlflowAttributeKind = 'string' | 'numeric' | 'list';

export interface MlflowFilterGrammar {
  /** What is searched, for messages: "experiments", "registered models", … */
  what: string;
  /** Attribute keys and their kind: string (=, !=, LIKE, ILIKE), numeric (=, !=, <, <=, >, >=), list (string + IN). */
  attributes: Readonly<Record<string, MlflowAttributeKind>>;
  /** Whether `tags.<key>` comparisons are allowed (=, !=, LIKE, ILIKE). */
  tags: boolean;
}

export type MlflowComparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN';

export interface MlflowComparison {
  type: 'attribute' | 'tag';
  key: string;
  comparator: MlflowComparator;
  value: string | number | string[];
}

export interface MlflowOrderBy {
  key: string;
  ascending: boolean;
}

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; quote: '"' | "'" | '`'; at: number }
  | { t: 'number'; v: number; raw: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'punct'; v: '.' | '(' | ')' | ','; at: number };

const STRING_COMPARATORS: readonly MlflowComparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMERIC_COMPARATORS: readonly MlflowComparator[] = ['=', '!=', '<', '<=', '>', '>='];
const ATTRIBUTE_PREFIXES = new Set(['attribute', 'attributes', 'attr']);
const TAG_PREFIXES = new Set(['tag', 'tags']);

function invalid(message: string): never {
  throw new MlflowInvalidParameter(message);
}

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i;
      let v = '';
      i++;
      for (;;) {
        if (i >= input.length) invalid(`Invalid filter '${input}': unterminated ${c} quote at position ${start + 1}`);
        const d = input.charAt(i);
        if (d === '\\' && i + 1 < input.length) {
          v += input.charAt(i + 1);
          i += 2;
        } else if (d === c && input.charAt(i + 1) === c) {
          v += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: 'string', v, quote: c, at: start });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(input.charAt(i + 1)))) {
      const m = /^-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(input.slice(i));
      const raw = m?.[0] ?? c;
      out.push({ t: 'number', v: Number(raw), raw, at: i });
      i += raw.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const raw = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i))?.[0] ?? c;
      out.push({ t: 'word', v: raw, at: i });
      i += raw.length;
    } else if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = input.slice(i, i + 2);
      const v = ['!=', '<=', '>=', '<>', '=='].includes(two) ? two : c;
      if (v === '!') invalid(`Invalid filter '${input}': unexpected '!' at position ${i + 1}`);
      out.push({ t: 'op', v: v === '<>' ? '!=' : v === '==' ? '=' : v, at: i });
      i += v.length;
    } else if (c === '.' || c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c, at: i });
      i++;
    } else {
      invalid(`Invalid filter '${input}': unexpected character '${c}' at position ${i + 1}`);
    }
  }
  return out;
}

const isWord = (tok: Token | undefined, word: string): boolean => tok?.t === 'word' && tok.v.toUpperCase() === word;

class Cursor {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  next(): Token | undefined {
    return this.tokens[this.i++];
  }

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  fail(expected: string): never {
    const tok = this.peek();
    const where = tok ? `at position ${tok.at + 1}` : 'at the end';
    return invalid(`Invalid filter '${this.source}': expected ${expected} ${where}`);
  }
}

/** `a.b.c`, `tags.\`my key\``, `tags."k"`: segments joined by dots, quoted segments taken literally. */
function identifier(cur: Cursor): string[] {
  const segments: string[] = [];
  for (;;) {
    const tok = cur.peek();
    if (tok?.t === 'word' || tok?.t === 'string') {
      cur.next();
      segments.push(tok.v);
    } else {
      cur.fail(segments.length ? 'a key after "."' : 'an identifier such as name or tags.<key>');
    }
    if (cur.peek()?.t === 'punct' && cur.peek()?.v === '.') cur.next();
    else return segments;
  }
}

/** Splits an identifier into its entity type and key the way MLflow does: the first segment is the type when there are more. */
function resolveIdentifier(segments: string[], grammar: Pick<MlflowFilterGrammar, 'what' | 'tags'>, validKeys: readonly string[], source: string): { type: 'attribute' | 'tag'; key: string } {
  const [first, ...rest] = segments as [string, ...string[]];
  let type: 'attribute' | 'tag' = 'attribute';
  let key = first;
  if (rest.length) {
    const prefix = first.toLowerCase();
    if (TAG_PREFIXES.has(prefix) && grammar.tags) type = 'tag';
    else if (!ATTRIBUTE_PREFIXES.has(prefix)) {
      invalid(`Invalid entity type '${first}' in '${source}'. Valid entity types for searching ${grammar.what} are ${grammar.tags ? "'attribute' and 'tags'" : "'attribute'"}`);
    }
    key = rest.join('.');
  }
  if (type === 'attribute' && !validKeys.includes(key)) invalid(`Invalid attribute key '${key}' specified. Valid keys are ${validKeys.map((k) => `'${k}'`).join(', ')}`);
  if (type === 'tag' && key === '') invalid(`Invalid filter '${source}': a tag key must not be empty`);
  return { type, key };
}

function comparatorOf(cur: Cursor): MlflowComparator {
  const tok = cur.peek();
  if (tok?.t === 'op') {
    cur.next();
    return tok.v as MlflowComparator;
  }
  if (tok?.t === 'word') {
    const w = tok.v.toUpperCase();
    if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') {
      cur.next();
      return w;
    }
    if (w === 'NOT') invalid(`Invalid comparator 'NOT ${String(cur.peek(1)?.v ?? '')}': NOT IN and NOT LIKE are not supported here`);
  }
  return cur.fail('a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE or IN)');
}

function stringList(cur: Cursor): string[] {
  const open = cur.next();
  if (open?.t !== 'punct' || open.v !== '(') cur.fail("a parenthesised list of quoted strings, e.g. ('a', 'b')");
  const values: string[] = [];
  for (;;) {
    const tok = cur.next();
    if (tok?.t !== 'string' || tok.quote === '`') cur.fail('a quoted string in the IN list');
    values.push(tok.v);
    const sep = cur.next();
    if (sep?.t === 'punct' && sep.v === ')') return values;
    if (sep?.t !== 'punct' || sep.v !== ',') cur.fail("',' or ')' in the IN list");
  }
}

function comparison(cur: Cursor, grammar: MlflowFilterGrammar, source: string): MlflowComparison {
  const { type, key } = resolveIdentifier(identifier(cur), grammar, Object.keys(grammar.attributes), source);
  const comparator = comparatorOf(cur);
  const kind: MlflowAttributeKind | 'tag' = type === 'tag' ? 'tag' : (grammar.attributes[key] as MlflowAttributeKind);
  const allowed = kind === 'numeric' ? NUMERIC_COMPARATORS : kind === 'list' ? [...STRING_COMPARATORS, 'IN'] : STRING_COMPARATORS;
  const subject = type === 'tag' ? `tag '${key}'` : `attribute '${key}'`;
  if (!allowed.includes(comparator)) invalid(`Invalid comparator '${comparator}' for ${subject}: expected one of ${allowed.join(', ')}`);
  if (comparator === 'IN') return { type, key, comparator, value: stringList(cur) };
  const tok = cur.next();
  if (kind === 'numeric') {
    if (tok?.t !== 'number' || !Number.isFinite(tok.v)) return invalid(`Expected a numeric value for ${subject} in '${source}'. Found ${tok ? JSON.stringify(tok.t === 'number' ? tok.raw : tok.v) : 'nothing'}`);
    return { type, key, comparator, value: tok.v };
  }
  if (tok?.t !== 'string' || tok.quote === '`') return invalid(`Expected a quoted string value for ${subject} (e.g. 'my-value') in '${source}'. Found ${tok ? JSON.stringify(tok.t === 'number' ? tok.raw : tok.v) : 'nothing'}`);
  return { type, key, comparator, value: tok.v };
}

/** Parses a filter string; an empty or blank filter matches everything. Malformed → MlflowInvalidParameter (400 INVALID_PARAMETER_VALUE). */
export function parseMlflowFilter(filter: string | undefined, grammar: MlflowFilterGrammar): MlflowComparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  const cur = new Cursor(tokenize(filter), filter);
  const out: MlflowComparison[] = [comparison(cur, grammar, filter)];
  while (!cur.done()) {
    if (!isWord(cur.peek(), 'AND')) cur.fail("'AND' between comparisons (OR is not supported)");
    cur.next();
    out.push(comparison(cur, grammar, filter));
  }
  return out;
}

/** `order_by` entries: `<attribute> [ASC|DESC]` (ASC by default); `aliases` maps alternative keys onto canonical ones. */
export function parseMlflowOrderBy(orderBy: readonly string[], what: string, validKeys: readonly string[], aliases: Readonly<Record<string, string>> = {}): MlflowOrderBy[] {
  return orderBy.map((clause) => {
    const cur = new Cursor(tokenize(clause), clause);
    if (cur.done()) invalid(`Invalid order_by clause '${clause}': expected <attribute> [ASC|DESC]`);
    const accepted = [...validKeys, ...Object.keys(aliases)];
    const { key } = resolveIdentifier(identifier(cur), { what, tags: false }, accepted, clause);
    let ascending = true;
    const dir = cur.next();
    if (dir) {
      if (isWord(dir, 'DESC')) ascending = false;
      else if (!isWord(dir, 'ASC')) invalid(`Invalid order_by clause '${clause}': expected ASC or DESC after '${key}'`);
    }
    if (!cur.done()) invalid(`Invalid order_by clause '${clause}': unexpected text after the direction`);
    return { key: aliases[key] ?? key, ascending };
  });
}

/** MLflow's page tokens: base64 of {"offset": n}, an offset into the ordered result. */
export function encodeOffsetToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeOffsetToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return invalid(`Invalid page token '${token}': could not base64-decode and parse it`);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return invalid(`Invalid page token '${token}': expected a non-negative integer offset`);
  return offset;
}

/**
 * A comparison as a SQL condition on `lhs` (PostgreSQL): `param` registers a value and returns its
 * placeholder. Numeric values compare as numbers, IN as `= ANY(text[])`, LIKE/ILIKE as SQL's own.
 */
export function mlflowSqlCondition(lhs: string, c: Pick<MlflowComparison, 'comparator' | 'value'>, param: (value: unknown) => string): string {
  switch (c.comparator) {
    case 'IN':
      return `${lhs} = ANY(${param(c.value)}::text[])`;
    case 'LIKE':
    case 'ILIKE':
      return `${lhs} ${c.comparator} ${param(c.value)}`;
    default:
      return typeof c.value === 'number' ? `${lhs} ${c.comparator} ${param(c.value)}::float8` : `${lhs} ${c.comparator} ${param(c.value)}::text`;
  }
}

/** A timestamptz column as MLflow's epoch milliseconds (what the API reports), for comparisons and ordering. */
export function epochMillisSql(column: string): string {
  return `floor(extract(epoch from ${column}) * 1000)`;
}
