// Parser for ConnectWise query text (`conditions`, `childConditions`, `customFieldConditions`,
// `orderBy`, `fields`): text in, a typed AST or a positioned QueryError out. Never throws.
import { err, ok, type Result } from '../../platform/result.js';
import type {
  ComparisonOp,
  Condition,
  ConditionGroup,
  LikePart,
  Literal,
  OrderByTerm,
  QueryError,
} from './types.js';

/** Longer parameters are refused outright: they are never legitimate and only cost CPU. */
export const MAX_QUERY_LENGTH = 8000;
/** Parenthesis nesting limit, so hostile input cannot exhaust the stack of the recursive parser. */
export const MAX_NESTING_DEPTH = 64;
/**
 * Comparisons in one conditions / childConditions / customFieldConditions parameter. Each `and`/`or`
 * chain becomes one nested SQL expression: SQLite refuses trees deeper than 1,000 ("Expression tree
 * is too large"), and a query of this size is never written by hand or by a sane client.
 */
export const MAX_CONDITION_TERMS = 200;
/** Values in one `in (…)` list (each is a bound parameter). */
export const MAX_IN_LIST_VALUES = 1000;
/** Terms of one orderBy parameter (each is up to five SQL sort keys; SQLite allows 2,000 in all). */
export const MAX_ORDER_BY_TERMS = 20;

/** ConnectWise's own explanation appended to value/type errors (see connectwise-api.md §4.1). */
export const VALUE_SYNTAX_HINT =
  'String values should be enclosed with double or single quotes; DateTime values should be enclosed in square ' +
  'brackets; numbers should consist of only digits, and optionally a decimal point and a negation sign; boolean ' +
  'values should be indicated with the keywords true or false; null values should be indicated by the keyword null.';

const KIND_NAMES: Record<Literal['kind'], string> = {
  string: 'string',
  number: 'numeric',
  boolean: 'boolean',
  datetime: 'datetime',
  null: 'null',
};

/** ConnectWise's wording for a literal of the wrong type, e.g. "Expected a boolean value, not a numeric. …". */
export function typeMismatchMessage(expected: Literal['kind'], actual: Literal['kind']): string {
  return `Expected a ${KIND_NAMES[expected]} value, not a ${KIND_NAMES[actual]}. ${VALUE_SYNTAX_HINT}`;
}

/** TypeScript does not narrow `type === 'and' || type === 'or'` on this union; this guard does. */
export const isGroup = (node: Condition): node is ConditionGroup => node.type === 'and' || node.type === 'or';

/** Internal control flow only: every public entry point catches it and returns an error Result. */
class ParseFailure {
  constructor(
    readonly message: string,
    readonly position: number,
  ) {}
}

const IDENT_CHAR = /[A-Za-z0-9_]/;
const NUMBER_AT = /-?[0-9]+(?:\.[0-9]+)?/y;

const isIdentChar = (c: string | undefined): boolean => c !== undefined && IDENT_CHAR.test(c);
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

class Scanner {
  pos = 0;
  depth = 0;
  /** Comparisons read so far (MAX_CONDITION_TERMS). */
  terms = 0;

  constructor(
    readonly text: string,
    readonly parameter: string,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** A method, not a getter, so TypeScript does not narrow it across calls that move the cursor. */
  char(): string | undefined {
    return this.text[this.pos];
  }

  fail(message: string, position = this.pos): never {
    throw new ParseFailure(message, position);
  }

  skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  /** The identifier-like word at the cursor, without consuming it. */
  peekWord(): string {
    let end = this.pos;
    while (isIdentChar(this.text[end])) end++;
    return this.text.slice(this.pos, end);
  }

  /** Consumes `word` (case-insensitively) when it is the whole next word. */
  acceptWord(word: string): boolean {
    this.skipSpace();
    const next = this.peekWord();
    if (next.toLowerCase() !== word) return false;
    this.pos += next.length;
    return true;
  }

  /** A short description of what sits at `position`, for error messages. */
  found(position = this.pos): string {
    if (position >= this.text.length) return `the end of ${this.parameter}`;
    let end = position;
    while (isIdentChar(this.text[end])) end++;
    const token = end > position ? this.text.slice(position, end) : this.text.slice(position, position + 1);
    return `'${token.length > 24 ? `${token.slice(0, 24)}…` : token}'`;
  }

  identifier(what: string): string {
    this.skipSpace();
    const word = this.peekWord();
    if (word === '') this.fail(`Expected ${what} at position ${this.pos} but found ${this.found()}.`);
    this.pos += word.length;
    return word;
  }

  /** `a/b/c`; whitespace around the slashes is tolerated. */
  path(): string[] {
    const segments = [this.identifier('a field name')];
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      if (this.char() !== '/') {
        this.pos = save;
        return segments;
      }
      this.pos++;
      segments.push(this.identifier("a field name after '/'"));
    }
  }
}

