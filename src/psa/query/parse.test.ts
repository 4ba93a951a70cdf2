// Case tables and properties for the query-text parser (connectwise-api.md §4.1–4.3).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isGroup,
  MAX_CONDITION_TERMS,
  MAX_IN_LIST_VALUES,
  MAX_NESTING_DEPTH,
  MAX_ORDER_BY_TERMS,
  MAX_QUERY_LENGTH,
  parseConditions,
  parseDateTime,
  parseFields,
  parseLikePattern,
  parseOrderBy,
  VALUE_SYNTAX_HINT,
} from './parse.js';
import { formatCondition } from './print.js';
import type { ComparisonOp, Condition, Literal } from './types.js';

const str = (value: string): Literal => ({ kind: 'string', value });
const num = (value: number): Literal => ({ kind: 'number', value });
const bool = (value: boolean): Literal => ({ kind: 'boolean', value });
const dt = (value: string): Literal => ({ kind: 'datetime', value });
const NULL: Literal = { kind: 'null' };
const cmp = (path: string, op: ComparisonOp, value: Literal): Condition => ({
  type: 'compare',
  path: path.split('/'),
  op,
  value,
});
const inList = (path: string, values: Literal[], negated = false): Condition => ({
  type: 'in',
  path: path.split('/'),
  negated,
  values,
});
const like = (path: string, pattern: string, negated = false): Condition => ({
  type: 'like',
  path: path.split('/'),
  negated,
  pattern,
});
const contains = (path: string, pattern: string, negated = false): Condition => ({
  type: 'contains',
  path: path.split('/'),
  negated,
  pattern,
});
const and = (...operands: Condition[]): Condition => ({ type: 'and', operands });
const or = (...operands: Condition[]): Condition => ({ type: 'or', operands });

const README_EXAMPLE =
  '(contact/name like "Fred%" and closedFlag = false) and dateEntered > [2015-12-23T05:53:27Z] or summary contains "test" AND  summary != "Some Summary"';

