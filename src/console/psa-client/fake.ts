// An in-memory ConnectWise for unit tests of the console: collections by concrete path, ids, `_info`,
// references by id/identifier/name, uniqueness, paging, a small conditions subset, injected failures
// and permission denials. It answers like the real client would after its retries (attempts: 1).
import {
  type CompanyInfo,
  type ConnectWiseApi,
  ConnectWiseError,
  type ConnectWiseErrorKind,
  type ConnectWiseFieldError,
  type GetQuery,
  type ListQuery,
  type PatchOperation,
} from './types.js';

type Doc = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a reference field of a collection is resolved (`{id}`, `{identifier: …}` or `{name: …}`). */
export interface FakeReference {
  /** The target collection, or a function of the record being written (board-scoped statuses …). */
  collection: string | ((record: Doc) => string | undefined);
  /** Target fields a reference may name it by, besides `id`; compared case-insensitively. */
  keys: string[];
  /** Target fields copied into the stored reference (default: identifier and name when present). */
  show?: string[];
  /** The target field that plays `name` in the reference (configuration statuses use `description`). */
  nameFrom?: string;
}

export type FakeFailure =
  | ConnectWiseError
  | {
      status: number;
      code?: string;
      message?: string;
      errors?: ConnectWiseFieldError[];
      retryAfterSeconds?: number;
    }
  | { kind: Exclude<ConnectWiseErrorKind, 'http'>; message?: string };

export interface FakeCall {
  method: Method;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
}

export type FakeMatcher = string | ((call: FakeCall) => boolean);

export interface FakeConnectWiseOptions {
  /** What discover() answers; `null` simulates an unknown company id. */
  companyInfo?: CompanyInfo | null;
  /** Records per concrete collection path; records keep their `id` when they have one. */
  seed?: Record<string, Doc[]>;
  /** Extra reference rules per collection pattern ('/service/boards/{id}/statuses'), merged over the defaults. */
  references?: Record<string, Record<string, FakeReference>>;
  /** Fields that must be unique per collection pattern (default: company identifier). */
  unique?: Record<string, string[]>;
  now?: () => Date;
}

const boardScoped =
  (child: string) =>
  (record: Doc): string | undefined => {
    const id = (record.board as Doc | undefined)?.id;
    return typeof id === 'number' ? `/service/boards/${id}/${child}` : undefined;
  };

export const DEFAULT_FAKE_REFERENCES: Record<string, Record<string, FakeReference>> = {
  '/service/tickets': {
    company: { collection: '/company/companies', keys: ['identifier', 'name'] },
    board: { collection: '/service/boards', keys: ['name'] },
    status: { collection: boardScoped('statuses'), keys: ['name'] },
    type: { collection: boardScoped('types'), keys: ['name'] },
    subType: { collection: boardScoped('subtypes'), keys: ['name'] },
    item: { collection: boardScoped('items'), keys: ['name'] },
    priority: { collection: '/service/priorities', keys: ['name'] },
    source: { collection: '/service/sources', keys: ['name'] },
  },
  '/company/configurations': {
    company: { collection: '/company/companies', keys: ['identifier', 'name'] },
    type: { collection: '/company/configurations/types', keys: ['name'] },
    status: {
      collection: '/company/configurations/statuses',
      keys: ['description'],
      nameFrom: 'description',
    },
  },
};

const DEFAULT_UNIQUE: Record<string, string[]> = { '/company/companies': ['identifier'] };

const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
};

const cwDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const isId = (segment: string | undefined) => segment !== undefined && /^\d+$/.test(segment);

function segmentsOf(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#]/.test(path))
    throw new TypeError(`ConnectWise path must look like '/service/tickets/12', not '${path}'`);
  return path.split('/').filter((s) => s !== '');
}

const keyOf = (segments: string[]) => `/${segments.join('/')}`.toLowerCase();