function safely<T>(text: string, parameter: string, body: (s: Scanner) => T): Result<T, QueryError> {
  if (typeof text !== 'string') return err({ parameter, message: `${parameter} must be text.` });
  if (text.length > MAX_QUERY_LENGTH) {
    return err({
      parameter,
      message: `${parameter} is too long (${text.length} characters; the limit is ${MAX_QUERY_LENGTH}).`,
      position: MAX_QUERY_LENGTH,
    });
  }
  const scanner = new Scanner(text, parameter);
  try {
    return ok(body(scanner));
  } catch (e) {
    if (e instanceof ParseFailure) return err({ parameter, message: e.message, position: e.position });
    // Not expected (the grammar is bounded), but the contract is that parsing never throws.
    return err({ parameter, message: `${parameter} could not be parsed.`, position: scanner.pos });
  }
}

// ---------------------------------------------------------------------------------------------
// conditions

export function parseConditions(text: string, parameter = 'conditions'): Result<Condition, QueryError> {
  return safely(text, parameter, (s) => {
    s.skipSpace();
    if (s.atEnd) s.fail(`Expected a condition at position ${s.pos} but ${parameter} is empty.`);
    const condition = parseOr(s);
    s.skipSpace();
    if (!s.atEnd) {
      const what = s.char() === ')' ? "an unmatched ')'" : s.found();
      s.fail(`Expected 'and', 'or' or the end of ${parameter} at position ${s.pos} but found ${what}.`);
    }
    return condition;
  });
}

/** Builds an and/or node, merging operands of the same type so equal meanings give equal trees. */
function combine(type: 'and' | 'or', operands: Condition[]): Condition {
  if (operands.length === 1) return operands[0]!;
  const flat: Condition[] = [];
  for (const operand of operands) {
    if (operand.type === type) flat.push(...operand.operands);
    else flat.push(operand);
  }
  return { type, operands: flat };
}

// AND binds tighter than OR, as in SQL.
function parseOr(s: Scanner): Condition {
  const operands = [parseAnd(s)];
  while (s.acceptWord('or')) operands.push(parseAnd(s));
  return combine('or', operands);
}

function parseAnd(s: Scanner): Condition {
  const operands = [parseTerm(s)];
  while (s.acceptWord('and')) operands.push(parseTerm(s));
  return combine('and', operands);
}

function parseTerm(s: Scanner): Condition {
  s.skipSpace();
  if (s.char() !== '(') return parseComparison(s);
  const open = s.pos;
  if (++s.depth > MAX_NESTING_DEPTH) {
    s.fail(
      `Conditions are nested too deeply at position ${open} (more than ${MAX_NESTING_DEPTH} levels).`,
      open,
    );
  }
  s.pos++;
  const inner = parseOr(s);
  s.skipSpace();
  if (s.char() !== ')') {
    s.fail(
      `Expected 'and', 'or' or ')' at position ${s.pos} but found ${s.found()} (the '(' at position ${open} is not closed).`,
    );
  }
  s.pos++;
  s.depth--;
  return inner;
}

const SYMBOL_OPS: Array<[string, ComparisonOp]> = [
  // Longest first so `<=` is not read as `<` followed by `=`.
  ['<>', '!='],
  ['!=', '!='],
  ['<=', '<='],
  ['>=', '>='],
  ['=', '='],
  ['<', '<'],
  ['>', '>'],
];

const OPERATOR_LIST = '=, !=, <>, <, <=, >, >=, in, not in, like, not like, contains or not contains';