describe('parseConditions accepts every construct of §4.1', () => {
  const cases: Array<[string, Condition]> = [
    // comparison operators, with and without whitespace
    ['id = 5', cmp('id', '=', num(5))],
    ['id=5', cmp('id', '=', num(5))],
    ['id != 5', cmp('id', '!=', num(5))],
    ['id<>5', cmp('id', '!=', num(5))],
    ['id < 5', cmp('id', '<', num(5))],
    ['id<=5', cmp('id', '<=', num(5))],
    ['id > 5', cmp('id', '>', num(5))],
    ['id>=5', cmp('id', '>=', num(5))],
    ['  id \t=\n 5  ', cmp('id', '=', num(5))],
    // numbers
    ['budget = -12.75', cmp('budget', '=', num(-12.75))],
    ['budget = 0.5', cmp('budget', '=', num(0.5))],
    ['budget = 007', cmp('budget', '=', num(7))],
    ['budget = -0', cmp('budget', '=', num(0))],
    // strings in both quote styles
    ['summary = "Printer"', cmp('summary', '=', str('Printer'))],
    ["summary = 'Printer'", cmp('summary', '=', str('Printer'))],
    [`summary = 'say "hi"'`, cmp('summary', '=', str('say "hi"'))],
    [`summary = "it's"`, cmp('summary', '=', str("it's"))],
    ['summary = ""', cmp('summary', '=', str(''))],
    [`summary = 'it''s'`, cmp('summary', '=', str("it's"))],
    ['summary="a (b) and c = d"', cmp('summary', '=', str('a (b) and c = d'))],
    ['summary = "C:\\temp"', cmp('summary', '=', str('C:\\temp'))],
    ['summary = "ünïcødé ✓"', cmp('summary', '=', str('ünïcødé ✓'))],
    // `+` is not a space here: the HTTP layer decodes the query string before the parser sees it.
    ['company/name="A+B"', cmp('company/name', '=', str('A+B'))],
    // booleans and null, any case
    ['closedFlag = true', cmp('closedFlag', '=', bool(true))],
    ['ClosedFlag = True', cmp('ClosedFlag', '=', bool(true))],
    ['closedFlag = FALSE', cmp('closedFlag', '=', bool(false))],
    ['contact = null', cmp('contact', '=', NULL)],
    ['value != NULL', cmp('value', '!=', NULL)],
    ['value !=null', cmp('value', '!=', NULL)],
    // datetimes in brackets
    ['lastUpdated > [2016-08-20T18:04:26Z]', cmp('lastUpdated', '>', dt('2016-08-20T18:04:26Z'))],
    ['lastUpdated > [2016-08-20T18:04:26]', cmp('lastUpdated', '>', dt('2016-08-20T18:04:26Z'))],
    ['lastUpdated > [2016-08-20T18:04:26.123Z]', cmp('lastUpdated', '>', dt('2016-08-20T18:04:26Z'))],
    ['lastUpdated > [2024-01-01 00:00:00]', cmp('lastUpdated', '>', dt('2024-01-01T00:00:00Z'))],
    ['lastUpdated > [2024-01-01]', cmp('lastUpdated', '>', dt('2024-01-01T00:00:00Z'))],
    ['lastUpdated > [2024-01-01T02:30:00+02:00]', cmp('lastUpdated', '>', dt('2024-01-01T00:30:00Z'))],
    ['lastUpdated > [ 2024-02-29t10:00:00z ]', cmp('lastUpdated', '>', dt('2024-02-29T10:00:00Z'))],
    ['LastUpdated = [2016-08-20T18:04:26Z]', cmp('LastUpdated', '=', dt('2016-08-20T18:04:26Z'))],
    // paths
    ['company/id = 250', cmp('company/id', '=', num(250))],
    ['_info/lastUpdated < [2020-01-01T00:00:00Z]', cmp('_info/lastUpdated', '<', dt('2020-01-01T00:00:00Z'))],
    ['Board/Id = 123', cmp('Board/Id', '=', num(123))],
    ['a/b/c/d = 1', cmp('a/b/c/d', '=', num(1))],
    ['company / name = "x"', cmp('company/name', '=', str('x'))],
    // in / not in
    ['board/id in (3, 2, 4)', inList('board/id', [num(3), num(2), num(4)])],
    ['board/id in(3,2,4)', inList('board/id', [num(3), num(2), num(4)])],
    ['priority/name in ("High", \'Critical\')', inList('priority/name', [str('High'), str('Critical')])],
    ['board/id not in (1)', inList('board/id', [num(1)], true)],
    ['board/id NOT  IN (1)', inList('board/id', [num(1)], true)],
    ['closedFlag in (true, false)', inList('closedFlag', [bool(true), bool(false)])],
    [
      'dateEntered in ([2020-01-01], [2020-01-02])',
      inList('dateEntered', [dt('2020-01-01T00:00:00Z'), dt('2020-01-02T00:00:00Z')]),
    ],
    // like with both wildcards, not like
    ['contact/name like "Fred%"', like('contact/name', 'Fred%')],
    ['contact/name like "Fred*"', like('contact/name', 'Fred*')],
    ['contact/name LIKE "*[[]x]*"', like('contact/name', '*[[]x]*')],
    ['contact/name not like "Fred*"', like('contact/name', 'Fred*', true)],
    ['contact/name like"x"', like('contact/name', 'x')],
    // contains, not contains, the developer guide's casing
    ['summary contains "test"', contains('summary', 'test')],
    ['Summary Not Contains "Low Priority"', contains('Summary', 'Low Priority', true)],
    ['summary  contains "a b"', contains('summary', 'a b')],
    // and / or, precedence, parentheses
    ['a = 1 and b = 2', and(cmp('a', '=', num(1)), cmp('b', '=', num(2)))],
    ['a = 1 AND b = 2 And c = 3', and(cmp('a', '=', num(1)), cmp('b', '=', num(2)), cmp('c', '=', num(3)))],
    ['a = 1 or b = 2 OR c = 3', or(cmp('a', '=', num(1)), cmp('b', '=', num(2)), cmp('c', '=', num(3)))],
    [
      'a = 1 or b = 2 and c = 3',
      or(cmp('a', '=', num(1)), and(cmp('b', '=', num(2)), cmp('c', '=', num(3)))),
    ],
    [
      'a = 1 and b = 2 or c = 3',
      or(and(cmp('a', '=', num(1)), cmp('b', '=', num(2))), cmp('c', '=', num(3))),
    ],
    [
      '(a = 1 or b = 2) and c = 3',
      and(or(cmp('a', '=', num(1)), cmp('b', '=', num(2))), cmp('c', '=', num(3))),
    ],
    ['((a = 1))', cmp('a', '=', num(1))],
    ['(a=1)and(b=2)', and(cmp('a', '=', num(1)), cmp('b', '=', num(2)))],
    ['a = "x"and b = 2', and(cmp('a', '=', str('x')), cmp('b', '=', num(2)))],
    // groups of the same operator merge: equal meaning, equal tree
    ['(a = 1 and b = 2) and c = 3', and(cmp('a', '=', num(1)), cmp('b', '=', num(2)), cmp('c', '=', num(3)))],
    [
      README_EXAMPLE,
      or(
        and(
          like('contact/name', 'Fred%'),
          cmp('closedFlag', '=', bool(false)),
          cmp('dateEntered', '>', dt('2015-12-23T05:53:27Z')),
        ),
        and(contains('summary', 'test'), cmp('summary', '!=', str('Some Summary'))),
      ),
    ],
    [
      'communicationItems/value like "john@Outlook.com" AND communicationItems/communicationType="Email"',
      and(
        like('communicationItems/value', 'john@Outlook.com'),
        cmp('communicationItems/communicationType', '=', str('Email')),
      ),
    ],
    [
      'caption="TomNumber" AND value != null',
      and(cmp('caption', '=', str('TomNumber')), cmp('value', '!=', NULL)),
    ],
    ['type/name != "Break Fix"', cmp('type/name', '!=', str('Break Fix'))],
  ];

  it.each(cases)('%s', (text, expected) => {
    expect(parseConditions(text)).toEqual({ ok: true, value: expected });
  });
});

