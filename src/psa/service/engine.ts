// The generic record engine behind every ConnectWise collection: list/count with conditions and
// paging, get, create, replace (PUT), patch and delete, with references resolved by id, identifier
// or name, `_info` audit data and hrefs, the `My` level (children follow their parent, see
// `visibility`), and callbacks enqueued in the same transaction as the change.
import type { Expression, SqlBool, Transaction } from 'kysely';
import type { Database } from '../../platform/db-types.js';
import { MAX_ID } from '../../platform/input-guard.js';
import { effectiveLevels, functionPath } from '../catalog/index.js';
import { badRequest, invalidObject, notFound, PsaError } from '../model/errors.js';
import { applyPatch, fieldSchema, parsePatch, validateBody } from '../model/schema.js';
import type { ValidationIssue } from '../model/schema-types.js';
import {
  compileChildConditions,
  compileConditions,
  compileCustomFieldConditions,
  compileOrderBy,
  parseConditions,
  parseFields,
  parseOrderBy,
  projectFields,
} from '../query/index.js';
import type { Doc, ListQuery, RecordStore, StoredRecord } from '../store/records.js';
import { enqueueCallbacks } from './callbacks.js';
import type { CallContext } from './context.js';
import type { HookArgs, ResourceDef } from './resource-def.js';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 1000;

export interface ListParams {
  conditions?: string | undefined;
  childConditions?: string | undefined;
  customFieldConditions?: string | undefined;
  orderBy?: string | undefined;
  fields?: string | undefined;
  page?: string | undefined;
  pageSize?: string | undefined;
  pageId?: string | undefined;
  forwardOnly?: boolean;
}

export interface ListResult {
  records: Doc[];
  page: number;
  pageSize: number;
  /** Total matching rows; computed only when a Link header needs it. */
  total?: number;
  /** Forward-only: the id to continue after, when a full page came back. */
  nextPageId?: number;
}

export type Registry = ReadonlyMap<string, ResourceDef>;

/** page, pageSize and pageId: whole numbers from `min` to MAX_ID (pageId is compared with ids). */
function parseIntParam(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim()))
    throw badRequest(`${name} must be a whole number, not '${raw.slice(0, 40)}'.`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw badRequest(`${name} must be at least ${min}.`);
  if (n > MAX_ID) throw badRequest(`${name} must be at most ${MAX_ID}.`);
  return n;
}

function queryFailure(e: { parameter: string; message: string }): PsaError {
  return new PsaError('BadRequest', `${e.parameter}: ${e.message}`);
}

/** Members live in the security store; the engine only needs to find and reference them. */
export interface MemberDirectory {
  /** `trx`: the caller's transaction (on SQLite a read outside it would wait for it forever). */
  find(
    ref: Doc,
    trx?: Transaction<Database>,
  ): Promise<{ id: number; identifier: string; name: string } | undefined>;
}

export class RecordEngine {
  constructor(
    readonly store: RecordStore,
    readonly registry: Registry,
    readonly members: MemberDirectory,
  ) {}

  private memberHref(ctx: CallContext, id: number): string {
    return `${ctx.apiBase}/system/members/${id}`;
  }

  def(key: string): ResourceDef {
    const d = this.registry.get(key);
    if (!d) throw new Error(`unknown resource ${key}`);
    return d;
  }

  hrefOf(ctx: CallContext, def: ResourceDef, id: number, parentIds: number[]): string {
    let path = def.path;
    if (path.includes('{grandparentId}')) path = path.replace('{grandparentId}', String(parentIds[0]));
    path = path.replace('{parentId}', String(parentIds[parentIds.length - 1]));
    return `${ctx.apiBase}${path}/${id}`;
  }

