// ConnectWise record schemas (generated from the 2022.1 spec): lookup, the query module's field
// resolver, and validation of POST/PUT bodies and PATCH operations. Pure: no I/O.
import { err, ok, type Result } from '../../platform/result.js';
import type { FieldSchema, ResolvedField, ScalarKind } from '../query/types.js';
import data from './cw-schema.generated.json' with { type: 'json' };
import type {
  FieldSpec,
  PatchOperation,
  SchemaDocument,
  SchemaSpec,
  ValidationIssue,
} from './schema-types.js';

// The JSON's inferred type widens `type` to string; the generator guarantees the contract shape.
const DOCUMENT = data as unknown as SchemaDocument;

/** Names callers may use for schemas whose spec name is awkward. */
export const SCHEMA_ALIASES: Readonly<Record<string, string>> = {
  Configuration: 'Company.Configuration',
  SystemInfo: 'Info',
};

const SCHEMAS = new Map<string, SchemaSpec>();
for (const [name, schema] of Object.entries(DOCUMENT.schemas)) SCHEMAS.set(name, deepFreeze(schema));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Where the schema data came from (for diagnostics and docs). */
export const SCHEMA_SOURCE: string = DOCUMENT.source;

export function schemaNames(): string[] {
  return [...SCHEMAS.keys()];
}

/** Throws for an unknown name: schema names are fixed in code, so a miss is a programming error. */
export function getSchema(name: string): SchemaSpec {
  const schema = SCHEMAS.get(SCHEMA_ALIASES[name] ?? name);
  if (schema === undefined) throw new Error(`Unknown ConnectWise schema '${name}'`);
  return schema;
}

// ConnectWise matches field names case-insensitively on input; a Map (not an object) keeps keys such
// as `__proto__` or `constructor` from reaching the prototype.
const lowerIndexes = new Map<string, Map<string, string>>();

function lowerIndex(schema: SchemaSpec): Map<string, string> {
  let index = lowerIndexes.get(schema.name);
  if (index === undefined) {
    index = new Map(Object.keys(schema.fields).map((f) => [f.toLowerCase(), f]));
    lowerIndexes.set(schema.name, index);
  }
  return index;
}

/** Canonical spelling of a field of the schema, matched case-insensitively; undefined when unknown. */
export function canonicalField(schemaName: string, field: string): string | undefined {
  return lowerIndex(getSchema(schemaName)).get(field.toLowerCase());
}

export function requiredFields(schemaName: string): string[] {
  return Object.entries(getSchema(schemaName).fields)
    .filter(([, spec]) => spec.required === true && spec.readOnly !== true)
    .map(([name]) => name);
}

export function enumValues(schemaName: string, field: string): readonly string[] | undefined {
  const canonical = canonicalField(schemaName, field);
  return canonical === undefined ? undefined : getSchema(schemaName).fields[canonical]?.enum;
}

// ---------------------------------------------------------------------------------------------------
// Field resolution for conditions / orderBy / fields

/** `_info` keys that records expose; older clients filter on them as if they were top-level fields. */
const INFO_KEYS = new Map<string, { name: string; kind: ScalarKind }>([
  ['lastupdated', { name: 'lastUpdated', kind: 'datetime' }],
  ['dateentered', { name: 'dateEntered', kind: 'datetime' }],
  ['updatedby', { name: 'updatedBy', kind: 'string' }],
  ['enteredby', { name: 'enteredBy', kind: 'string' }],
]);

function scalarKind(spec: FieldSpec): ScalarKind | 'any' | undefined {
  switch (spec.type) {
    case 'string':
    case 'uuid':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'datetime':
      return 'datetime';
    case 'any':
      return 'any';
    default:
      return undefined;
  }
}

function infoKey(segment: string): { name: string; kind: ScalarKind } {
  const known = INFO_KEYS.get(segment.toLowerCase());
  if (known !== undefined) return known;
  // Link keys are all lower-case (`company_href`); anything else is kept as written.
  const name = segment.toLowerCase().endsWith('_href') ? segment.toLowerCase() : segment;
  return { name, kind: 'string' };
}

function prefixed(prefix: string, field: ResolvedField): ResolvedField {
  return { ...field, jsonPath: [prefix, ...field.jsonPath] };
}

/** The element resolver of an array of scalars: the element itself is the empty path. */
function scalarElement(kind: ScalarKind | 'any'): FieldSchema {
  return {
    resolve: (path) => (path.length === 0 ? ({ kind, jsonPath: [] } as ResolvedField) : undefined),
  };
}