describe('parseConditions rejects bad input with a positioned message', () => {
  const cases: Array<[string, RegExp, number]> = [
    ['', /Expected a condition at position 0 but conditions is empty/, 0],
    ['   ', /Expected a condition/, 3],
    ['= 5', /Expected a field name or '\(' at position 0 but found '='/, 0],
    ['id', /Expected an operator .* after 'id' at position 2 but found the end of conditions/, 2],
    ['id 5', /Expected an operator .* after 'id' at position 3 but found '5'/, 3],
    ['id == 5', /Expected a value at position 4 but found '='/, 4],
    ['id ! 5', /Expected an operator/, 3],
    [
      'id = ',
      /Expected a value at position 5 but found the end of conditions\. String values should be enclosed/,
      5,
    ],
    [
      'summary = Fred',
      /Expected a value at position 10 but found 'Fred'\. String values should be enclosed with double or single quotes/,
      10,
    ],
    ['summary = "Fred', /Unterminated string starting at position 10/, 10],
    ['summary = \'Fred"', /Unterminated string starting at position 10/, 10],
    ['d > [2016-08-20', /Unterminated datetime starting at position 4/, 4],
    ['d > [2023-02-29]', /Invalid datetime \[2023-02-29\] at position 4/, 4],
    ['d > [2023-13-01T00:00:00Z]', /Invalid datetime/, 4],
    ['d > [2023-01-01T24:00:00Z]', /Invalid datetime/, 4],
    ['d > [yesterday]', /Invalid datetime \[yesterday\]/, 4],
    ['d > []', /Invalid datetime/, 4],
    ['n = 1e5', /Invalid number '1e5' at position 4/, 4],
    ['n = 1.2.3', /Invalid number '1\.2\.3'/, 4],
    ['n = 5.', /Invalid number '5\.'/, 4],
    ['n = -', /Invalid number '-'/, 4],
    ['n = 12abc', /Invalid number '12abc'/, 4],
    [`n = ${'9'.repeat(400)}`, /out of range/, 4],
    ['n > null', /null can only be compared with = or !=/, 4],
    ['n in (1, null)', /null is not allowed in an in list/, 9],
    ['n in ()', /The in list at position 5 is empty/, 5],
    ['n in 1, 2', /Expected '\(' starting the in list at position 5/, 5],
    ['n in (1 2)', /Expected ',' or '\)' in the in list at position 8/, 8],
    ['n in (1,', /Expected a value at position 8/, 8],
    ['n not = 5', /Expected in, like or contains after 'not' at position 6/, 6],
    ['s like 5', /^Expected a string value, not a numeric\. String values should be enclosed/, 7],
    ['s contains true', /^Expected a string value, not a boolean\./, 11],
    ['s like [2020-01-01]', /^Expected a string value, not a datetime\./, 7],
    ['s contains null', /^Expected a string value, not a null\./, 11],
    [
      '(a = 1',
      /Expected 'and', 'or' or '\)' at position 6 but found the end of conditions \(the '\(' at position 0 is not closed\)/,
      6,
    ],
    ['a = 1)', /Expected 'and', 'or' or the end of conditions at position 5 but found an unmatched '\)'/, 5],
    ['a = 1 b = 2', /Expected 'and', 'or' or the end of conditions at position 6 but found 'b'/, 6],
    ['a = 1 andd b = 2', /found 'andd'/, 6],
    ['a = 1 and', /Expected a field name or '\(' at position 9/, 9],
    [
      'a = 1 and or b = 2',
      /Expected a field name or '\(' at position 10 but found 'or'|Expected an operator/,
      13,
    ],
    ['()', /Expected a field name or '\(' at position 1 but found '\)'/, 1],
    ['a/ = 1', /Expected a field name after '\/' at position 3/, 3],
    ['a.b = 1', /Expected an operator/, 1],
  ];

  it.each(cases)('%s', (text, message, position) => {
    const result = parseConditions(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(message);
    expect(result.error.parameter).toBe('conditions');
    expect(result.error.position).toBe(position);
  });

  it('names the parameter it was given', () => {
    const result = parseConditions('types/id =', 'childConditions');
    expect(result).toMatchObject({ ok: false, error: { parameter: 'childConditions' } });
    expect(!result.ok && result.error.message).toMatch(/end of childConditions/);
  });

  it('uses ConnectWise wording for values of the wrong shape', () => {
    const result = parseConditions('closedFlag = yes');
    expect(!result.ok && result.error.message.endsWith(VALUE_SYNTAX_HINT)).toBe(true);
  });

  it('caps nesting depth instead of overflowing the stack', () => {
    const ok = `${'('.repeat(MAX_NESTING_DEPTH)}a = 1${')'.repeat(MAX_NESTING_DEPTH)}`;
    expect(parseConditions(ok)).toEqual({ ok: true, value: cmp('a', '=', num(1)) });
    const deep = `${'('.repeat(MAX_NESTING_DEPTH + 1)}a = 1${')'.repeat(MAX_NESTING_DEPTH + 1)}`;
    expect(parseConditions(deep)).toMatchObject({
      ok: false,
      error: { message: /nested too deeply/, position: MAX_NESTING_DEPTH },
    });
    expect(parseConditions('('.repeat(MAX_QUERY_LENGTH)).ok).toBe(false);
  });

  it('caps input length', () => {
    const long = `summary = "${'x'.repeat(MAX_QUERY_LENGTH)}"`;
    expect(parseConditions(long)).toMatchObject({
      ok: false,
      error: { message: /too long .*limit is 8000/ },
    });
    const chain = (n: number) => Array.from({ length: n }, (_, i) => `id = ${i}`).join(' or ');
    const parsed = parseConditions(chain(MAX_CONDITION_TERMS));
    expect(parsed.ok && isGroup(parsed.value) && parsed.value.operands.length).toBe(MAX_CONDITION_TERMS);
  });

  it('caps comparisons, in-list values and orderBy terms (SQLite refuses deeper trees)', () => {
    const chain = Array.from({ length: 500 }, (_, i) => `value = ${i}`).join(' or ');
    expect(chain.length).toBeLessThan(MAX_QUERY_LENGTH);
    expect(parseConditions(chain, 'customFieldConditions')).toMatchObject({
      ok: false,
      error: { parameter: 'customFieldConditions', message: /too many comparisons.*limit is 200/ },
    });
    const list = (n: number) => `id in (${Array.from({ length: n }, (_, i) => i).join(',')})`;
    expect(parseConditions(list(MAX_IN_LIST_VALUES)).ok).toBe(true);
    expect(parseConditions(list(MAX_IN_LIST_VALUES + 1))).toMatchObject({
      ok: false,
      error: { message: /more than 1000 values/ },
    });
    const order = (n: number) => Array.from({ length: n }, () => 'name desc').join(',');
    expect(parseOrderBy(order(MAX_ORDER_BY_TERMS)).ok).toBe(true);
    expect(parseOrderBy(order(MAX_ORDER_BY_TERMS + 1))).toMatchObject({
      ok: false,
      error: { parameter: 'orderBy', message: /more than 20 terms/ },
    });
  });
});

describe('parseDateTime', () => {
  const cases: Array<[string, string | undefined]> = [
    ['2016-08-20T18:04:26Z', '2016-08-20T18:04:26Z'],
    ['2016-08-20T18:04:26', '2016-08-20T18:04:26Z'],
    ['2016-08-20 18:04:26', '2016-08-20T18:04:26Z'],
    ['2016-08-20T18:04:26.999Z', '2016-08-20T18:04:26Z'],
    ['2016-08-20T18:04', '2016-08-20T18:04:00Z'],
    ['2016-08-20', '2016-08-20T00:00:00Z'],
    ['2016-08-20T01:00:00+02:00', '2016-08-19T23:00:00Z'],
    ['2016-08-20T23:00:00-0130', '2016-08-21T00:30:00Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
    ['2000-02-29', '2000-02-29T00:00:00Z'],
    ['0001-01-01', '0001-01-01T00:00:00Z'],
    ['1900-02-29', undefined],
    ['2023-02-29', undefined],
    ['2023-04-31', undefined],
    ['2023-00-10', undefined],
    ['2023-01-01T25:00:00Z', undefined],
    ['2023-01-01T10:60:00Z', undefined],
    ['2023-1-1', undefined],
    ['9999-12-31T23:59:59-01:00', undefined],
    ['', undefined],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    expect(parseDateTime(text)).toBe(expected);
  });
});

describe('parseLikePattern', () => {
  const cases: Array<[string, ReturnType<typeof parseLikePattern>]> = [
    ['Fred%', [{ type: 'text', text: 'Fred' }, { type: 'any' }]],
    ['*Fred*', [{ type: 'any' }, { type: 'text', text: 'Fred' }, { type: 'any' }]],
    ['a%*%b', [{ type: 'text', text: 'a' }, { type: 'any' }, { type: 'text', text: 'b' }]],
    ['a_b', [{ type: 'text', text: 'a_b' }]],
    ['[[]x]', [{ type: 'text', text: '[x]' }]],
    ['50[%] off', [{ type: 'text', text: '50% off' }]],
    ['[*][_]', [{ type: 'text', text: '*_' }]],
    ['[ab]', [{ type: 'text', text: '[ab]' }]],
    ['[', [{ type: 'text', text: '[' }]],
    ['', []],
  ];
  it.each(cases)('%s', (pattern, parts) => {
    expect(parseLikePattern(pattern)).toEqual(parts);
  });
});

describe('parseOrderBy', () => {
  it.each([
    ['id', [{ path: ['id'], direction: 'asc' }]],
    ['id desc', [{ path: ['id'], direction: 'desc' }]],
    ['contact/name ASC', [{ path: ['contact', 'name'], direction: 'asc' }]],
    [
      ' priority/sort DESC ,company/name, id Desc ',
      [
        { path: ['priority', 'sort'], direction: 'desc' },
        { path: ['company', 'name'], direction: 'asc' },
        { path: ['id'], direction: 'desc' },
      ],
    ],
    ['', []],
  ])('%s', (text, expected) => {
    expect(parseOrderBy(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['id,', /Expected a field name at position 3/],
    ['id up', /Expected ',', asc, desc or the end of orderBy at position 3 but found 'up'/],
    ['id desc desc', /found 'desc'/],
    [',id', /Expected a field name at position 0/],
  ])('rejects %s', (text, message) => {
    expect(parseOrderBy(text)).toMatchObject({ ok: false, error: { parameter: 'orderBy', message } });
  });
});

describe('parseFields', () => {
  it('splits paths', () => {
    expect(parseFields('id,name,status/id')).toEqual({
      ok: true,
      value: [['id'], ['name'], ['status', 'id']],
    });
    expect(parseFields(' id , _info/lastUpdated ')).toEqual({
      ok: true,
      value: [['id'], ['_info', 'lastUpdated']],
    });
    expect(parseFields('')).toEqual({ ok: true, value: [] });
  });
  it.each([['id,,name'], ['id,'], ['id name'], ['id;name']])('rejects %s', (text) => {
    expect(parseFields(text)).toMatchObject({ ok: false, error: { parameter: 'fields' } });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const FRAGMENTS = [
  '(',
  ')',
  ' ',
  'and',
  'or',
  'AND',
  'not',
  'in',
  'like',
  'contains',
  'true',
  'null',
  '=',
  '!=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
  ',',
  '/',
  'id',
  'company',
  '"',
  "'",
  '[',
  ']',
  '2020-01-01',
  'T10:00:00Z',
  '-',
  '5',
  '.',
  '*',
  '%',
  '[[]',
  '\\',
  '\n',
  '\u0000',
  '😀',
];

describe('parseConditions never throws', () => {
  const check = (text: string) => {
    const result = parseConditions(text);
    if (result.ok) {
      expect(typeof result.value.type).toBe('string');
    } else {
      expect(result.error.parameter).toBe('conditions');
      expect(result.error.message.length).toBeGreaterThan(0);
      expect(result.error.position ?? 0).toBeGreaterThanOrEqual(0);
      expect(result.error.position ?? 0).toBeLessThanOrEqual(Math.min(text.length, MAX_QUERY_LENGTH));
    }
    // The other parsers share the scanner; they must be just as total.
    expect(typeof parseOrderBy(text).ok).toBe('boolean');
    expect(typeof parseFields(text).ok).toBe('boolean');
  };

  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), check), { numRuns: 1000 });
  });
  it('on arbitrary Unicode', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), check), { numRuns: 1000 });
  });
  it('on strings built from grammar fragments', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((parts) => parts.join('')),
        check,
      ),
      { numRuns: 3000 },
    );
  });
  it('on deep and long inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20000 }),
        fc.constantFrom('(', ')', '"', '[', 'a=1 and '),
        (n, unit) => check(unit.repeat(n)),
      ),
      { numRuns: 50 },
    );
  });
});

