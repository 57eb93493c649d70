/** The search DSL's syntax tree. Positions are 0-based character offsets into the text given. */
export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export interface Field {
  entity: Entity;
  key: string;
  pos: number;
}

export type Literal = { type: 'string'; value: string; pos: number } | { type: 'number'; value: number; pos: number };

export const COMPARATORS = ['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'NOT LIKE', 'NOT ILIKE'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export type Comparison =
  | { kind: 'compare'; field: Field; op: Comparator; opPos: number; value: Literal }
  | { kind: 'in'; field: Field; negated: boolean; opPos: number; values: Literal[] };

export type Expr = Comparison | { kind: 'and' | 'or'; operands: Expr[] };

export interface OrderTerm {
  field: Field;
  descending: boolean;
}

export interface ParsedSearch {
  where: Expr | null;
  orderBy: OrderTerm[];
}

/** A filter the server cannot understand: the message says what was expected and where. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly text: string,
  ) {
    super(`${reason} at position ${position}${FilterSyntaxError.near(text, position)}`);
    this.name = 'FilterSyntaxError';
  }

  private static near(text: string, position: number): string {
    if (position >= text.length) return ' (end of filter)';
    const snippet = text.slice(position, position + 20);
    return ` (near "${snippet}${text.length > position + 20 ? '…' : ''}")`;
  }
}