function resolveIn(schema: SchemaSpec, path: string[], root: boolean): ResolvedField | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  const canonical = lowerIndex(schema).get(head.toLowerCase());
  if (canonical === undefined) {
    // Audit aliases (`lastUpdated` → `_info/lastUpdated`) only make sense on a record itself, not on
    // the references and elements embedded in it.
    const alias = INFO_KEYS.get(head.toLowerCase());
    if (root && alias !== undefined && rest.length === 0 && schema.fields['_info'] !== undefined) {
      return { kind: alias.kind, jsonPath: ['_info', alias.name] };
    }
    return undefined;
  }
  const spec = schema.fields[canonical]!;
  if (spec.type === 'object') {
    if (spec.schema === undefined) {
      // `_info`: a flat map of strings.
      if (rest.length !== 1) return undefined;
      const key = infoKey(rest[0]!);
      return { kind: key.kind, jsonPath: [canonical, key.name] };
    }
    // A reference itself is not comparable; one of its fields is.
    if (rest.length === 0) return undefined;
    const inner = resolveIn(getSchema(spec.schema), rest, false);
    return inner === undefined ? undefined : prefixed(canonical, inner);
  }
  if (spec.type === 'array') {
    // Paths into elements go through `element` (childConditions / customFieldConditions).
    if (rest.length !== 0 || spec.items === undefined) return undefined;
    const items = spec.items;
    let element: FieldSchema | undefined;
    if (items.type === 'object' && items.schema !== undefined) element = elementSchema(items.schema);
    else {
      const kind = scalarKind(items);
      if (kind !== undefined) element = scalarElement(kind);
    }
    return element === undefined ? undefined : { kind: 'array', jsonPath: [canonical], element };
  }
  if (rest.length !== 0) return undefined;
  const kind = scalarKind(spec);
  return kind === undefined ? undefined : ({ kind, jsonPath: [canonical] } as ResolvedField);
}

const rootResolvers = new Map<string, FieldSchema>();
const elementResolvers = new Map<string, FieldSchema>();

function elementSchema(name: string): FieldSchema {
  let resolver = elementResolvers.get(name);
  if (resolver === undefined) {
    const schema = getSchema(name);
    resolver = { resolve: (path) => resolveIn(schema, path, false) };
    elementResolvers.set(name, resolver);
  }
  return resolver;
}

/** The query module's resolver for records of `name` (throws for an unknown schema, like getSchema). */
export function fieldSchema(name: string): FieldSchema {
  let resolver = rootResolvers.get(name);
  if (resolver === undefined) {
    const schema = getSchema(name);
    resolver = { resolve: (path) => resolveIn(schema, path, true) };
    rootResolvers.set(name, resolver);
  }
  return resolver;
}

// ---------------------------------------------------------------------------------------------------
// Value validation

interface Context {
  resource: string;
  issues: ValidationIssue[];
}

function issue(ctx: Context, code: string, field: string, message: string): void {
  ctx.issues.push({ code, message, resource: ctx.resource, field });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** JSON numbers, or numeric strings (ConnectWise accepts "12.50" for decimals: connectwise-api.md §5.1). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value.trim());
  return undefined;
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * ISO-8601 → ConnectWise's `YYYY-MM-DDTHH:MM:SSZ` (UTC, second precision). A time without an offset is
 * taken as UTC, since that is how ConnectWise writes every date it returns.
 */
export function normalizeDateTime(text: string): string | undefined {
  const m = ISO_DATETIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day > daysInMonth) return undefined;
  let offsetMinutes = 0;
  const zone = m[7];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const y = date.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Checked = { ok: true; value: unknown } | { ok: false };
const INVALID: Checked = { ok: false };