function patternRegex(pattern: string): RegExp {
  const body = pattern
    .toLowerCase()
    .split('/')
    .map((s) => (/^\{.*\}$/.test(s) ? '\\d+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}$`);
}

function lookup(record: unknown, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('/')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    const key = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    if (key === undefined) return undefined;
    current = (current as Doc)[key];
  }
  return current;
}

function singular(segment: string): string {
  if (segment.endsWith('ies')) return `${segment.slice(0, -3)}y`;
  if (segment.endsWith('ses')) return segment.slice(0, -2);
  return segment.endsWith('s') ? segment.slice(0, -1) : segment;
}

// ---------- the conditions subset ----------

type Value = string | number | boolean | null;
type Clause =
  | { path: string; op: '=' | '!='; value: Value }
  | { path: string; op: 'in'; values: Value[] }
  | { path: string; op: 'like'; pattern: RegExp };

const SUPPORTED =
  'FakeConnectWise supports only: field = value, field != value, a/b = value, field in (1, 2), ' +
  'field like "x*", joined by "and"';

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re =
    /\s*("(?:[^"])*"|'(?:[^'])*'|!=|<>|<=|>=|[=<>(),]|[A-Za-z_][\w]*(?:\/[A-Za-z_]\w*)*|-?\d+(?:\.\d+)?|\[[^\]]*\]|\S)/gy;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    tokens.push(m[1]!);
    end = re.lastIndex;
  }
  if (text.slice(end).trim() !== '') throw new Error(`${SUPPORTED}; cannot read '${text}'`);
  return tokens;
}

function parseValue(token: string | undefined, text: string): Value {
  if (token === undefined) throw new Error(`${SUPPORTED}; missing value in '${text}'`);
  if (/^["'].*["']$/s.test(token)) return token.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  const word = token.toLowerCase();
  if (word === 'true' || word === 'false') return word === 'true';
  if (word === 'null') return null;
  throw new Error(`${SUPPORTED}; unsupported value '${token}' in '${text}'`);
}

export function parseFakeConditions(text: string): Clause[] {
  const tokens = tokenize(text);
  const clauses: Clause[] = [];
  let i = 0;
  for (;;) {
    const path = tokens[i++];
    if (path === undefined || !/^[A-Za-z_]/.test(path) || /^(and|or|not|in|like|contains)$/i.test(path))
      throw new Error(`${SUPPORTED}; expected a field in '${text}'`);
    const op = (tokens[i++] ?? '').toLowerCase();
    if (op === '=' || op === '!=') clauses.push({ path, op, value: parseValue(tokens[i++], text) });
    else if (op === 'in') {
      if (tokens[i++] !== '(') throw new Error(`${SUPPORTED}; expected '(' after in in '${text}'`);
      const values: Value[] = [];
      for (;;) {
        values.push(parseValue(tokens[i++], text));
        const sep = tokens[i++];
        if (sep === ')') break;
        if (sep !== ',') throw new Error(`${SUPPORTED}; expected ',' or ')' in '${text}'`);
      }
      clauses.push({ path, op: 'in', values });
    } else if (op === 'like') {
      const value = parseValue(tokens[i++], text);
      if (typeof value !== 'string')
        throw new Error(`${SUPPORTED}; like needs a quoted pattern in '${text}'`);
      const body = value
        .split(/[*%]/)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
      clauses.push({ path, op: 'like', pattern: new RegExp(`^${body}$`, 'is') });
    } else throw new Error(`${SUPPORTED}; unsupported operator '${op}' in '${text}'`);
    const next = tokens[i++];
    if (next === undefined) return clauses;
    if (next.toLowerCase() !== 'and') throw new Error(`${SUPPORTED}; unsupported '${next}' in '${text}'`);
  }
}

function same(actual: unknown, expected: Value): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === 'string')
    return typeof actual === 'string' && actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

function matches(record: Doc, clauses: Clause[]): boolean {
  return clauses.every((c) => {
    const actual = lookup(record, c.path);
    switch (c.op) {
      case '=':
        return same(actual, c.value);
      case '!=':
        return !same(actual, c.value);
      case 'in':
        return c.values.some((v) => same(actual, v));
      case 'like':
        return typeof actual === 'string' && c.pattern.test(actual);
      default:
        return false;
    }
  });
}

function sorter(orderBy: string | undefined): (a: Doc, b: Doc) => number {
  const keys = (orderBy ?? 'id')
    .split(',')
    .map((k) => k.trim())
    .map((k) => {
      const m = /^([A-Za-z_]\w*(?:\/[A-Za-z_]\w*)*)(?:\s+(asc|desc))?$/i.exec(k);
      if (!m) throw new Error(`FakeConnectWise supports orderBy 'field [asc|desc]' only, not '${orderBy}'`);
      return { path: m[1]!, dir: m[2]?.toLowerCase() === 'desc' ? -1 : 1 };
    });
  return (a, b) => {
    for (const { path, dir } of keys) {
      const x = lookup(a, path);
      const y = lookup(b, path);
      if (x === y) continue;
      if (x === undefined || x === null) return -dir;
      if (y === undefined || y === null) return dir;
      const cmp =
        typeof x === 'string' && typeof y === 'string'
          ? x.localeCompare(y, 'en', { sensitivity: 'base' })
          : (x as number) < (y as number)
            ? -1
            : 1;
      if (cmp !== 0) return cmp * dir;
    }
    return (a.id as number) - (b.id as number);
  };
}

function project(record: Doc, fields: string | undefined): Doc {
  if (fields === undefined) return record;
  const out: Doc = {};
  for (const field of fields
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)) {
    const value = lookup(record, field);
    if (value === undefined) continue;
    const parts = field.split('/');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Doc;
    }
    target[parts[parts.length - 1]!] = value;
  }
  return out;
}