function parseComparison(s: Scanner): Condition {
  if (++s.terms > MAX_CONDITION_TERMS) {
    s.fail(
      `${s.parameter} has too many comparisons: the limit is ${MAX_CONDITION_TERMS} (position ${s.pos}).`,
    );
  }
  const path = parsePathForCondition(s);
  const name = path.join('/');
  s.skipSpace();
  const opAt = s.pos;
  for (const [symbol, op] of SYMBOL_OPS) {
    if (s.text.startsWith(symbol, s.pos)) {
      s.pos += symbol.length;
      const valueAt = nextTokenPosition(s);
      const value = parseValue(s);
      if (value.kind === 'null' && op !== '=' && op !== '!=') {
        s.fail(`null can only be compared with = or != (position ${valueAt}).`, valueAt);
      }
      return { type: 'compare', path, op, value };
    }
  }
  const word = s.peekWord().toLowerCase();
  let negated = false;
  let keyword = word;
  if (word === 'not') {
    s.pos += 3;
    s.skipSpace();
    keyword = s.peekWord().toLowerCase();
    if (keyword !== 'in' && keyword !== 'like' && keyword !== 'contains') {
      s.fail(`Expected in, like or contains after 'not' at position ${s.pos} but found ${s.found()}.`);
    }
    negated = true;
  }
  if (keyword === 'in') {
    s.pos += 2;
    return { type: 'in', path, negated, values: parseList(s) };
  }
  if (keyword === 'like' || keyword === 'contains') {
    s.pos += keyword.length;
    const valueAt = nextTokenPosition(s);
    const value = parseValue(s);
    if (value.kind !== 'string') s.fail(typeMismatchMessage('string', value.kind), valueAt);
    return { type: keyword, path, negated, pattern: value.value };
  }
  return s.fail(
    `Expected an operator (${OPERATOR_LIST}) after '${name}' at position ${opAt} but found ${s.found()}.`,
  );
}

function parsePathForCondition(s: Scanner): string[] {
  s.skipSpace();
  if (s.atEnd || !isIdentChar(s.char())) {
    const what = s.char() === ')' ? "')'" : s.found();
    s.fail(`Expected a field name or '(' at position ${s.pos} but found ${what}.`);
  }
  return s.path();
}

function nextTokenPosition(s: Scanner): number {
  s.skipSpace();
  return s.pos;
}

function parseList(s: Scanner): Literal[] {
  s.skipSpace();
  if (s.char() !== '(')
    s.fail(`Expected '(' starting the in list at position ${s.pos} but found ${s.found()}.`);
  const open = s.pos;
  s.pos++;
  s.skipSpace();
  if (s.char() === ')') s.fail(`The in list at position ${open} is empty.`, open);
  const values: Literal[] = [];
  for (;;) {
    const valueAt = nextTokenPosition(s);
    const value = parseValue(s);
    if (value.kind === 'null') {
      s.fail(`null is not allowed in an in list (position ${valueAt}); use = null instead.`, valueAt);
    }
    values.push(value);
    if (values.length > MAX_IN_LIST_VALUES)
      s.fail(`The in list at position ${open} has more than ${MAX_IN_LIST_VALUES} values.`, valueAt);
    s.skipSpace();
    if (s.char() === ',') {
      s.pos++;
      continue;
    }
    if (s.char() === ')') {
      s.pos++;
      return values;
    }
    s.fail(`Expected ',' or ')' in the in list at position ${s.pos} but found ${s.found()}.`);
  }
}

function parseValue(s: Scanner): Literal {
  s.skipSpace();
  const at = s.pos;
  const c = s.char();
  if (c === '"' || c === "'") return { kind: 'string', value: readString(s, c) };
  if (c === '[') {
    const close = s.text.indexOf(']', at + 1);
    if (close < 0) s.fail(`Unterminated datetime starting at position ${at}; expected ']'.`, at);
    const inner = s.text.slice(at + 1, close);
    const value = parseDateTime(inner);
    if (value === undefined) {
      s.fail(
        `Invalid datetime [${inner.length > 40 ? `${inner.slice(0, 40)}…` : inner}] at position ${at}; ` +
          'expected [YYYY-MM-DDTHH:MM:SSZ].',
        at,
      );
    }
    s.pos = close + 1;
    return { kind: 'datetime', value };
  }
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
    NUMBER_AT.lastIndex = at;
    const match = NUMBER_AT.exec(s.text);
    const end = match ? at + match[0].length : at;
    if (!match || isIdentChar(s.text[end]) || s.text[end] === '.') {
      let stop = at + 1;
      while (isIdentChar(s.text[stop]) || s.text[stop] === '.' || s.text[stop] === '-') stop++;
      s.fail(
        `Invalid number '${s.text.slice(at, Math.min(stop, at + 24))}' at position ${at}. ${VALUE_SYNTAX_HINT}`,
        at,
      );
    }
    const value = Number(match[0]);
    if (!Number.isFinite(value)) s.fail(`Number at position ${at} is out of range.`, at);
    s.pos = end;
    // -0 would print as 0; normalising keeps parse(print(x)) stable.
    return { kind: 'number', value: value === 0 ? 0 : value };
  }
  const word = s.peekWord();
  switch (word.toLowerCase()) {
    case 'true':
    case 'false':
      s.pos += word.length;
      return { kind: 'boolean', value: word.toLowerCase() === 'true' };
    case 'null':
      s.pos += word.length;
      return { kind: 'null' };
  }
  return s.fail(`Expected a value at position ${at} but found ${s.found()}. ${VALUE_SYNTAX_HINT}`, at);
}