// Random trees, printed and parsed back. The parser merges nested groups of the same operator, so the
// generated tree is normalised the same way before comparing.
const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/);
const path = fc.array(identifier, { minLength: 1, maxLength: 3 });
const finiteNumber = fc.oneof(
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -1e25, max: 1e25 })
    .filter((n) => n === 0 || Math.abs(n) > 1e-30),
);
const datetime = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => `${d.toISOString().slice(0, 19)}Z`);
const literal: fc.Arbitrary<Literal> = fc.oneof(
  fc.string({ unit: 'binary' }).map(str),
  finiteNumber.map((n) => num(n === 0 ? 0 : n)),
  fc.boolean().map(bool),
  datetime.map(dt),
);
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc
    .tuple(path, fc.constantFrom<ComparisonOp>('=', '!=', '<', '<=', '>', '>='), literal)
    .map(([p, op, value]) => ({ type: 'compare' as const, path: p, op, value })),
  fc
    .tuple(path, fc.constantFrom<ComparisonOp>('=', '!='))
    .map(([p, op]) => ({ type: 'compare' as const, path: p, op, value: NULL })),
  fc
    .tuple(path, fc.boolean(), fc.array(literal, { minLength: 1, maxLength: 4 }))
    .map(([p, negated, values]) => ({ type: 'in' as const, path: p, negated, values })),
  fc
    .tuple(
      fc.constantFrom('like' as const, 'contains' as const),
      path,
      fc.boolean(),
      fc.string({ unit: 'binary' }),
    )
    .map(([type, p, negated, pattern]) => ({ type, path: p, negated, pattern })),
);
const { tree } = fc.letrec<{ tree: Condition }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'tree' },
    leaf,
    fc
      .tuple(
        fc.constantFrom('and' as const, 'or' as const),
        fc.array(tie('tree'), { minLength: 2, maxLength: 4 }),
      )
      .map(([type, operands]) => ({ type, operands })),
  ),
}));