// ---------- the fake ----------

interface Collection {
  nextId: number;
  records: Map<number, Doc>;
}

interface Denial {
  method: string;
  prefix: string;
  status: number;
  message: string;
}

export class FakeConnectWise implements ConnectWiseApi {
  /** Every call, in order (for assertions). */
  readonly calls: FakeCall[] = [];
  companyInfo: CompanyInfo | null;
  private readonly collections = new Map<string, Collection>();
  private readonly failures: Array<{ match: FakeMatcher; failure: FakeFailure; times: number }> = [];
  private readonly denials: Denial[] = [];
  private readonly references: Array<{ re: RegExp; fields: Record<string, FakeReference> }>;
  private readonly unique: Array<{ re: RegExp; fields: string[] }>;
  private readonly now: () => Date;

  constructor(options: FakeConnectWiseOptions = {}) {
    this.companyInfo =
      options.companyInfo === undefined
        ? {
            CompanyName: 'Fake ConnectWise',
            Codebase: 'v4_6_release/',
            VersionCode: 'v2022.1',
            VersionNumber: 'v2022.1.0',
            CompanyID: 'fake',
            IsCloud: false,
          }
        : options.companyInfo;
    const refs = { ...DEFAULT_FAKE_REFERENCES };
    for (const [pattern, fields] of Object.entries(options.references ?? {}))
      refs[pattern] = { ...refs[pattern], ...fields };
    this.references = Object.entries(refs).map(([p, fields]) => ({ re: patternRegex(p), fields }));
    this.unique = Object.entries({ ...DEFAULT_UNIQUE, ...options.unique }).map(([p, fields]) => ({
      re: patternRegex(p),
      fields,
    }));
    this.now = options.now ?? (() => new Date());
    for (const [path, records] of Object.entries(options.seed ?? {})) this.seed(path, records);
  }

  // ---------- test controls ----------

  /** Stores records as they are (ids kept when given), bypassing references and checks. */
  seed(path: string, records: Doc[]): Doc[] {
    const coll = this.collection(keyOf(segmentsOf(path)), true)!;
    return records.map((input) => {
      const id = typeof input.id === 'number' ? input.id : coll.nextId;
      coll.nextId = Math.max(coll.nextId, id + 1);
      const at = cwDate(this.now());
      const record = { _info: { dateEntered: at, lastUpdated: at }, ...structuredClone(input), id };
      coll.records.set(id, record);
      return structuredClone(record);
    });
  }

  /** The stored records of a collection (copies), ordered by id. */
  records(path: string): Doc[] {
    const coll = this.collection(keyOf(segmentsOf(path)), false);
    return coll ? [...coll.records.values()].sort(sorter(undefined)).map((r) => structuredClone(r)) : [];
  }

  /**
   * The next call matching `match` (a path — itself or anything below it — or a predicate) fails with
   * `failure`, `times` times. Failures are what the real client reports after its own retries.
   */
  failNext(match: FakeMatcher, failure: FakeFailure, times = 1): void {
    this.failures.push({ match, failure, times });
  }

