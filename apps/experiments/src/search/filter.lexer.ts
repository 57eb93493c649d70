import { FilterSyntaxError } from './filter.ast';

export type TokenType = 'field' | 'word' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma' | 'eof';

export interface Token {
  type: TokenType;
  /** Keywords upper-cased; strings unquoted; fields as "<prefix>" with `key` set. */
  text: string;
  key?: string;
  pos: number;
}

const PREFIXES = new Set(['metrics', 'metric', 'params', 'param', 'parameters', 'parameter', 'tags', 'tag', 'attributes', 'attribute', 'attr', 'run', 'datasets', 'dataset']);
// Characters that end an unquoted key: whitespace, operators, parentheses, commas and quotes.
const KEY_END = /[\s=!<>(),'"`]/;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/y;

/** Splits a filter into tokens. Quoted text is never interpreted: it becomes a string or key, whatever it holds. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c, pos: start });
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ type: 'op', text: two === '<>' ? '!=' : two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ type: 'op', text: c, pos: start });
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, i, c);
      tokens.push({ type: 'string', text: value, pos: start });
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num && (c === '-' || c === '.' || /\d/.test(c))) {
      const after = text.charAt(i + num[0].length);
      if (after && /[A-Za-z_]/.test(after)) throw new FilterSyntaxError(`malformed number "${num[0]}${after}"`, start, text);
      tokens.push({ type: 'number', text: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word) {
      const w = word[0];
      i += w.length;
      if (text.charAt(i) === '.' && PREFIXES.has(w.toLowerCase())) {
        i++;
        const { key, end } = readKey(text, i);
        tokens.push({ type: 'field', text: w.toLowerCase(), key, pos: start });
        i = end;
        continue;
      }
      tokens.push({ type: 'word', text: w.toUpperCase(), key: w, pos: start });
      continue;
    }
    throw new FilterSyntaxError(`unexpected character "${c}"`, start, text);
  }
  tokens.push({ type: 'eof', text: '', pos: text.length });
  return tokens;
}

/** A quoted string; the quote character doubled, or escaped with a backslash, stands for itself. */
function readQuoted(text: string, start: number, quote: string): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length) {
      out += text.charAt(i + 1);
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text.charAt(i + 1) === quote) {
        out += quote;
        i += 2;
        continue;
      }
      return { value: out, end: i + 1 };
    }
    out += c;
    i++;
  }
  throw new FilterSyntaxError(`unterminated string (opened with ${quote})`, start, text);
}

/** The key after "metrics.": backtick- or double-quoted, or a run of characters up to whitespace or an operator. */
function readKey(text: string, start: number): { key: string; end: number } {
  const c = text.charAt(start);
  if (c === '`' || c === '"') {
    const { value, end } = readQuoted(text, start, c);
    if (!value) throw new FilterSyntaxError('empty key', start, text);
    return { key: value, end };
  }
  let i = start;
  while (i < text.length && !KEY_END.test(text.charAt(i))) i++;
  if (i === start) throw new FilterSyntaxError('expected a key after "."', start, text);
  return { key: text.slice(start, i), end: i };
}
