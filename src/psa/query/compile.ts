// Compiles parsed ConnectWise conditions and orderBy terms into Kysely SQL over the JSON document
// column of `cw_record`: json_extract/json_each on SQLite, jsonb operators on PostgreSQL.
//
// Semantics shared by every operator (SQL Server's three-valued logic, which ConnectWise runs on):
// * A field that is absent, JSON null, or holds a JSON value of another type than the field's kind is
//   "unknown": every comparison with it is false — `!=`, `not in`, `not like` and `not contains`
//   included. Only `= null` matches it, and `!= null` matches every present, non-null value.
// * Strings compare case-insensitively (lower() on both sides); `<`/`>` order lower-cased text by code
//   point on both databases (PostgreSQL uses COLLATE "C"), so results do not depend on a locale.
//   SQLite's lower() folds ASCII letters only; PostgreSQL's folds all of Unicode.
// * Literal values are always bound parameters. JSON paths come from the schema, are checked to be
//   plain identifiers and are written as quoted SQL literals.
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { err, ok, type Result } from '../../platform/result.js';
import { isGroup, parseDateTime, parseLikePattern, typeMismatchMessage } from './parse.js';
import type {
  Condition,
  FieldSchema,
  ConditionLeaf as Leaf,
  Literal,
  OrderByTerm,
  QueryError,
  ResolvedField,
  ScalarKind,
} from './types.js';

export type SqlDialect = 'sqlite' | 'postgres';

export interface CompileOptions {
  dialect: SqlDialect;
  /** Parameter name used in error messages; defaults per function (`conditions`, `orderBy`, …). */
  parameter?: string | undefined;
  /** The JSON document column, optionally qualified (`cw_record.data`); default `data`. */
  column?: string | undefined;
}

export interface CompiledOrderTerm {
  expression: RawBuilder<unknown>;
  direction: 'asc' | 'desc';
}

type Sql<T = unknown> = RawBuilder<T>;
type Compiled = Result<Sql<SqlBool>, QueryError>;
type ValueField = Extract<ResolvedField, { kind: ScalarKind | 'any' }>;
type ValueKind = ValueField['kind'];

const KIND_WORDS: Record<ValueKind, string> = {
  string: 'a string',
  number: 'a numeric',
  boolean: 'a boolean',
  datetime: 'a datetime',
  any: 'a custom value',
};

/** The character after which LIKE treats `%`, `_` and itself literally; not special in any string syntax. */
const LIKE_ESCAPE = '!';

// ---------------------------------------------------------------------------------------------
// Reading JSON values on each database

/** Where a document lives: the record column, or the current element of an array being searched. */
type Doc = { kind: 'column'; ref: Sql } | { kind: 'element' };

/** The SQL pieces for one JSON value: its raw extraction and its JSON type name. */
interface Access {
  /** NULL when the value is absent or JSON null. */
  raw: Sql;
  /** Guarded, typed value: NULL unless the JSON type matches the kind. */
  typed(kind: ScalarKind): Sql;
}

/** The alias of the array element inside EXISTS subqueries; unlikely to clash with a caller's table. */
const ELEMENT = 'cwq_el';

const SAFE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

interface DialectOps {
  access(doc: Doc, path: string[]): Access;
  textParam(value: string): Sql;
  numberParam(value: number): Sql;
  booleanParam(value: boolean): Sql;
  /** Makes `<`/`>` and ORDER BY on text compare by code point. */
  binary(expr: Sql): Sql;
  contains(haystack: Sql, needle: Sql): Sql<SqlBool>;
  /** EXISTS over the object elements of the array at `path` in the column. */
  existsElement(column: Sql, path: string[], where: Sql<SqlBool>): Sql<SqlBool>;
}