  /**
   * Checks that the URL's parents exist and belong together, and that the caller sees the topmost
   * one (`assertVisible`): a child is read, created, changed or deleted only through a parent the
   * caller may see. Returns the immediate parent's id (0 if none).
   */
  async checkParents(
    def: ResourceDef,
    parentIds: number[],
    trx?: Transaction<Database>,
    ctx?: CallContext,
  ): Promise<number> {
    if (!def.parent) return 0;
    const parentDef = this.def(def.parent.resource);
    const parentId = parentIds[parentIds.length - 1]!;
    const parent = await this.store.get(parentDef.entity, parentId, trx);
    if (!parent) throw notFound(parentDef.label, parentId);
    let top = parent;
    let topDef = parentDef;
    if (parentDef.parent && parentIds.length > 1) {
      const grand = parentIds[parentIds.length - 2]!;
      if (parent.parentId !== grand) throw notFound(parentDef.label, parentId);
      const grandDef = this.def(parentDef.parent.resource);
      const grandRow = await this.store.get(grandDef.entity, grand, trx);
      if (grandRow) {
        top = grandRow;
        topDef = grandDef;
      }
    }
    if (ctx) assertVisible(ctx, topDef, top);
    return parentId;
  }

  // ---------- reading ----------

  private async buildFilter(def: ResourceDef, params: ListParams): Promise<Expression<SqlBool>[]> {
    const schema = fieldSchema(def.schema);
    const dialect = this.store.dialect;
    const where: Expression<SqlBool>[] = [];
    const steps: Array<[string | undefined, string, typeof compileConditions]> = [
      [params.conditions, 'conditions', compileConditions],
      [params.childConditions, 'childConditions', compileChildConditions],
      [params.customFieldConditions, 'customFieldConditions', compileCustomFieldConditions],
    ];
    for (const [text, parameter, compile] of steps) {
      if (text === undefined || text.trim() === '') continue;
      const parsed = parseConditions(text, parameter);
      if (!parsed.ok) throw queryFailure(parsed.error);
      const compiled = compile(parsed.value, schema, { dialect, parameter });
      if (!compiled.ok) throw queryFailure(compiled.error);
      where.push(compiled.value);
    }
    return where;
  }

  /** `My` filters top-level records by owner; children are visible when their parent is. */
  private ownerFilter(ctx: CallContext, def: ResourceDef): ListQuery['mine'] {
    return ctx.scope === 'My' && !def.parent
      ? { memberId: ctx.caller.memberId, identifier: ctx.caller.identifier }
      : undefined;
  }

  async list(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    params: ListParams,
  ): Promise<ListResult> {
    const { rows, fields, ...paging } = await this.listRows(ctx, def, parentIds, params);
    return { records: await this.renderMany(ctx, def, rows, parentIds, fields), ...paging };
  }

  /** `list` with each record as the JSON text the API answers (see `renderManyJson`). */
  async listJson(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    params: ListParams,
  ): Promise<Omit<ListResult, 'records'> & { json: string[] }> {
    const { rows, fields, ...paging } = await this.listRows(ctx, def, parentIds, params);
    return { json: await this.renderManyJson(ctx, def, rows, parentIds, fields), ...paging };
  }

