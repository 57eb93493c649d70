import { Comparator, Comparison, Entity, Expr, Field, FilterSyntaxError, Literal, OrderTerm, ParsedSearch } from './filter.ast';
import { Token, tokenize } from './filter.lexer';

const ENTITY_BY_PREFIX: Readonly<Record<string, Entity>> = {
  metrics: 'metric', metric: 'metric',
  params: 'param', param: 'param', parameters: 'param', parameter: 'param',
  tags: 'tag', tag: 'tag',
  attributes: 'attribute', attribute: 'attribute', attr: 'attribute', run: 'attribute',
  datasets: 'dataset', dataset: 'dataset',
};

/** The most operands a filter may combine, and the deepest nesting: bounds on the SQL it compiles to. */
export const MAX_COMPARISONS = 50;
export const MAX_DEPTH = 20;
export const MAX_IN_VALUES = 500;

/**
 * Recursive descent over:
 *   search  := [or] [ORDER BY term {, term}] EOF
 *   or      := and {OR and}            -- AND binds tighter than OR
 *   and     := primary {AND primary}
 *   primary := '(' or ')' | field op literal | field [NOT] IN '(' literal {, literal} ')'
 *   term    := field [ASC | DESC]
 */
class Parser {
  private i = 0;
  private comparisons = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parseSearch(): ParsedSearch {
    let where: Expr | null = null;
    if (!this.atWord('ORDER') && this.peek().type !== 'eof') where = this.parseOr(0);
    const orderBy = this.atWord('ORDER') ? this.parseOrderClause() : [];
    const t = this.peek();
    if (t.type !== 'eof') throw this.error(this.describeUnexpected(t, where ? 'AND, OR, ORDER BY or the end of the filter' : 'a comparison'), t.pos);
    return { where, orderBy };
  }

  parseOrderTerms(): OrderTerm[] {
    const terms = this.parseTermList();
    const t = this.peek();
    if (t.type !== 'eof') throw this.error(this.describeUnexpected(t, '",", ASC, DESC or the end'), t.pos);
    return terms;
  }

  private parseOrderClause(): OrderTerm[] {
    this.next(); // ORDER
    this.expectWord('BY');
    return this.parseTermList();
  }

  private parseTermList(): OrderTerm[] {
    const terms: OrderTerm[] = [];
    do {
      const field = this.parseField();
      let descending = false;
      if (this.atWord('ASC') || this.atWord('DESC')) descending = this.next().text === 'DESC';
      terms.push({ field, descending });
    } while (this.accept('comma'));
    return terms;
  }

  private parseOr(depth: number): Expr {
    const operands = [this.parseAnd(depth)];
    while (this.atWord('OR')) {
      this.next();
      operands.push(this.parseAnd(depth));
    }
    return operands.length === 1 ? (operands[0] as Expr) : { kind: 'or', operands };
  }

  private parseAnd(depth: number): Expr {
    const operands = [this.parsePrimary(depth)];
    while (this.atWord('AND')) {
      this.next();
      operands.push(this.parsePrimary(depth));
    }
    return operands.length === 1 ? (operands[0] as Expr) : { kind: 'and', operands };
  }