const sqlite: DialectOps = {
  access(doc, path) {
    let raw: Sql;
    let type: Sql;
    if (doc.kind === 'element' && path.length === 0) {
      // Scalar elements come straight from json_each; json_extract would reject them as malformed JSON.
      raw = sql.ref(`${ELEMENT}.value`);
      type = sql.ref(`${ELEMENT}.type`);
    } else {
      // Non-object elements are replaced by NULL before json_extract sees them, for the same reason.
      const source =
        doc.kind === 'column'
          ? doc.ref
          : sql`(CASE WHEN ${sql.ref(`${ELEMENT}.type`)} = 'object' THEN ${sql.ref(`${ELEMENT}.value`)} END)`;
      const jsonPath = sql.lit(`$${path.map((key) => `."${key}"`).join('')}`);
      raw = sql`json_extract(${source}, ${jsonPath})`;
      type = sql`json_type(${source}, ${jsonPath})`;
    }
    const types: Record<ScalarKind, Sql> = {
      string: sql`'text'`,
      datetime: sql`'text'`,
      number: sql`'integer', 'real'`,
      boolean: sql`'true', 'false'`,
    };
    return { raw, typed: (kind) => sql`(CASE WHEN ${type} IN (${types[kind]}) THEN ${raw} END)` };
  },
  textParam: (value) => sql`${value}`,
  numberParam: (value) => sql`${value}`,
  // SQLite has no boolean type: json_extract yields 1/0, and better-sqlite3 cannot bind booleans.
  booleanParam: (value) => sql`${value ? 1 : 0}`,
  binary: (expr) => expr,
  contains: (haystack, needle) => sql`instr(${haystack}, ${needle}) > 0`,
  existsElement(column, path, where) {
    const jsonPath = sql.lit(`$${path.map((key) => `."${key}"`).join('')}`);
    // json_each would walk an object's members, so anything but an array becomes NULL (no rows).
    return sql<SqlBool>`EXISTS (SELECT 1 FROM json_each(CASE WHEN json_type(${column}, ${jsonPath}) = 'array' THEN ${column} END, ${jsonPath}) AS ${sql.id(ELEMENT)} WHERE ${where})`;
  },
};

const pgPath = (path: string[]): Sql => sql.lit(`{${path.map((key) => `"${key}"`).join(',')}}`);

const postgres: DialectOps = {
  access(doc, path) {
    const source = doc.kind === 'column' ? doc.ref : sql.ref(`${ELEMENT}.value`);
    const p = pgPath(path);
    const raw = sql`(${source} #>> ${p})`;
    const type = sql`jsonb_typeof(${source} #> ${p})`;
    // The casts sit behind a jsonb_typeof check so a mistyped stored value yields NULL, not an error.
    const typed: Record<ScalarKind, Sql> = {
      string: sql`(CASE WHEN ${type} = 'string' THEN ${raw} END)`,
      datetime: sql`(CASE WHEN ${type} = 'string' THEN ${raw} END)`,
      number: sql`(CASE WHEN ${type} = 'number' THEN CAST(${raw} AS numeric) END)`,
      boolean: sql`(CASE WHEN ${type} = 'boolean' THEN CAST(${raw} AS boolean) END)`,
    };
    return { raw, typed: (kind) => typed[kind] };
  },
  // Explicit casts: lower() and friends are overloaded, and an untyped parameter would be ambiguous.
  textParam: (value) => sql`CAST(${value} AS text)`,
  numberParam: (value) => sql`CAST(${value} AS numeric)`,
  booleanParam: (value) => sql`CAST(${value} AS boolean)`,
  binary: (expr) => sql`(${expr} COLLATE "C")`,
  contains: (haystack, needle) => sql`strpos(${haystack}, ${needle}) > 0`,
  existsElement(column, path, where) {
    const p = pgPath(path);
    // A present value that is not an array would make jsonb_array_elements raise; it yields no rows instead.
    return sql<SqlBool>`EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${column} #> ${p}) = 'array' THEN ${column} #> ${p} ELSE '[]'::jsonb END) AS ${sql.id(ELEMENT)}(value) WHERE ${where})`;
  },
};

const OPS: Record<SqlDialect, DialectOps> = { sqlite, postgres };

// ---------------------------------------------------------------------------------------------
// Public API