const KEYWORDS = /^(and|or|not|in|like|contains|true|false|null)$/i;
const pathsOf = (condition: Condition): string[] =>
  isGroup(condition) ? condition.operands.flatMap(pathsOf) : condition.path;

function normalise(condition: Condition): Condition {
  if (!isGroup(condition)) return condition;
  const operands = condition.operands
    .map(normalise)
    .flatMap((o) => (o.type === condition.type && isGroup(o) ? o.operands : [o]));
  return { type: condition.type, operands };
}

describe('round trip', () => {
  it('parse(format(tree)) equals the tree', () => {
    fc.assert(
      fc.property(tree, (condition) => {
        const text = formatCondition(condition);
        fc.pre(text.length <= MAX_QUERY_LENGTH);
        expect(parseConditions(text)).toEqual({ ok: true, value: normalise(condition) });
      }),
      { numRuns: 1000 },
    );
  });

  it('is insensitive to keyword case and spacing', () => {
    fc.assert(
      fc.property(tree, fc.boolean(), (condition, upper) => {
        const text = formatCondition(condition);
        fc.pre(text.length <= MAX_QUERY_LENGTH / 2 && !/["'\]]/.test(text));
        fc.pre(!pathsOf(condition).some((segment) => KEYWORDS.test(segment)));
        // Without quoted text or brackets, keywords and operators can be recased and spaced freely.
        const changed = text
          .replace(/\b(and|or|not|in|like|contains|true|false|null)\b/g, (w) =>
            upper ? w.toUpperCase() : w[0]!.toUpperCase() + w.slice(1),
          )
          .replace(/ /g, '  ');
        expect(parseConditions(changed)).toEqual({ ok: true, value: normalise(condition) });
      }),
      { numRuns: 300 },
    );
  });
});