  /** Refuses `method` ('*' for all) on `pathPrefix` and below until the returned function is called. */
  deny(method: string, pathPrefix: string, status = 403, message?: string): () => void {
    const denial: Denial = {
      method: method.toUpperCase(),
      prefix: keyOf(segmentsOf(pathPrefix)),
      status,
      message: message ?? `You do not have access to ${pathPrefix} (${method.toUpperCase()}).`,
    };
    this.denials.push(denial);
    return () => {
      const i = this.denials.indexOf(denial);
      if (i >= 0) this.denials.splice(i, 1);
    };
  }

  // ---------- ConnectWiseApi ----------

  async discover(): Promise<CompanyInfo> {
    this.enter({ method: 'GET', path: '/login/companyinfo' });
    if (this.companyInfo === null)
      throw new ConnectWiseError({
        kind: 'unknown-company',
        message: 'FakeConnectWise: unknown company id',
        method: 'GET',
        path: '/login/companyinfo',
        status: 200,
        attempts: 1,
      });
    return structuredClone(this.companyInfo);
  }

  async get<T = unknown>(path: string, query?: GetQuery): Promise<T> {
    const segs = segmentsOf(path);
    this.enter({ method: 'GET', path, ...(query ? { query } : {}) });
    const last = segs[segs.length - 1];
    if (last?.toLowerCase() === 'count') {
      const conditions = query?.conditions;
      return {
        count: this.filtered(segs.slice(0, -1), typeof conditions === 'string' ? conditions : undefined)
          .length,
      } as T;
    }
    if (isId(last)) {
      const fields = query?.fields;
      return project(this.existing('GET', segs), typeof fields === 'string' ? fields : undefined) as T;
    }
    return this.page(segs, (query ?? {}) as ListQuery) as T;
  }

  async list<T = unknown>(path: string, query: ListQuery = {}): Promise<T[]> {
    const segs = segmentsOf(path);
    this.enter({ method: 'GET', path, query });
    return this.page(segs, query) as T[];
  }

  async listAll<T = unknown>(path: string, query: ListQuery = {}): Promise<T[]> {
    const segs = segmentsOf(path);
    this.enter({ method: 'GET', path, query });
    const rows = this.filtered(segs, query.conditions, query).sort(sorter(query.orderBy));
    return rows.map((r) => project(structuredClone(r), query.fields)) as T[];
  }