/** `conditions`: every path must resolve to a scalar (or custom value) field of the record. */
export function compileConditions(
  condition: Condition,
  schema: FieldSchema,
  options: CompileOptions,
): Compiled {
  const ctx = context(options, 'conditions');
  const doc: Doc = { kind: 'column', ref: ctx.column };
  return compileTree(condition, ctx, (path) => {
    const name = path.join('/');
    const field = schema.resolve(path);
    if (field === undefined) {
      for (let k = 1; k < path.length; k++) {
        if (schema.resolve(path.slice(0, k))?.kind === 'array') {
          return fail(
            ctx,
            `Field '${name}' is inside the list '${path.slice(0, k).join('/')}'; filter lists with childConditions.`,
          );
        }
      }
      return fail(ctx, `Unknown field '${name}' in ${ctx.parameter}.`);
    }
    if (field.kind === 'array') {
      return fail(ctx, `Field '${name}' is a list; filter lists with childConditions.`);
    }
    return leafTarget(ctx, name, field, doc);
  });
}

/**
 * `childConditions`: paths start with an array field (`types/id = 4`). A record matches when an element
 * satisfies the condition; comparisons on the same array that are combined directly are evaluated on the
 * same element (`communicationItems/value like "x" and communicationItems/communicationType = "Email"`
 * needs one item with both). Where a sub-tree mixes arrays, each array gets its own EXISTS.
 */
export function compileChildConditions(
  condition: Condition,
  schema: FieldSchema,
  options: CompileOptions,
): Compiled {
  const ctx = context(options, 'childConditions');
  const arrays = new Map<string, { path: string[]; element: FieldSchema }>();
  const leafArray = new Map<Condition, string>();
  const element: Doc = { kind: 'element' };

  // First pass: find each comparison's array and check its field, so grouping can be decided up front.
  const failure = visitLeaves(condition, (leaf) => {
    const name = leaf.path.join('/');
    for (let k = 1; k <= leaf.path.length; k++) {
      const prefix = schema.resolve(leaf.path.slice(0, k));
      if (prefix?.kind !== 'array') continue;
      const key = prefix.jsonPath.join('\u0000');
      arrays.set(key, { path: prefix.jsonPath, element: prefix.element });
      leafArray.set(leaf, key);
      return undefined;
    }
    const field = schema.resolve(leaf.path);
    return field === undefined
      ? `Unknown field '${name}' in ${ctx.parameter}.`
      : `Field '${name}' is not a list; childConditions filter list fields such as types/id (use conditions).`;
  });
  if (failure) return fail(ctx, failure);

  const keysOf = (node: Condition): Set<string> => {
    if (isGroup(node)) return new Set(node.operands.flatMap((o) => [...keysOf(o)]));
    return new Set([leafArray.get(node)!]);
  };

  const exists = (node: Condition, key: string): Compiled => {
    const array = arrays.get(key)!;
    const inner = compileTree(node, ctx, (path) => {
      const name = path.join('/');
      const rest = path.slice(prefixLength(schema, path));
      const field = array.element.resolve(rest);
      if (field === undefined) return fail(ctx, `Unknown field '${name}' in ${ctx.parameter}.`);
      if (field.kind === 'array')
        return fail(ctx, `Field '${name}' is a list inside a list, which cannot be filtered.`);
      return leafTarget(ctx, name, field, element);
    });
    if (!inner.ok) return inner;
    return ok(ctx.ops.existsElement(ctx.column, array.path, inner.value));
  };

  const build = (node: Condition): Compiled => {
    const keys = keysOf(node);
    if (keys.size === 1) return exists(node, [...keys][0]!);
    // Mixed arrays: only and/or nodes can mix. Operands on one array are merged into one EXISTS so they
    // still share an element; operands that themselves mix arrays are split further.
    if (!isGroup(node)) return exists(node, [...keys][0]!);
    const group = node;
    const byKey = new Map<string, Condition[]>();
    const parts: Array<() => Compiled> = [];
    for (const operand of group.operands) {
      const operandKeys = keysOf(operand);
      if (operandKeys.size !== 1) {
        parts.push(() => build(operand));
        continue;
      }
      const key = [...operandKeys][0]!;
      const members = byKey.get(key);
      if (members) {
        members.push(operand);
        continue;
      }
      const fresh = [operand];
      byKey.set(key, fresh);
      parts.push(() => exists(fresh.length === 1 ? fresh[0]! : { type: group.type, operands: fresh }, key));
    }
    const compiled: Sql<SqlBool>[] = [];
    for (const part of parts) {
      const result = part();
      if (!result.ok) return result;
      compiled.push(result.value);
    }
    return ok(joinBool(compiled, group.type));
  };

  return build(condition);
}