  private async listRows(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    params: ListParams,
  ): Promise<Omit<ListResult, 'records'> & { rows: StoredRecord[]; fields: string[][] | undefined }> {
    const parentId = await this.checkParents(def, parentIds, undefined, ctx);
    const where = await this.buildFilter(def, params);
    const pageSize = Math.min(
      parseIntParam('pageSize', params.pageSize, 1) ?? DEFAULT_PAGE_SIZE,
      MAX_PAGE_SIZE,
    );
    const fields = this.parseFieldsParam(params.fields);
    const base: ListQuery = {
      parentId: def.parent ? parentId : undefined,
      where,
      mine: this.ownerFilter(ctx, def),
    };
    if (params.forwardOnly) {
      if (params.orderBy?.trim()) throw badRequest('orderBy is not supported with forward-only pagination.');
      const afterId = parseIntParam('pageId', params.pageId, 0) ?? 0;
      const rows = await this.store.list(def.entity, { ...base, afterId, limit: pageSize });
      const last = rows[rows.length - 1];
      return {
        rows,
        fields,
        page: 1,
        pageSize,
        ...(rows.length === pageSize && last ? { nextPageId: last.id } : {}),
      };
    }
    const page = parseIntParam('page', params.page, 1) ?? 1;
    let orderBy: ListQuery['orderBy'];
    if (params.orderBy?.trim()) {
      const terms = parseOrderBy(params.orderBy);
      if (!terms.ok) throw queryFailure(terms.error);
      const compiled = compileOrderBy(terms.value, fieldSchema(def.schema), { dialect: this.store.dialect });
      if (!compiled.ok) throw queryFailure(compiled.error);
      orderBy = compiled.value;
    }
    const { rows, total } = await this.store.listPage(def.entity, {
      ...base,
      orderBy,
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { rows, fields, page, pageSize, total };
  }

  async count(ctx: CallContext, def: ResourceDef, parentIds: number[], params: ListParams): Promise<number> {
    const parentId = await this.checkParents(def, parentIds, undefined, ctx);
    const where = await this.buildFilter(def, params);
    return this.store.count(def.entity, {
      parentId: def.parent ? parentId : undefined,
      where,
      mine: this.ownerFilter(ctx, def),
    });
  }

  private parseFieldsParam(fields: string | undefined): string[][] | undefined {
    if (fields === undefined || fields.trim() === '') return undefined;
    const parsed = parseFields(fields);
    if (!parsed.ok) throw queryFailure(parsed.error);
    return parsed.value;
  }

  /** Loads one record the caller may see, or throws 404 / 403 (`My` level, someone else's record). */
  async load(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    id: number,
    trx?: Transaction<Database>,
  ): Promise<StoredRecord> {
    const parentId = await this.checkParents(def, parentIds, trx, ctx);
    const row = await this.store.get(def.entity, id, trx);
    if (!row || (def.parent && row.parentId !== parentId)) throw notFound(def.label, id);
    if (!def.parent) assertVisible(ctx, def, row);
    return row;
  }

  async get(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    id: number,
    fields?: string | undefined,
  ): Promise<Doc> {
    const row = await this.load(ctx, def, parentIds, id);
    const [out] = await this.renderMany(ctx, def, [row], parentIds, this.parseFieldsParam(fields));
    return out!;
  }

  // ---------- rendering ----------

  async renderMany(
    ctx: CallContext,
    def: ResourceDef,
    rows: StoredRecord[],
    parentIds: number[],
    fields?: string[][],
  ): Promise<Doc[]> {
    const docs = rows.map((r) => this.renderOne(ctx, def, r, parentIds));
    if (def.render) await def.render(docs, this.store);
    if (!fields) return docs;
    return docs.map((d) => projectFields(d, fields));
  }

  /**
   * The JSON text of each record renderMany(…) gives, serialised one by one: V8 builds one large
   * string (a 100-record page is ~160 kB) far more slowly than many small ones, and the HTTP layer
   * copies them into one buffer anyway (psa-api.ts `jsonArray`).
   */
  async renderManyJson(
    ctx: CallContext,
    def: ResourceDef,
    rows: StoredRecord[],
    parentIds: number[],
    fields?: string[][],
  ): Promise<string[]> {
    return (await this.renderMany(ctx, def, rows, parentIds, fields)).map((doc) => JSON.stringify(doc));
  }

  private renderOne(ctx: CallContext, def: ResourceDef, row: StoredRecord, parentIds: number[]): Doc {
    const data: Doc = { id: row.id, ...row.data };
    const ids = def.parent && parentIds.length === 0 ? [row.parentId] : parentIds;
    const href = this.hrefOf(ctx, def, row.id, ids.length ? ids : [row.parentId]);
    for (const [field, spec] of Object.entries(def.refs ?? {})) {
      const ref = data[field];
      if (ref && typeof ref === 'object' && !Array.isArray(ref) && typeof (ref as Doc).id === 'number') {
        const refId = (ref as Doc).id as number;
        let url: string;
        if (spec.target === 'member') url = this.memberHref(ctx, refId);
        else {
          const target = this.def(spec.target);
          const targetParents = target.parent
            ? [Number((data[spec.scopeField ?? ''] as Doc | undefined)?.id ?? 0)]
            : [];
          url = this.hrefOf(ctx, target, refId, targetParents);
        }
        const linked = copyOf(ref as Doc);
        linked._info = { [`${field}_href`]: url };
        data[field] = linked;
      }
    }
    if (def.parent?.refField) {
      const ref = data[def.parent.refField] as Doc | undefined;
      if (ref && typeof ref.id === 'number') {
        const parentDef = this.def(def.parent.resource);
        const linked = copyOf(ref);
        linked._info = { [`${def.parent.refField}_href`]: this.hrefOf(ctx, parentDef, ref.id, []) };
        data[def.parent.refField] = linked;
      }
    }
    const info = copyOf((data._info as Doc | undefined) ?? {});
    for (const [key, sub] of Object.entries(def.childHrefs ?? {})) info[key] = `${href}/${sub}`;
    data._info = info;
    return data;
  }

  // ---------- references ----------

  /** Replaces every reference object in `record` by the canonical reference to an existing record. */
  async resolveRefs(def: ResourceDef, record: Doc, trx: Transaction<Database>): Promise<ValidationIssue[]> {
    const issues: ValidationIssue[] = [];
    for (const [field, spec] of Object.entries(def.refs ?? {})) {
      const value = record[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        issues.push({
          code: 'InvalidField',
          message: `${field} must be an object reference.`,
          resource: def.resource,
          field,
        });
        continue;
      }
      if (spec.target === 'member') {
        const m = await this.members.find(value as Doc, trx);
        if (m) record[field] = m;
        else
          issues.push({
            code: 'InvalidField',
            message: `Member ${describeRef(value as Doc)} was not found.`,
            resource: def.resource,
            field,
          });
        continue;
      }
      const target = this.def(spec.target);
      let scopeId: number | undefined;
      if (spec.scopeField) {
        const scope = record[spec.scopeField] as Doc | undefined | null;
        scopeId = typeof scope?.id === 'number' ? scope.id : undefined;
        if (scopeId === undefined) {
          issues.push({
            code: 'InvalidField',
            message: `${field} needs ${spec.scopeField} to be set first.`,
            resource: def.resource,
            field,
          });
          continue;
        }
      }
      const found = await this.findRef(target, value as Doc, scopeId, trx);
      if (!found) {
        const named = describeRef(value as Doc);
        issues.push({
          code: 'InvalidField',
          message: `${target.label} ${named} was not found${spec.scopeField ? ` on this ${spec.scopeField}` : ''}.`,
          resource: def.resource,
          field,
        });
        continue;
      }
      record[field] = target.toRef ? target.toRef(found.data) : { id: found.id, name: found.data.name };
    }
    return issues;
  }

  async findRef(
    target: ResourceDef,
    ref: Doc,
    scopeId: number | undefined,
    trx: Transaction<Database>,
  ): Promise<StoredRecord | undefined> {
    const inScope = (r: StoredRecord | undefined) =>
      r && (scopeId === undefined || r.parentId === scopeId) ? r : undefined;
    if (typeof ref.id === 'number') return inScope(await this.store.get(target.entity, ref.id, trx));
    for (const key of ['identifier', 'name'] as const) {
      const field = target.lookup?.[key];
      const value = ref[key];
      if (!field || typeof value !== 'string') continue;
      const rows = await this.store.findByText(target.entity, [field], value, scopeId, trx);
      if (rows[0]) return rows[0];
    }
    return undefined;
  }

  // ---------- writing ----------

  private async checkUnique(
    def: ResourceDef,
    record: Doc,
    parentId: number,
    id: number | undefined,
    trx: Transaction<Database>,
  ) {
    for (const field of def.unique ?? []) {
      const value = record[field];
      if (typeof value !== 'string') continue;
      const rows = await this.store.findByText(
        def.entity,
        [field],
        value,
        def.parent ? parentId : undefined,
        trx,
      );
      if (rows.some((r) => r.id !== id)) {
        throw invalidObject(def.resource, [
          {
            code: 'ObjectExists',
            message: `${def.label} ${field} '${value}' already in use.`,
            resource: def.resource,
            field,
          },
        ]);
      }
    }
  }

  private async save(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    input: Doc,
    previous: StoredRecord | undefined,
    forcedId?: number,
  ): Promise<Doc> {
    const stored = await this.store.transaction(async (trx) => {
      const parentId = await this.checkParents(def, parentIds, trx, ctx);
      const record: Doc = { ...input };
      if (def.parent?.refField) {
        const parentDef = this.def(def.parent.resource);
        const parent = await this.store.get(parentDef.entity, parentId, trx);
        record[def.parent.refField] = parentDef.toRef
          ? parentDef.toRef(parent!.data)
          : { id: parentId, name: parent?.data.name };
      }
      if (def.parent?.idField) record[def.parent.idField] = parentId;
      const args: HookArgs = { ctx, trx, store: this.store, parentIds, input, previous };
      await def.beforeResolve?.(record, args);
      const issues = await this.resolveRefs(def, record, trx);
      if (issues.length) throw invalidObject(def.resource, issues);
      await def.beforeSave?.(record, args);
      await this.checkUnique(def, record, parentId, previous?.id, trx);
      const info: Doc = {
        ...((previous?.data._info as Doc | undefined) ?? {
          dateEntered: ctx.now,
          enteredBy: ctx.caller.identifier,
        }),
        lastUpdated: ctx.now,
        updatedBy: ctx.caller.identifier,
      };
      record._info = info;
      for (const field of def.writeOnly ?? []) delete record[field];
      const owner = def.ownerOf?.(record, args) ?? previous?.ownerMemberId ?? ctx.caller.memberId;
      let id: number;
      if (previous) {
        id = previous.id;
        await this.store.update(def.entity, id, record, ctx.now, owner, trx);
      } else {
        id = await this.store.insert(
          def.entity,
          {
            parentId,
            data: record,
            ownerMemberId: owner,
            at: ctx.now,
            ...(forcedId ? { id: forcedId } : {}),
          },
          trx,
        );
      }
      record.id = id;
      if (def.exclusiveDefault && record.defaultFlag === true)
        await this.clearOtherDefaults(def, parentId, id, ctx, trx);
      await def.afterSave?.(record, { ...args, id });
      if (def.callbackType) {
        await enqueueCallbacks(ctx, this.store, trx, {
          type: def.callbackType,
          action: previous ? 'updated' : 'added',
          id,
          record,
          fromUrl: this.hrefOf(ctx, def, id, parentIds),
        });
      }
      return (await this.store.get(def.entity, id, trx))!;
    });
    // Rendering reads other records (a configuration's questions) outside the transaction, so it
    // runs after the commit: inside it, SQLite's single connection would wait on itself forever.
    const [out] = await this.renderMany(ctx, def, [stored], parentIds);
    return out!;
  }

  private async clearOtherDefaults(
    def: ResourceDef,
    parentId: number,
    id: number,
    ctx: CallContext,
    trx: Transaction<Database>,
  ): Promise<void> {
    const others = await this.store.list(def.entity, { parentId: def.parent ? parentId : undefined }, trx);
    for (const o of others) {
      if (o.id !== id && o.data.defaultFlag === true) {
        await this.store.update(def.entity, o.id, { ...o.data, defaultFlag: false }, ctx.now, undefined, trx);
      }
    }
  }

  /** `forcedId` lets seeding create records with well-known ids (ticket 123456). */
  async create(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    body: unknown,
    forcedId?: number,
  ): Promise<Doc> {
    const withDefaults =
      body && typeof body === 'object' && !Array.isArray(body) ? withFieldDefaults(def, body as Doc) : body;
    const valid = validateBody(def.schema, withDefaults, { mode: 'create', resource: def.resource });
    if (!valid.ok) throw invalidObject(def.resource, valid.error);
    return this.save(ctx, def, parentIds, valid.value, undefined, forcedId);
  }

  async replace(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    id: number,
    body: unknown,
  ): Promise<Doc> {
    const previous = await this.load(ctx, def, parentIds, id);
    const valid = validateBody(def.schema, body, { mode: 'replace', resource: def.resource });
    if (!valid.ok) throw invalidObject(def.resource, valid.error);
    return this.save(ctx, def, parentIds, valid.value, previous);
  }

  async patch(
    ctx: CallContext,
    def: ResourceDef,
    parentIds: number[],
    id: number,
    body: unknown,
  ): Promise<Doc> {
    const previous = await this.load(ctx, def, parentIds, id);
    const ops = parsePatch(def.schema, body, def.resource);
    if (!ops.ok) throw invalidObject(def.resource, ops.error);
    const current: Doc = { ...previous.data };
    delete current._info;
    delete current.id;
    const patched = applyPatch(current, ops.value);
    const valid = validateBody(def.schema, patched, { mode: 'replace', resource: def.resource });
    if (!valid.ok) throw invalidObject(def.resource, valid.error);
    return this.save(ctx, def, parentIds, valid.value, previous);
  }

  async remove(ctx: CallContext, def: ResourceDef, parentIds: number[], id: number): Promise<void> {
    const row = await this.load(ctx, def, parentIds, id);
    await this.store.transaction(async (trx) => {
      for (const use of def.inUse ?? []) {
        const other = this.def(use.resource);
        const n = await this.store.countReferences(other.entity, use.field, id, trx);
        if (n > 0) {
          throw new PsaError(
            'Conflict',
            `${def.label} recId ${id} is in use by ${n} ${other.label.toLowerCase()} record(s) and cannot be deleted.`,
          );
        }
      }
      for (const child of this.registry.values()) {
        if (child.parent?.resource === def.key) {
          for (const grandchild of this.registry.values()) {
            if (grandchild.parent?.resource === child.key) {
              const kids = await this.store.list(child.entity, { parentId: id }, trx);
              for (const k of kids) await this.store.deleteChildren(grandchild.entity, k.id, trx);
            }
          }
          await this.store.deleteChildren(child.entity, id, trx);
        }
      }
      await this.store.delete(def.entity, id, trx);
      if (def.callbackType) {
        await enqueueCallbacks(ctx, this.store, trx, {
          type: def.callbackType,
          action: 'deleted',
          id,
          record: { ...row.data, id },
          fromUrl: this.hrefOf(ctx, def, id, parentIds),
        });
      }
    });
  }
}

/**
 * How far the caller sees records of `def` for this call: the narrower of the level the call's
 * action gave (`ctx.scope`) and the caller's Inquire level on the same function — nobody reads,
 * changes or deletes a record, nor adds, changes, reads or deletes its children, unless they could
 * read the record itself. All > My > None.
 */
export function visibility(ctx: CallContext, def: ResourceDef): 'All' | 'My' | 'None' {
  const inquire = effectiveLevels(ctx.caller.role, def.permission.function).inquire;
  if (inquire === 'None') return 'None';
  return ctx.scope === 'My' || inquire === 'My' ? 'My' : 'All';
}

/** 403 unless the caller sees `row` (a top-level record of `def`) at this call's level. */
function assertVisible(ctx: CallContext, def: ResourceDef, row: StoredRecord): void {
  const seen = visibility(ctx, def);
  if (seen === 'None') {
    throw new PsaError(
      'Forbidden',
      `You do not have access to ${functionPath(def.permission.function)} (Inquire): ${def.label} recId ${row.id} and its children cannot be used.`,
    );
  }
  if (seen === 'My' && !isMine(row, ctx)) {
    throw new PsaError(
      'Forbidden',
      `Your security level is My for ${def.label} records: recId ${row.id} is not yours.`,
    );
  }
}

/** `My` level: the caller owns the record, or created it. */
function isMine(row: StoredRecord, ctx: CallContext): boolean {
  if (row.ownerMemberId === ctx.caller.memberId) return true;
  const enteredBy = (row.data._info as Doc | undefined)?.enteredBy;
  return typeof enteredBy === 'string' && enteredBy.toLowerCase() === ctx.caller.identifier.toLowerCase();
}

/** Applies declared defaults under the caller's fields, matching names case-insensitively. */
function withFieldDefaults(def: ResourceDef, body: Doc): Doc {
  const present = new Set(Object.keys(body).map((k) => k.toLowerCase()));
  const out: Doc = {};
  for (const [k, v] of Object.entries(def.defaults ?? {}))
    if (!present.has(k.toLowerCase())) out[k] = structuredClone(v);
  return { ...out, ...body };
}

/**
 * A shallow copy of `doc` that the caller then adds keys to: the same object as `{ ...doc, k: v }`,
 * which V8 builds on a slow path when keys follow a spread (about 1 µs per reference, 8 per ticket,
 * so most of rendering), while `Object.assign` onto a fresh literal stays fast. An object with an
 * own `__proto__` key (never written by the engine) keeps the spread, which copies it as data.
 */
function copyOf(doc: Doc): Doc {
  return Object.hasOwn(doc, '__proto__') ? { ...doc } : Object.assign({}, doc);
}

function describeRef(ref: Doc): string {
  if (ref.id !== undefined) return `recId ${String(ref.id)}`;
  if (typeof ref.identifier === 'string') return `'${ref.identifier}'`;
  if (typeof ref.name === 'string') return `'${ref.name}'`;
  return '(no id, identifier or name given)';
}