/** Validates one non-null value against its spec; pushes issues and returns the normalised value. */
function checkValue(spec: FieldSpec, value: unknown, field: string, ctx: Context): Checked {
  switch (spec.type) {
    case 'string': {
      // Newtonsoft (behind ConnectWise) turns a JSON number into a string field's text; so do we.
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
      if (typeof text !== 'string') {
        issue(ctx, 'InvalidValue', field, `The field ${field} must be a string.`);
        return INVALID;
      }
      if (spec.enum !== undefined) {
        const match = spec.enum.find((e) => e.toLowerCase() === text.toLowerCase());
        if (match === undefined) {
          issue(ctx, 'InvalidValue', field, `The field ${field} must be one of: ${spec.enum.join(', ')}.`);
          return INVALID;
        }
        return { ok: true, value: match };
      }
      if (spec.maxLength !== undefined && text.length > spec.maxLength) {
        issue(
          ctx,
          'MaxLength',
          field,
          `The field ${field} must be at most ${spec.maxLength} characters long.`,
        );
        return INVALID;
      }
      return { ok: true, value: text };
    }
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) {
        issue(ctx, 'InvalidValue', field, `The field ${field} must be a GUID.`);
        return INVALID;
      }
      return { ok: true, value: value.toLowerCase() };
    case 'integer':
    case 'number': {
      const n = toNumber(value);
      if (n === undefined || Number.isNaN(n)) {
        issue(ctx, 'InvalidValue', field, `The field ${field} must be a number.`);
        return INVALID;
      }
      if (!Number.isFinite(n)) {
        issue(ctx, 'OutOfRange', field, `The field ${field} is out of range.`);
        return INVALID;
      }
      if (spec.type === 'integer') {
        if (!Number.isInteger(n)) {
          issue(ctx, 'InvalidValue', field, `The field ${field} must be a whole number.`);
          return INVALID;
        }
        if (!Number.isSafeInteger(n)) {
          issue(ctx, 'OutOfRange', field, `The field ${field} is out of range.`);
          return INVALID;
        }
      }
      return { ok: true, value: n };
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        issue(ctx, 'InvalidValue', field, `The field ${field} must be true or false.`);
        return INVALID;
      }
      return { ok: true, value };
    case 'datetime': {
      const normalized = typeof value === 'string' ? normalizeDateTime(value) : undefined;
      if (normalized === undefined) {
        issue(
          ctx,
          'InvalidValue',
          field,
          `The field ${field} must be a date-time such as 2024-01-31T09:30:00Z.`,
        );
        return INVALID;
      }
      return { ok: true, value: normalized };
    }
    case 'object':
      if (!isObject(value)) {
        issue(ctx, 'InvalidValue', field, `The field ${field} must be an object.`);
        return INVALID;
      }
      if (spec.schema === undefined) return { ok: true, value };
      return checkEmbedded(getSchema(spec.schema), value, field, ctx);
    case 'array': {
      if (!Array.isArray(value)) {
        issue(ctx, 'InvalidValue', field, `The field ${field} must be an array.`);
        return INVALID;
      }
      const items = spec.items ?? { type: 'any' };
      const out: unknown[] = [];
      let valid = true;
      value.forEach((element, i) => {
        const path = `${field}[${i}]`;
        if (element === null || element === undefined) {
          issue(ctx, 'InvalidValue', path, `The field ${path} must not be null.`);
          valid = false;
          return;
        }
        const checked = checkValue(items, element, path, ctx);
        if (checked.ok) out.push(checked.value);
        else valid = false;
      });
      return valid ? { ok: true, value: out } : INVALID;
    }
    case 'any':
      return { ok: true, value };
  }
}

/**
 * A reference or embedded element (`company`, `customFields[0]`): any subset of its fields is fine,
 * since references are resolved later by id / identifier / name. Unknown keys are dropped rather than
 * rejected because reference shapes differ between spec versions and clients echo what they read.
 */
function checkEmbedded(
  schema: SchemaSpec,
  value: Record<string, unknown>,
  field: string,
  ctx: Context,
): Checked {
  const index = lowerIndex(schema);
  const found = new Map<string, unknown>();
  let valid = true;
  for (const key of Object.keys(value)) {
    const canonical = index.get(key.toLowerCase());
    if (canonical === undefined) continue;
    const spec = schema.fields[canonical]!;
    const inner = value[key];
    if (spec.readOnly === true || inner === undefined) continue;
    if (inner === null) {
      found.set(canonical, null);
      continue;
    }
    const checked = checkValue(spec, inner, `${field}/${canonical}`, ctx);
    if (checked.ok) found.set(canonical, checked.value);
    else valid = false;
  }
  return valid ? { ok: true, value: ordered(schema, found) } : INVALID;
}

/** Output in the schema's field order, so stored documents look like ConnectWise's. */
function ordered(schema: SchemaSpec, found: Map<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema.fields)) if (found.has(name)) out[name] = found.get(name);
  return out;
}

export interface ValidateOptions {
  /** 'create' (POST) and 'replace' (PUT, and a PATCHed record) both need every required field. */
  mode: 'create' | 'replace';
  /** Resource name used in issues, e.g. 'ticket', 'company'. */
  resource: string;
}

/**
 * Validates a POST/PUT body against a record schema and returns it with canonical field names and
 * normalised values; read-only fields are dropped, `null` on an optional field is kept (it clears).
 * Collects every issue; never throws on any input.
 */