/**
 * `customFieldConditions`: pseudo-fields `caption` and `value` (and whatever else the element schema of
 * `customFields` resolves) evaluated on one custom field: a record matches when one of its custom fields
 * satisfies the whole condition (`caption = "Outage ID" and value = 123`).
 */
export function compileCustomFieldConditions(
  condition: Condition,
  schema: FieldSchema,
  options: CompileOptions,
): Compiled {
  const ctx = context(options, 'customFieldConditions');
  const customFields = schema.resolve(['customFields']);
  if (customFields?.kind !== 'array') return fail(ctx, 'This record type has no custom fields.');
  const element: Doc = { kind: 'element' };
  const inner = compileTree(condition, ctx, (path) => {
    const name = path.join('/');
    const field = customFields.element.resolve(path);
    if (field === undefined) {
      return fail(ctx, `Unknown field '${name}' in ${ctx.parameter}; use caption and value.`);
    }
    if (field.kind === 'array') return fail(ctx, `Field '${name}' is a list, which cannot be filtered here.`);
    return leafTarget(ctx, name, field, element);
  });
  if (!inner.ok) return inner;
  return ok(ctx.ops.existsElement(ctx.column, customFields.jsonPath, inner.value));
}

/**
 * `orderBy`: one or more SQL sort keys per term, to apply in order (`qb.orderBy(t.expression, t.direction)`).
 * Every term sorts missing values last in both directions, through a leading "is missing" key; strings
 * sort case-insensitively, numbers numerically, datetimes chronologically, false before true. A custom
 * value field sorts numbers, then strings, then booleans. Callers append `id` as the final tiebreaker.
 */
export function compileOrderBy(
  terms: OrderByTerm[],
  schema: FieldSchema,
  options: CompileOptions,
): Result<CompiledOrderTerm[], QueryError> {
  const ctx = context(options, 'orderBy');
  const doc: Doc = { kind: 'column', ref: ctx.column };
  const out: CompiledOrderTerm[] = [];
  for (const term of terms) {
    const name = term.path.join('/');
    const field = schema.resolve(term.path);
    if (field === undefined) return fail(ctx, `Unknown field '${name}' in orderBy.`);
    if (field.kind === 'array') return fail(ctx, `Cannot order by '${name}': it is a list.`);
    const bad = checkPath(ctx, name, field.jsonPath);
    if (bad) return bad;
    const access = ctx.ops.access(doc, field.jsonPath);
    const { direction } = term;
    const missingLast = (expr: Sql): CompiledOrderTerm => ({
      expression: sql`(CASE WHEN ${expr} IS NULL THEN 1 ELSE 0 END)`,
      direction: 'asc',
    });
    if (field.kind === 'any') {
      const number = access.typed('number');
      const string = access.typed('string');
      const boolean = access.typed('boolean');
      const rank = sql`(CASE WHEN ${number} IS NOT NULL THEN 0 WHEN ${string} IS NOT NULL THEN 1 WHEN ${boolean} IS NOT NULL THEN 2 END)`;
      out.push(
        missingLast(rank),
        { expression: rank, direction },
        { expression: number, direction },
        { expression: ctx.ops.binary(sql`lower(${string})`), direction },
        { expression: boolean, direction },
      );
      continue;
    }
    const value = access.typed(field.kind);
    const sortKey =
      field.kind === 'string'
        ? ctx.ops.binary(sql`lower(${value})`)
        : field.kind === 'datetime'
          ? ctx.ops.binary(value)
          : value;
    out.push(missingLast(value), { expression: sortKey, direction });
  }
  return ok(out);
}

