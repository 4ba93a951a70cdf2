// The compiler without a database: the SQL it emits (parameters, quoting) and the errors it returns.
// Behaviour against real SQLite and PostgreSQL is in compile.int.test.ts.
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  type CompileOptions,
  compileChildConditions,
  compileConditions,
  compileCustomFieldConditions,
  compileOrderBy,
  type SqlDialect,
} from './compile.js';
import { parseConditions, parseOrderBy } from './parse.js';
import { ticketSchema } from './test-fixtures.js';
import type { FieldSchema } from './types.js';

const engines: Record<SqlDialect, Kysely<unknown>> = {
  sqlite: new Kysely({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  }),
  postgres: new Kysely({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
};

type Compiler = typeof compileConditions;

function compileText(
  compiler: Compiler,
  text: string,
  dialect: SqlDialect,
  extra: Partial<CompileOptions> = {},
) {
  const parsed = parseConditions(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const compiled = compiler(parsed.value, ticketSchema, { dialect, ...extra });
  if (!compiled.ok) throw new Error(compiled.error.message);
  return (compiled.value as RawBuilder<unknown>).compile(engines[dialect]);
}

function errorOf(compiler: Compiler, text: string, schema: FieldSchema = ticketSchema) {
  const parsed = parseConditions(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const compiled = compiler(parsed.value, schema, { dialect: 'sqlite' });
  if (compiled.ok) throw new Error(`expected an error for ${text}`);
  return compiled.error;
}

describe.each<SqlDialect>(['sqlite', 'postgres'])('emitted SQL on %s', (dialect) => {
  it('binds every literal as a parameter', () => {
    const hostile = `x' OR 1=1; DROP TABLE cw_record; --`;
    const query = compileText(
      compileConditions,
      `summary = "${hostile}" or summary like "${hostile}*" or summary contains "${hostile}" or company/name in ("${hostile}", "b") or budgetHours > 1.5 or closedFlag = true or dateEntered < [2020-01-01]`,
      dialect,
    );
    expect(query.sql).not.toContain('DROP');
    expect(query.sql).not.toContain('1.5');
    expect(query.sql).not.toContain('2020');
    expect(query.parameters).toEqual([
      hostile,
      `${hostile.replace('_', '!_')}%`,
      hostile,
      hostile,
      'b',
      1.5,
      dialect === 'sqlite' ? 1 : true,
      '2020-01-01T00:00:00Z',
    ]);
  });

  it('reads JSON paths from the schema, not from what the caller typed', () => {
    const query = compileText(
      compileConditions,
      'COMPANY/NAME = "x" and LastUpdated > [2020-01-01]',
      dialect,
    );
    if (dialect === 'sqlite') {
      expect(query.sql).toContain(`'$."company"."name"'`);
      expect(query.sql).toContain(`'$."_info"."lastUpdated"'`);
    } else {
      expect(query.sql).toContain(`'{"company","name"}'`);
      expect(query.sql).toContain(`'{"_info","lastUpdated"}'`);
    }
    expect(query.sql).not.toMatch(/COMPANY|LastUpdated/);
  });

  it('escapes LIKE specials and declares the escape character', () => {
    const query = compileText(compileConditions, 'summary like "100[%]_done!*"', dialect);
    expect(query.parameters).toEqual(['100!%!_done!!%']);
    expect(query.sql).toContain(`ESCAPE '!'`);
  });

  it('uses the document column it is given', () => {
    const query = compileText(compileConditions, 'id = 1', dialect, { column: 'cw_record.data' });
    expect(query.sql).toContain('"cw_record"."data"');
    const child = compileText(compileChildConditions, 'types/id = 1', dialect, { column: 'r.data' });
    expect(child.sql).toContain('"r"."data"');
  });

  it('guards array walks against values that are not arrays', () => {
    const query = compileText(compileChildConditions, 'types/id = 4', dialect);
    expect(query.sql).toContain(dialect === 'sqlite' ? `= 'array'` : `jsonb_typeof`);
    expect(query.sql).toMatch(/^EXISTS \(SELECT 1 FROM/);
  });
});

describe('childConditions grouping', () => {
  const existsCount = (text: string) =>
    (compileText(compileChildConditions, text, 'sqlite').sql.match(/EXISTS/g) ?? []).length;

  it('evaluates comparisons on one array against the same element', () => {
    expect(existsCount('types/id = 1 and types/name = "Printer"')).toBe(1);
    expect(existsCount('types/id = 1 or types/name = "Printer" and types/id = 2')).toBe(1);
  });
  it('gives each array its own EXISTS, merging operands that share one', () => {
    expect(existsCount('types/id = 1 and integratorTags = "dns"')).toBe(2);
    expect(existsCount('types/id = 1 and integratorTags = "dns" and types/name = "x"')).toBe(2);
    expect(existsCount('(types/id = 1 or integratorTags = "dns") and types/name = "x"')).toBe(3);
  });
});

describe('compile errors', () => {
  it.each<[string, RegExp]>([
    ['nope = 1', /^Unknown field 'nope' in conditions\.$/],
    ['company/nope = 1', /^Unknown field 'company\/nope' in conditions\.$/],
    ['types = 1', /'types' is a list; filter lists with childConditions/],
    [
      'closedFlag = 5',
      /^Expected a boolean value, not a numeric\. String values should be enclosed with double or single quotes;.*\(field 'closedFlag'\)$/,
    ],
    ['id = "5"', /^Expected a numeric value, not a string\./],
    ['summary = 5', /^Expected a string value, not a numeric\./],
    ['summary = true', /^Expected a string value, not a boolean\./],
    ['summary = [2020-01-01]', /^Expected a string value, not a datetime\./],
    ['dateEntered > 5', /^Expected a datetime value, not a numeric\./],
    ['dateEntered > "yesterday"', /^Expected a datetime value, not a string\./],
    ['id in (1, "2")', /^Expected a numeric value, not a string\./],
    ['closedFlag < true', /Operator < cannot be used with a boolean value/],
    ['id contains "1"', /'contains' can only be used with string fields; 'id' holds a numeric value/],
    [
      'dateEntered like "2020*"',
      /'like' can only be used with string fields; 'dateEntered' holds a datetime value/,
    ],
    ['closedFlag not like "t*"', /'like' can only be used with string fields/],
  ])('conditions: %s', (text, message) => {
    expect(errorOf(compileConditions, text)).toMatchObject({ parameter: 'conditions', message });
  });

  it('accepts a quoted date for a datetime field', () => {
    expect(compileText(compileConditions, 'dateEntered > "2020-01-01 10:00"', 'sqlite').parameters).toEqual([
      '2020-01-01T10:00:00Z',
    ]);
  });

  it.each<[string, RegExp]>([
    ['summary = "x"', /'summary' is not a list; childConditions filter list fields/],
    ['nope/id = 1', /Unknown field 'nope\/id' in childConditions/],
    ['types/nope = 1', /Unknown field 'types\/nope' in childConditions/],
    ['types/name = 1', /^Expected a string value, not a numeric\./],
  ])('childConditions: %s', (text, message) => {
    expect(errorOf(compileChildConditions, text)).toMatchObject({ parameter: 'childConditions', message });
  });

  it.each<[string, RegExp]>([
    ['nope = 1', /Unknown field 'nope' in customFieldConditions; use caption and value/],
    ['caption = 1', /^Expected a string value, not a numeric\./],
    ['value in (1, "a")', /must be of one type/],
  ])('customFieldConditions: %s', (text, message) => {
    expect(errorOf(compileCustomFieldConditions, text)).toMatchObject({
      parameter: 'customFieldConditions',
      message,
    });
  });

  it('customFieldConditions on a record type without custom fields', () => {
    const none: FieldSchema = { resolve: () => undefined };
    expect(errorOf(compileCustomFieldConditions, 'caption = "x"', none).message).toMatch(/no custom fields/);
  });

  it('uses the parameter name it is given', () => {
    const parsed = parseConditions('nope = 1');
    if (!parsed.ok) throw new Error('parse');
    const result = compileConditions(parsed.value, ticketSchema, { dialect: 'postgres', parameter: 'where' });
    expect(result).toMatchObject({
      ok: false,
      error: { parameter: 'where', message: "Unknown field 'nope' in where." },
    });
  });

  it('refuses schema paths that are not plain identifiers', () => {
    const odd: FieldSchema = { resolve: () => ({ kind: 'string', jsonPath: [`a"b'c`] }) };
    const parsed = parseConditions('x = "1"');
    if (!parsed.ok) throw new Error('parse');
    expect(compileConditions(parsed.value, odd, { dialect: 'sqlite' })).toMatchObject({
      ok: false,
      error: { message: "Field 'x' cannot be queried." },
    });
  });

  it.each<[string, RegExp]>([
    ['nope', /Unknown field 'nope' in orderBy/],
    ['types', /Cannot order by 'types': it is a list/],
  ])('orderBy: %s', (text, message) => {
    const terms = parseOrderBy(text);
    if (!terms.ok) throw new Error('parse');
    expect(compileOrderBy(terms.value, ticketSchema, { dialect: 'sqlite' })).toMatchObject({
      ok: false,
      error: { parameter: 'orderBy', message },
    });
  });
});