/**
 * A quoted string. The delimiter may appear inside when doubled (`'it''s'`), as in SQL; ConnectWise
 * documents no escape, and a doubled quote was a syntax error anyway, so no valid input changes meaning.
 */
function readString(s: Scanner, quote: string): string {
  const open = s.pos;
  let from = open + 1;
  let value = '';
  for (;;) {
    const close = s.text.indexOf(quote, from);
    if (close < 0)
      s.fail(`Unterminated string starting at position ${open}; expected a closing ${quote}.`, open);
    value += s.text.slice(from, close);
    if (s.text[close + 1] === quote) {
      value += quote;
      from = close + 2;
      continue;
    }
    s.pos = close + 1;
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// datetimes

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Parses the datetime forms clients send (`2016-08-20T18:04:26Z`, without `Z`, with milliseconds or an
 * offset, `2024-01-01 00:00:00`, a bare date) into ConnectWise's `YYYY-MM-DDTHH:MM:SSZ` in UTC.
 * No zone means UTC. Fractions of a second are dropped: stored dates have second precision.
 * Returns undefined for anything else, including impossible dates such as 2023-02-29.
 */
export function parseDateTime(text: string): string | undefined {
  const m = DATETIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // leap year: February has 29
  const isLeap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && !isLeap ? 28 : daysInMonth)) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || '0');
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) return undefined;
  return (
    `${pad(y, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}Z`
  );
}

// ---------------------------------------------------------------------------------------------
// like patterns

/**
 * Splits a `like` pattern: `*` and `%` are "any run" (both are seen in the wild), and a single
 * character in brackets is that character literally — ConnectWise documents `[[]` for a literal `[`,
 * which is SQL Server's bracket rule; `[%]`, `[*]` and `[_]` follow from it. `_` and everything else is
 * literal (`_` as a one-character wildcard is undocumented; literal is the safer reading).
 */
export function parseLikePattern(pattern: string): LikePart[] {
  const parts: LikePart[] = [];
  let text = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*' || c === '%') {
      if (text) parts.push({ type: 'text', text });
      text = '';
      if (parts.at(-1)?.type !== 'any') parts.push({ type: 'any' });
    } else if (c === '[' && chars[i + 2] === ']' && chars[i + 1] !== undefined) {
      text += chars[i + 1];
      i += 2;
    } else {
      text += c;
    }
  }
  if (text) parts.push({ type: 'text', text });
  return parts;
}

// ---------------------------------------------------------------------------------------------
// orderBy and fields

/** `orderBy=contact/name asc, id desc`: comma-separated paths, each optionally `asc`/`desc` (default asc). */
export function parseOrderBy(text: string): Result<OrderByTerm[], QueryError> {
  return safely(text, 'orderBy', (s) => {
    const terms: OrderByTerm[] = [];
    s.skipSpace();
    if (s.atEnd) return terms;
    for (;;) {
      const path = s.path();
      let direction: 'asc' | 'desc' = 'asc';
      if (s.acceptWord('desc')) direction = 'desc';
      else s.acceptWord('asc');
      terms.push({ path, direction });
      if (terms.length > MAX_ORDER_BY_TERMS) s.fail(`orderBy has more than ${MAX_ORDER_BY_TERMS} terms.`);
      s.skipSpace();
      if (s.atEnd) return terms;
      if (s.char() !== ',')
        s.fail(`Expected ',', asc, desc or the end of orderBy at position ${s.pos} but found ${s.found()}.`);
      s.pos++;
    }
  });
}

/** `fields=id,name,status/id`: comma-separated paths. */
export function parseFields(text: string): Result<string[][], QueryError> {
  return safely(text, 'fields', (s) => {
    const paths: string[][] = [];
    s.skipSpace();
    if (s.atEnd) return paths;
    for (;;) {
      paths.push(s.path());
      s.skipSpace();
      if (s.atEnd) return paths;
      if (s.char() !== ',')
        s.fail(`Expected ',' or the end of fields at position ${s.pos} but found ${s.found()}.`);
      s.pos++;
    }
  });
}