// ---------------------------------------------------------------------------------------------
// Internals

interface Context {
  ops: DialectOps;
  parameter: string;
  column: Sql;
}

function context(options: CompileOptions, defaultParameter: string): Context {
  return {
    ops: OPS[options.dialect],
    parameter: options.parameter ?? defaultParameter,
    column: sql.ref(options.column ?? 'data'),
  };
}

function fail(ctx: Context, message: string): { ok: false; error: QueryError } {
  return err({ parameter: ctx.parameter, message });
}

/** What a comparison needs to know about its field: how to read it and what it holds. */
interface LeafTarget {
  name: string;
  kind: ValueKind;
  access: Access;
}

type Resolver = (path: string[]) => Result<LeafTarget, QueryError>;

function leafTarget(ctx: Context, name: string, field: ValueField, doc: Doc): Result<LeafTarget, QueryError> {
  const bad = checkPath(ctx, name, field.jsonPath);
  if (bad) return bad;
  return ok({ name, kind: field.kind, access: ctx.ops.access(doc, field.jsonPath) });
}

/** Paths are written into SQL as literals, so they must be plain identifiers (all ConnectWise names are). */
function checkPath(
  ctx: Context,
  name: string,
  jsonPath: string[],
): { ok: false; error: QueryError } | undefined {
  return jsonPath.every((key) => SAFE_KEY.test(key))
    ? undefined
    : fail(ctx, `Field '${name}' cannot be queried.`);
}

/** How many leading segments of `path` name the array (the first prefix resolving to kind 'array'). */
function prefixLength(schema: FieldSchema, path: string[]): number {
  for (let k = 1; k <= path.length; k++) if (schema.resolve(path.slice(0, k))?.kind === 'array') return k;
  return 0;
}

function visitLeaves(node: Condition, visit: (leaf: Leaf) => string | undefined): string | undefined {
  if (isGroup(node)) {
    for (const operand of node.operands) {
      const failure = visitLeaves(operand, visit);
      if (failure) return failure;
    }
    return undefined;
  }
  return visit(node);
}

function joinBool(parts: Sql<SqlBool>[], type: 'and' | 'or'): Sql<SqlBool> {
  if (parts.length === 1) return parts[0]!;
  return sql<SqlBool>`(${sql.join(parts, type === 'and' ? sql` AND ` : sql` OR `)})`;
}

function compileTree(node: Condition, ctx: Context, resolve: Resolver): Compiled {
  if (isGroup(node)) {
    if (node.operands.length === 0) return fail(ctx, `An empty '${node.type}' group cannot be compiled.`);
    const parts: Sql<SqlBool>[] = [];
    for (const operand of node.operands) {
      const part = compileTree(operand, ctx, resolve);
      if (!part.ok) return part;
      parts.push(part.value);
    }
    return ok(joinBool(parts, node.type));
  }
  const target = resolve(node.path);
  if (!target.ok) return target;
  return compileLeaf(node, target.value, ctx);
}

/** A literal checked against the field: the kind it is compared as, and the value to bind. */
type Bound =
  | { kind: 'string' | 'datetime'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean };

function bindLiteral(ctx: Context, target: LeafTarget, literal: Literal): Result<Bound, QueryError> {
  if (literal.kind === 'null')
    return fail(ctx, `null cannot be used here for '${target.name}'; use = null or != null.`);
  const expected = target.kind;
  if (expected === 'any' || expected === literal.kind) return ok(literal);
  // A quoted date is accepted for a datetime field: some clients quote everything.
  if (expected === 'datetime' && literal.kind === 'string') {
    const value = parseDateTime(literal.value);
    if (value !== undefined) return ok({ kind: 'datetime', value });
  }
  return fail(ctx, `${typeMismatchMessage(expected, literal.kind)} (field '${target.name}')`);
}