  private parsePrimary(depth: number): Expr {
    const t = this.peek();
    if (t.type === 'lparen') {
      if (depth >= MAX_DEPTH) throw this.error(`parentheses nest deeper than ${MAX_DEPTH}`, t.pos);
      this.next();
      const inner = this.parseOr(depth + 1);
      const close = this.peek();
      if (close.type !== 'rparen') throw this.error(this.describeUnexpected(close, '")" to close the "(" at position ' + t.pos), close.pos);
      this.next();
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): Comparison {
    const field = this.parseField();
    if (++this.comparisons > MAX_COMPARISONS) throw this.error(`a filter holds at most ${MAX_COMPARISONS} comparisons`, field.pos);
    const t = this.peek();
    const opPos = t.pos;
    if (t.type === 'op') {
      this.next();
      return { kind: 'compare', field, op: t.text as Comparator, opPos, value: this.parseLiteral() };
    }
    if (this.atWord('LIKE') || this.atWord('ILIKE')) {
      this.next();
      return { kind: 'compare', field, op: t.text as Comparator, opPos, value: this.parseLiteral() };
    }
    if (this.atWord('IN')) {
      this.next();
      return { kind: 'in', field, negated: false, opPos, values: this.parseList() };
    }
    if (this.atWord('NOT')) {
      this.next();
      const after = this.peek();
      if (after.type === 'word' && (after.text === 'LIKE' || after.text === 'ILIKE')) {
        this.next();
        return { kind: 'compare', field, op: `NOT ${after.text}` as Comparator, opPos, value: this.parseLiteral() };
      }
      if (after.type === 'word' && after.text === 'IN') {
        this.next();
        return { kind: 'in', field, negated: true, opPos, values: this.parseList() };
      }
      throw this.error(this.describeUnexpected(after, 'LIKE, ILIKE or IN after NOT'), after.pos);
    }
    throw this.error(this.describeUnexpected(t, 'a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)'), t.pos);
  }

  private parseField(): Field {
    const t = this.peek();
    if (t.type === 'field') {
      this.next();
      const entity = ENTITY_BY_PREFIX[t.text];
      if (!entity) throw this.error(`unknown field prefix "${t.text}"`, t.pos);
      return { entity, key: t.key ?? '', pos: t.pos };
    }
    if (t.type === 'word' && t.key) {
      throw this.error(`"${t.key}" is not a field; write metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<name|digest|context>`, t.pos);
    }
    throw this.error(this.describeUnexpected(t, 'a field such as metrics.accuracy'), t.pos);
  }

  private parseList(): Literal[] {
    const open = this.peek();
    if (open.type !== 'lparen') throw this.error(this.describeUnexpected(open, '"(" to start the IN list'), open.pos);
    this.next();
    const values = [this.parseLiteral()];
    while (this.accept('comma')) values.push(this.parseLiteral());
    if (values.length > MAX_IN_VALUES) throw this.error(`an IN list holds at most ${MAX_IN_VALUES} values`, open.pos);
    const close = this.peek();
    if (close.type !== 'rparen') throw this.error(this.describeUnexpected(close, '"," or ")" in the IN list'), close.pos);
    this.next();
    return values;
  }

  private parseLiteral(): Literal {
    const t = this.peek();
    if (t.type === 'string') {
      this.next();
      return { type: 'string', value: t.text, pos: t.pos };
    }
    if (t.type === 'number') {
      this.next();
      const value = Number(t.text);
      if (!Number.isFinite(value)) throw this.error(`number ${t.text} is out of range`, t.pos);
      return { type: 'number', value, pos: t.pos };
    }
    throw this.error(this.describeUnexpected(t, "a value (a number or a 'quoted string')"), t.pos);
  }

  private describeUnexpected(t: Token, expected: string): string {
    if (t.type === 'eof') return `expected ${expected} but the filter ended`;
    const shown = t.type === 'field' ? `${t.text}.${t.key ?? ''}` : t.type === 'string' ? `'${t.text}'` : (t.key ?? t.text);
    return `expected ${expected}, found "${shown}"`;
  }

  private peek(): Token {
    return this.tokens[this.i] ?? { type: 'eof', text: '', pos: this.text.length };
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private atWord(word: string): boolean {
    const t = this.peek();
    return t.type === 'word' && t.text === word;
  }

  private accept(type: Token['type']): boolean {
    if (this.peek().type !== type) return false;
    this.next();
    return true;
  }

  private expectWord(word: string): void {
    const t = this.peek();
    if (!this.atWord(word)) throw this.error(this.describeUnexpected(t, word), t.pos);
    this.next();
  }

  private error(reason: string, pos: number): FilterSyntaxError {
    return new FilterSyntaxError(reason, pos, this.text);
  }
}

/** Parses a filter (with an optional trailing ORDER BY). Throws FilterSyntaxError with the position. */
export function parseSearch(text: string): ParsedSearch {
  return new Parser(text, tokenize(text)).parseSearch();
}

/** Parses one order-by entry such as "metrics.f1 DESC". */
export function parseOrderBy(text: string): OrderTerm[] {
  return new Parser(text, tokenize(text)).parseOrderTerms();
}