  async count(path: string, conditions?: string): Promise<number> {
    const segs = segmentsOf(path);
    this.enter({ method: 'GET', path: `${path}/count`, ...(conditions ? { query: { conditions } } : {}) });
    return this.filtered(segs, conditions).length;
  }

  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    const segs = segmentsOf(path);
    this.enter({ method: 'POST', path, body });
    if (isId(segs[segs.length - 1]))
      throw this.http(
        405,
        'MethodNotAllowed',
        "The requested resource does not support http method 'POST'.",
        'POST',
        path,
      );
    this.parentMustExist(segs, 'POST');
    const key = keyOf(segs);
    const input = this.object(body, 'POST', path);
    const coll = this.collection(key, true)!;
    const id = coll.nextId;
    const at = cwDate(this.now());
    const record = this.prepare(key, segs, input, id, 'POST', path);
    record._info = { lastUpdated: at, updatedBy: 'fake', dateEntered: at, enteredBy: 'fake' };
    coll.nextId += 1;
    coll.records.set(id, record);
    return structuredClone(record) as T;
  }

  async put<T = unknown>(path: string, body: unknown): Promise<T> {
    const segs = segmentsOf(path);
    this.enter({ method: 'PUT', path, body });
    const previous = this.existing('PUT', segs);
    const input = this.object(body, 'PUT', path);
    return this.store(segs, input, previous, 'PUT', path) as T;
  }

  async patch<T = unknown>(path: string, ops: PatchOperation[]): Promise<T> {
    const segs = segmentsOf(path);
    this.enter({ method: 'PATCH', path, body: ops });
    const previous = this.existing('PATCH', segs);
    if (!Array.isArray(ops) || ops.length === 0)
      throw this.http(
        400,
        'BadRequest',
        'A PATCH body must be a non-empty array of operations.',
        'PATCH',
        path,
      );
    const next = structuredClone(previous);
    for (const op of ops) {
      const field = typeof op?.path === 'string' ? op.path.replace(/^\//, '') : '';
      if (field === '' || field.includes('/') || !['add', 'replace', 'remove'].includes(op.op))
        throw this.http(
          400,
          'BadRequest',
          `Unsupported PATCH operation ${JSON.stringify(op)}.`,
          'PATCH',
          path,
        );
      if (field === 'id' || field === '_info') continue;
      if (op.op === 'remove') delete next[field];
      else next[field] = structuredClone(op.value);
    }
    return this.store(segs, next, previous, 'PATCH', path) as T;
  }

  async delete(path: string): Promise<void> {
    const segs = segmentsOf(path);
    this.enter({ method: 'DELETE', path });
    const record = this.existing('DELETE', segs);
    this.collection(keyOf(segs.slice(0, -1)), false)!.records.delete(record.id as number);
  }

  // ---------- internals ----------

  /** Records the call, then applies denials and queued failures. */
  private enter(call: FakeCall): void {
    this.calls.push(structuredClone(call));
    const key = keyOf(segmentsOf(call.path));
    for (const d of this.denials) {
      if (
        (d.method === '*' || d.method === call.method) &&
        (key === d.prefix || key.startsWith(`${d.prefix}/`))
      )
        throw this.http(d.status, DEFAULT_CODES[d.status] ?? 'Forbidden', d.message, call.method, call.path);
    }
    const index = this.failures.findIndex(({ match }) =>
      typeof match === 'function'
        ? match(call)
        : key === keyOf(segmentsOf(match)) || key.startsWith(`${keyOf(segmentsOf(match))}/`),
    );
    if (index < 0) return;
    const entry = this.failures[index]!;
    entry.times -= 1;
    if (entry.times <= 0) this.failures.splice(index, 1);
    throw this.toError(entry.failure, call);
  }

  private toError(failure: FakeFailure, call: FakeCall): ConnectWiseError {
    if (failure instanceof ConnectWiseError) return failure;
    if ('status' in failure) {
      const code = failure.code ?? DEFAULT_CODES[failure.status] ?? 'Error';
      return new ConnectWiseError({
        kind: 'http',
        message: `FakeConnectWise: ${failure.status} ${code} for ${call.method} ${call.path}`,
        method: call.method,
        path: call.path,
        status: failure.status,
        code,
        cwMessage: failure.message ?? `Simulated ${failure.status}.`,
        ...(failure.errors ? { errors: failure.errors } : {}),
        ...(failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
        attempts: 1,
      });
    }
    return new ConnectWiseError({
      kind: failure.kind,
      message:
        failure.message ?? `FakeConnectWise: simulated ${failure.kind} for ${call.method} ${call.path}`,
      method: call.method,
      path: call.path,
      attempts: 1,
    });
  }

  private http(
    status: number,
    code: string,
    message: string,
    method: string,
    path: string,
    errors?: ConnectWiseFieldError[],
  ): ConnectWiseError {
    return new ConnectWiseError({
      kind: 'http',
      message: `FakeConnectWise answered ${status} to ${method} ${path} — ${code}: ${message}`,
      method,
      path,
      status,
      code,
      cwMessage: message,
      ...(errors ? { errors } : {}),
      attempts: 1,
    });
  }

  private collection(key: string, create: boolean): Collection | undefined {
    let coll = this.collections.get(key);
    if (!coll && create) {
      coll = { nextId: 1, records: new Map() };
      this.collections.set(key, coll);
    }
    return coll;
  }

  private existing(method: string, segs: string[]): Doc {
    const path = `/${segs.join('/')}`;
    const last = segs[segs.length - 1];
    if (!isId(last))
      throw this.http(
        405,
        'MethodNotAllowed',
        `The requested resource does not support http method '${method}'.`,
        method,
        path,
      );
    const record = this.collection(keyOf(segs.slice(0, -1)), false)?.records.get(Number(last));
    if (!record) {
      const entity = singular(segs[segs.length - 2] ?? 'record');
      throw this.http(
        404,
        'NotFound',
        `${entity[0]!.toUpperCase()}${entity.slice(1)} recId ${last} not found.`,
        method,
        path,
      );
    }
    return record;
  }

  private parentMustExist(segs: string[], method: string): void {
    if (segs.length < 3 || !isId(segs[segs.length - 2])) return;
    this.existing(method, segs.slice(0, -1));
  }

  private object(body: unknown, method: string, path: string): Doc {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw this.http(400, 'BadRequest', 'The request body must be a JSON object.', method, path);
    return structuredClone(body as Doc);
  }

  private store(segs: string[], input: Doc, previous: Doc, method: string, path: string): Doc {
    const key = keyOf(segs.slice(0, -1));
    const id = previous.id as number;
    const record = this.prepare(key, segs.slice(0, -1), input, id, method, path);
    const info = (previous._info ?? {}) as Doc;
    record._info = { ...info, lastUpdated: cwDate(this.now()), updatedBy: 'fake' };
    this.collection(key, false)!.records.set(id, record);
    return structuredClone(record);
  }

  /** Resolves references and checks uniqueness; returns the record to store (id set, `_info` not yet). */
  private prepare(
    key: string,
    collSegs: string[],
    input: Doc,
    id: number,
    method: string,
    path: string,
  ): Doc {
    const { id: _id, _info, ...fields } = input;
    const record: Doc = { id, ...fields };
    const resource = singular(collSegs[collSegs.length - 1] ?? 'record');
    const refs = this.references.find((r) => r.re.test(key))?.fields ?? {};
    const invalid = (field: string, message: string) =>
      this.http(400, 'InvalidObject', `${resource} object is invalid`, method, path, [
        { code: 'InvalidValue', message, resource, field },
      ]);
    for (const [field, rule] of Object.entries(refs)) {
      const value = record[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value))
        throw invalid(field, `${field} must be a reference object.`);
      const target = typeof rule.collection === 'function' ? rule.collection(record) : rule.collection;
      const candidates = target
        ? [...(this.collection(keyOf(segmentsOf(target)), false)?.records.values() ?? [])]
        : [];
      const ref = value as Doc;
      // A reference names its target by id, or by a key field; `name` stands for nameFrom.
      const named = (k: string) => ref[k === rule.nameFrom ? 'name' : k];
      const found =
        typeof ref.id === 'number'
          ? candidates.find((c) => c.id === ref.id)
          : candidates.find((c) =>
              rule.keys.some((k) => {
                const wanted = named(k);
                return typeof wanted === 'string' && same(c[k], wanted);
              }),
            );
      if (!found) throw invalid(field, `${field} ${JSON.stringify(ref)} was not found.`);
      const shown: Doc = { id: found.id };
      for (const f of rule.show ?? ['identifier', 'name']) if (found[f] !== undefined) shown[f] = found[f];
      if (rule.nameFrom && found[rule.nameFrom] !== undefined) shown.name = found[rule.nameFrom];
      record[field] = shown;
    }
    const unique = this.unique.find((u) => u.re.test(key))?.fields ?? [];
    const others = [...(this.collection(key, false)?.records.values() ?? [])].filter((r) => r.id !== id);
    const clashes: ConnectWiseFieldError[] = unique
      .filter((f) => typeof record[f] === 'string' && others.some((o) => same(o[f], record[f] as string)))
      .map((f) => ({
        code: 'ObjectExists',
        message: `${f} '${String(record[f])}' already in use.`,
        resource,
        field: f,
      }));
    if (clashes.length > 0)
      throw this.http(400, 'InvalidObject', `${resource} object is invalid`, method, path, clashes);
    return record;
  }

  private filtered(segs: string[], conditions: string | undefined, query: ListQuery = {}): Doc[] {
    for (const unsupported of ['childConditions', 'customFieldConditions'] as const)
      if (query[unsupported] !== undefined)
        throw new Error(`FakeConnectWise does not support ${unsupported}`);
    const clauses =
      conditions === undefined || conditions.trim() === '' ? [] : parseFakeConditions(conditions);
    const coll = this.collection(keyOf(segs), false);
    return [...(coll?.records.values() ?? [])].filter((r) => matches(r, clauses));
  }

  private page(segs: string[], query: ListQuery): Doc[] {
    const pageSize = Math.min(1000, Math.max(1, query.pageSize ?? 25));
    const page = Math.max(1, query.page ?? 1);
    const rows = this.filtered(segs, query.conditions, query).sort(sorter(query.orderBy));
    return rows
      .slice((page - 1) * pageSize, page * pageSize)
      .map((r) => project(structuredClone(r), query.fields));
  }
}