const SQL_OPS: Record<string, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function compileLeaf(node: Leaf, target: LeafTarget, ctx: Context): Compiled {
  const { ops } = ctx;
  const { access } = target;

  /** The field's value and a literal's parameter, both prepared for comparison as `kind`. */
  const operands = (bound: Bound, ordered: boolean): [Sql, Sql] => {
    switch (bound.kind) {
      case 'string': {
        const left = sql`lower(${access.typed('string')})`;
        const right = sql`lower(${ops.textParam(bound.value)})`;
        return [ordered ? ops.binary(left) : left, right];
      }
      case 'datetime':
        // Stored as YYYY-MM-DDTHH:MM:SSZ, so text order is time order.
        return [
          ordered ? ops.binary(access.typed('datetime')) : access.typed('datetime'),
          ops.textParam(bound.value),
        ];
      case 'number':
        return [access.typed('number'), ops.numberParam(bound.value)];
      case 'boolean':
        return [access.typed('boolean'), ops.booleanParam(bound.value)];
    }
  };

  switch (node.type) {
    case 'compare': {
      if (node.value.kind === 'null') {
        if (node.op === '=') return ok(sql<SqlBool>`(${access.raw} IS NULL)`);
        if (node.op === '!=') return ok(sql<SqlBool>`(${access.raw} IS NOT NULL)`);
      }
      const bound = bindLiteral(ctx, target, node.value);
      if (!bound.ok) return bound;
      const ordered = node.op !== '=' && node.op !== '!=';
      if (ordered && bound.value.kind === 'boolean') {
        return fail(
          ctx,
          `Operator ${node.op} cannot be used with a boolean value ('${target.name}'); use = or !=.`,
        );
      }
      const [left, right] = operands(bound.value, ordered);
      return ok(sql<SqlBool>`(${left} ${sql.raw(SQL_OPS[node.op]!)} ${right})`);
    }
    case 'in': {
      const bounds: Bound[] = [];
      for (const literal of node.values) {
        const bound = bindLiteral(ctx, target, literal);
        if (!bound.ok) return bound;
        bounds.push(bound.value);
      }
      const first = bounds[0];
      if (first === undefined) return fail(ctx, `The in list for '${target.name}' is empty.`);
      if (bounds.some((b) => b.kind !== first.kind)) {
        return fail(ctx, `All values in the in list for '${target.name}' must be of one type.`);
      }
      const left = operands(first, false)[0];
      const rights = bounds.map((b) => operands(b, false)[1]);
      return ok(sql<SqlBool>`(${left} ${sql.raw(node.negated ? 'NOT IN' : 'IN')} (${sql.join(rights)}))`);
    }
    case 'like':
    case 'contains': {
      if (target.kind !== 'string' && target.kind !== 'any') {
        return fail(
          ctx,
          `'${node.type}' can only be used with string fields; '${target.name}' holds ${KIND_WORDS[target.kind]} value.`,
        );
      }
      const value = sql`lower(${access.typed('string')})`;
      if (node.type === 'contains') {
        const test = ops.contains(value, sql`lower(${ops.textParam(node.pattern)})`);
        return ok(node.negated ? sql<SqlBool>`(NOT (${test}))` : sql<SqlBool>`(${test})`);
      }
      const pattern = toSqlLike(node.pattern);
      return ok(
        sql<SqlBool>`(${value} ${sql.raw(node.negated ? 'NOT LIKE' : 'LIKE')} lower(${ops.textParam(pattern)}) ESCAPE ${sql.lit(LIKE_ESCAPE)})`,
      );
    }
  }
}

/** A ConnectWise like pattern as an SQL LIKE pattern using LIKE_ESCAPE. */
function toSqlLike(pattern: string): string {
  return parseLikePattern(pattern)
    .map((part) => (part.type === 'any' ? '%' : part.text.replace(/[!%_]/g, (c) => LIKE_ESCAPE + c)))
    .join('');
}