export function validateBody(
  schemaName: string,
  body: unknown,
  options: ValidateOptions,
): Result<Record<string, unknown>, ValidationIssue[]> {
  const schema = getSchema(schemaName);
  const ctx: Context = { resource: options.resource, issues: [] };
  if (!isObject(body)) {
    issue(
      ctx,
      'InvalidObject',
      '',
      `The request body must be a JSON object describing a ${options.resource}.`,
    );
    return err(ctx.issues);
  }
  const index = lowerIndex(schema);
  const found = new Map<string, unknown>();
  const seen = new Set<string>();
  for (const key of Object.keys(body)) {
    const canonical = index.get(key.toLowerCase());
    if (canonical === undefined) {
      issue(ctx, 'UnknownField', key, `The field '${key}' is not a field of ${options.resource}.`);
      continue;
    }
    if (seen.has(canonical)) {
      issue(ctx, 'InvalidField', canonical, `The field '${canonical}' is given more than once.`);
      continue;
    }
    seen.add(canonical);
    const spec = schema.fields[canonical]!;
    const value = body[key];
    if (spec.readOnly === true || value === undefined) continue;
    if (value === null) {
      // Missing required fields are reported once, below.
      if (spec.required !== true) found.set(canonical, null);
      continue;
    }
    const checked = checkValue(spec, value, canonical, ctx);
    if (checked.ok) found.set(canonical, checked.value);
  }
  for (const name of requiredFields(schema.name)) {
    if (!found.has(name) && !ctx.issues.some((i) => i.field === name)) {
      issue(ctx, 'NullValue', name, `${name} is required`);
    }
  }
  return ctx.issues.length > 0 ? err(ctx.issues) : ok(ordered(schema, found));
}

// ---------------------------------------------------------------------------------------------------
// PATCH

const PATCH_OPS = new Map<string, PatchOperation['op']>([
  ['add', 'add'],
  ['replace', 'replace'],
  ['remove', 'remove'],
]);

/**
 * Parses a ConnectWise PATCH body (`[{op, path, value}]`) into operations on canonical top-level
 * fields, type-checking values as validateBody does. Sub-paths are refused (400) instead of
 * ConnectWise's silent false 200 (connectwise-api.md §5.1).
 */
export function parsePatch(
  schemaName: string,
  ops: unknown,
  resource: string,
): Result<PatchOperation[], ValidationIssue[]> {
  const schema = getSchema(schemaName);
  const ctx: Context = { resource, issues: [] };
  if (!Array.isArray(ops)) {
    issue(ctx, 'InvalidObject', '', 'The request body must be a JSON array of patch operations.');
    return err(ctx.issues);
  }
  const index = lowerIndex(schema);
  const out: PatchOperation[] = [];
  ops.forEach((raw: unknown, i) => {
    if (!isObject(raw)) {
      issue(ctx, 'InvalidObject', '', `Patch operation ${i} must be an object with op, path and value.`);
      return;
    }
    const opText = raw['op'];
    const op = typeof opText === 'string' ? PATCH_OPS.get(opText.toLowerCase()) : undefined;
    if (op === undefined) {
      issue(ctx, 'InvalidValue', 'op', `Patch operation ${i}: op must be add, replace or remove.`);
    }
    const pathText = raw['path'];
    if (typeof pathText !== 'string' || pathText.replace(/^\//, '') === '') {
      issue(ctx, 'InvalidField', 'path', `Patch operation ${i}: path must name a field of ${resource}.`);
      return;
    }
    const path = pathText.replace(/^\//, '');
    if (path.includes('/')) {
      const top = path.split('/')[0]!;
      const whole = index.get(top.toLowerCase()) ?? top;
      issue(
        ctx,
        'InvalidField',
        path,
        `Patch path '${path}' points inside a field; replace the whole '${whole}' value instead.`,
      );
      return;
    }
    const canonical = index.get(path.toLowerCase());
    if (canonical === undefined) {
      issue(ctx, 'UnknownField', path, `The field '${path}' is not a field of ${resource}.`);
      return;
    }
    const spec = schema.fields[canonical]!;
    if (spec.readOnly === true) {
      issue(ctx, 'ReadOnly', canonical, `The field '${canonical}' is read-only.`);
      return;
    }
    if (op === undefined) return;
    if (op === 'remove') {
      if (spec.required === true) issue(ctx, 'NullValue', canonical, `${canonical} is required`);
      else out.push({ op, path: canonical });
      return;
    }
    if (!('value' in raw) || raw['value'] === undefined) {
      issue(ctx, 'InvalidValue', canonical, `Patch operation ${i}: ${op} needs a value.`);
      return;
    }
    const value = raw['value'];
    if (value === null) {
      if (spec.required === true) issue(ctx, 'NullValue', canonical, `${canonical} is required`);
      else out.push({ op, path: canonical, value: null });
      return;
    }
    const checked = checkValue(spec, value, canonical, ctx);
    if (checked.ok) out.push({ op, path: canonical, value: checked.value });
  });
  return ctx.issues.length > 0 ? err(ctx.issues) : ok(out);
}

/** Applies parsed operations to a record (a new object; `current` is untouched). */
export function applyPatch(current: Record<string, unknown>, ops: PatchOperation[]): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const op of ops) {
    if (op.op === 'remove') delete next[op.path];
    else next[op.path] = op.value;
  }
  return next;
}
