// Administration of the PSA's security model (PSA-1 … PSA-3): roles with levels and allow-lists,
// members and API members, API keys with their History, and API Logs. The admin HTTP endpoints and
// the CLI both call this service.
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import { hashPassword, passwordProblem } from '../../platform/passwords.js';
import {
  ACTIONS,
  customizeItems,
  type FunctionLevels,
  findFunction,
  isKnownCustomizeId,
  LEVELS,
  type Level,
  NO_ACCESS,
  type RolePreset,
  type RoleSnapshot,
} from '../catalog/index.js';
import { invalidObject, issue, notFound, PsaError } from '../model/errors.js';
import { type HistoryParams, historyDetail, historyText, readHistoryDetail } from '../model/history.js';
import type { ValidationIssue } from '../model/schema-types.js';
import type { RecordStore } from '../store/records.js';
import type { ApiLogRow, HistoryRow, MemberRow, RoleDetail, SecurityStore } from '../store/security.js';
import { generateKeyPair } from './keys.js';
import { writeMemberView, writeRoleView } from './security-views.js';

const level = z.enum(LEVELS as [Level, ...Level[]]);
const levelsInput = z.object({ add: level, edit: level, delete: level, inquire: level }).partial().strict();

export const roleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(30),
    adminFlag: z.boolean(),
    inactiveFlag: z.boolean(),
    /** function id → levels (unlisted actions keep their level, None for a new role) */
    levels: z.record(z.string(), levelsInput),
    /** customize id → the complete "Allow Access to these" list */
    allowLists: z.record(z.string(), z.array(z.string())),
  })
  .partial()
  .strict();
export type RoleInput = z.infer<typeof roleInputSchema>;

export const memberInputSchema = z
  .object({
    identifier: z
      .string()
      .trim()
      .min(1)
      .max(15)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
    firstName: z.string().trim().max(30),
    lastName: z.string().trim().max(30),
    /** API members have one name instead of first and last. */
    name: z.string().trim().max(60),
    email: z.string().trim().email().max(250).nullable(),
    role: z.union([z.number().int().positive(), z.string().min(1)]),
    inactiveFlag: z.boolean(),
    password: z.string(),
    notes: z.string().max(4000),
  })
  .partial()
  .strict();
export type MemberInput = z.infer<typeof memberInputSchema>;

export interface RoleView {
  id: number;
  name: string;
  adminFlag: boolean;
  inactiveFlag: boolean;
  levels: Record<string, FunctionLevels>;
  allowLists: Record<string, string[]>;
  createdAt: string;
  updatedAt: string;
}

export interface MemberView {
  id: number;
  kind: 'member' | 'api';
  identifier: string;
  firstName: string;
  lastName: string;
  name: string;
  email: string | null;
  roleId: number;
  roleName: string;
  inactiveFlag: boolean;
  hasPassword: boolean;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface KeyView {
  id: number;
  description: string;
  publicKey: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/**
 * The role as `input` leaves it: listed actions replace the current ones, listed allow-lists replace
 * theirs. What `updateRole` writes, and what the privilege rules judge before it does.
 */
export function roleAfter(current: RoleSnapshot | undefined, input: RoleInput): RoleSnapshot {
  const levels = new Map(current?.levels ?? []);
  for (const [fnId, partial] of Object.entries(input.levels ?? {})) {
    const base = current?.levels.get(fnId) ?? NO_ACCESS;
    levels.set(fnId, {
      add: partial.add ?? base.add,
      edit: partial.edit ?? base.edit,
      delete: partial.delete ?? base.delete,
      inquire: partial.inquire ?? base.inquire,
    });
  }
  const allowed = new Map<string, ReadonlySet<string>>(current?.allowed ?? []);
  for (const [customizeId, items] of Object.entries(input.allowLists ?? {}))
    allowed.set(customizeId, new Set(items));
  return {
    adminFlag: input.adminFlag ?? current?.adminFlag ?? false,
    inactiveFlag: input.inactiveFlag ?? current?.inactiveFlag ?? false,
    levels,
    allowed,
  };
}

function zodIssues(resource: string, error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => {
    const field = i.path.join('/') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : '');
    const keyed =
      i.code === 'unrecognized_keys'
        ? { key: 'field.unknown', params: { field } }
        : i.code === 'too_big' && i.type === 'string'
          ? { key: 'field.tooLong', params: { field, max: Number(i.maximum) } }
          : i.code === 'too_small' && i.type === 'string'
            ? { key: 'field.required', params: { field } }
            : { key: 'field.invalid', params: { field, detail: i.message } };
    return {
      code: i.code === 'unrecognized_keys' ? 'UnknownField' : 'InvalidValue',
      message: i.message,
      resource,
      field,
      ...keyed,
    };
  });
}

export function parseInput<T>(schema: z.ZodType<T>, resource: string, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw invalidObject(resource, zodIssues(resource, parsed.error));
  return parsed.data;
}

/** What changed in this process, so caches of verified keys and roles can be dropped at once. */
export type ChangeListener = (change: { kind: 'role' | 'member' | 'key'; id: number }) => void;

export class AdminService {
  private readonly listeners: ChangeListener[] = [];

  constructor(
    private readonly security: SecurityStore,
    private readonly records: RecordStore,
    private readonly clock: Clock,
  ) {}

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private changed(kind: 'role' | 'member' | 'key', id: number): void {
    for (const l of this.listeners) l({ kind, id });
  }

  private now(): string {
    return cwDate(this.clock.now());
  }

  // ---------- roles ----------

  private validateRoleContent(input: RoleInput): void {
    const issues: ValidationIssue[] = [];
    for (const [fnId, levels] of Object.entries(input.levels ?? {})) {
      const fn = findFunction(fnId);
      if (!fn) {
        issues.push(
          issue('InvalidField', 'securityRole', `levels/${fnId}`, 'role.unknownFunction', { function: fnId }),
        );
        continue;
      }
      for (const action of ACTIONS) {
        if (levels[action] === 'My' && !fn.myAllowed) {
          issues.push(
            issue('InvalidValue', 'securityRole', `levels/${fnId}/${action}`, 'role.noMyLevel', {
              function: fn.id,
            }),
          );
        }
      }
    }
    for (const [customizeId, items] of Object.entries(input.allowLists ?? {})) {
      if (!isKnownCustomizeId(customizeId)) {
        issues.push(
          issue('InvalidField', 'securityRole', `allowLists/${customizeId}`, 'role.unknownList', {
            list: customizeId,
          }),
        );
        continue;
      }
      const known = customizeItems(customizeId);
      if (known.length === 0) continue; // dynamic lists (configuration types …) accept any item
      const ids = new Set(known.map((k) => k.id));
      for (const item of items) {
        if (!ids.has(item)) {
          issues.push(
            issue('InvalidValue', 'securityRole', `allowLists/${customizeId}`, 'role.unknownItem', {
              item,
              list: customizeId,
            }),
          );
        }
      }
    }
    if (issues.length) throw invalidObject('securityRole', issues);
  }

  async listRoles(): Promise<RoleView[]> {
    const roles = await this.security.listRoles();
    const out: RoleView[] = [];
    for (const r of roles) out.push(toRoleView((await this.security.findRole(r.id))!));
    return out;
  }

  async getRole(idOrName: number | string): Promise<RoleView> {
    const role = await this.security.findRole(idOrName);
    if (!role) throw notFound('Security role', idOrName);
    return toRoleView(role);
  }

  async createRole(body: unknown, actor: string): Promise<RoleView> {
    const input = parseInput(roleInputSchema, 'securityRole', body);
    if (!input.name) {
      throw invalidObject('securityRole', [
        issue('NullValue', 'securityRole', 'name', 'field.required', { field: 'name' }),
      ]);
    }
    this.validateRoleContent(input);
    const at = this.now();
    const id = await this.security.db.transaction().execute(async (trx) => {
      if (await this.security.findRole(input.name!, trx)) {
        throw invalidObject('securityRole', [
          issue('ObjectExists', 'securityRole', 'name', 'role.nameInUse', { name: input.name ?? '' }),
        ]);
      }
      const roleId = await this.security.createRole(
        {
          name: input.name!,
          adminFlag: input.adminFlag ?? false,
          inactiveFlag: input.inactiveFlag ?? false,
          at,
        },
        trx,
      );
      await this.applyContent(roleId, input, new Map(), trx);
      return roleId;
    });
    void actor;
    await writeRoleView(this.records, this.security, id);
    return this.getRole(id);
  }

  private async applyContent(
    roleId: number,
    input: RoleInput,
    current: Map<string, FunctionLevels>,
    trx: Parameters<SecurityStore['setLevels']>[2],
  ): Promise<void> {
    // Only the functions the input lists are written; roleAfter merges them as the privilege rules saw.
    const after = roleAfter(
      { adminFlag: false, inactiveFlag: false, levels: current, allowed: new Map() },
      input,
    );
    const levels = new Map<string, FunctionLevels>();
    for (const fnId of Object.keys(input.levels ?? {})) levels.set(fnId, after.levels.get(fnId) ?? NO_ACCESS);
    await this.security.setLevels(roleId, levels, trx);
    for (const [customizeId, items] of Object.entries(input.allowLists ?? {})) {
      await this.security.setAllowList(roleId, customizeId, items, trx);
    }
  }

  async updateRole(id: number, body: unknown, actor: string): Promise<RoleView> {
    const input = parseInput(roleInputSchema, 'securityRole', body);
    this.validateRoleContent(input);
    const role = await this.security.findRole(id);
    if (!role) throw notFound('Security role', id);
    const at = this.now();
    await this.security.db.transaction().execute(async (trx) => {
      if (
        input.name &&
        input.name.toLowerCase() !== role.name.toLowerCase() &&
        (await this.security.findRole(input.name, trx))
      ) {
        throw invalidObject('securityRole', [
          issue('ObjectExists', 'securityRole', 'name', 'role.nameInUse', { name: input.name }),
        ]);
      }
      await this.security.updateRole(
        id,
        {
          at,
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.adminFlag !== undefined ? { adminFlag: input.adminFlag } : {}),
          ...(input.inactiveFlag !== undefined ? { inactiveFlag: input.inactiveFlag } : {}),
        },
        trx,
      );
      await this.applyContent(id, input, role.levels, trx);
    });
    void actor;
    await writeRoleView(this.records, this.security, id);
    this.changed('role', id);
    return this.getRole(id);
  }

  async deleteRole(id: number): Promise<void> {
    const role = await this.security.findRole(id);
    if (!role) throw notFound('Security role', id);
    const n = await this.security.countMembersWithRole(id);
    if (n > 0) throw PsaError.keyed('Conflict', 'role.assigned', { name: role.name, count: n });
    await this.security.deleteRole(id);
    await writeRoleView(this.records, this.security, id);
    this.changed('role', id);
  }

  /** Creates a role from a catalogue preset (the article's role, admin, read-only) unless it exists. */
  async ensurePreset(preset: RolePreset, actor: string): Promise<RoleView> {
    const existing = await this.security.findRole(preset.name);
    if (existing) return toRoleView(existing);
    return this.createRole(
      {
        name: preset.name,
        adminFlag: preset.adminFlag,
        inactiveFlag: preset.inactiveFlag,
        levels: preset.levels,
        allowLists: preset.allowed,
      },
      actor,
    );
  }

  // ---------- members ----------

  private async resolveRoleId(role: number | string | undefined): Promise<number> {
    if (role === undefined) {
      throw invalidObject('member', [
        issue('NullValue', 'member', 'role', 'field.required', { field: 'role' }),
      ]);
    }
    const found = await this.security.findRole(
      typeof role === 'string' && /^\d+$/.test(role) ? Number(role) : role,
    );
    if (!found) {
      throw invalidObject('member', [
        issue('InvalidField', 'member', 'role', 'member.roleNotFound', { role: String(role) }),
      ]);
    }
    return found.id;
  }

  async listMembers(kind: 'member' | 'api'): Promise<MemberView[]> {
    const roles = new Map((await this.security.listRoles()).map((r) => [r.id, r.name]));
    return (await this.security.listMembers(kind)).map((m) => toMemberView(m, roles.get(m.roleId) ?? ''));
  }

  async getMember(idOrIdentifier: number | string): Promise<MemberView> {
    const m = await this.security.findMember(idOrIdentifier);
    if (!m) throw notFound('Member', idOrIdentifier);
    const role = await this.security.findRole(m.roleId);
    return toMemberView(m, role?.name ?? '');
  }

  async createMember(kind: 'member' | 'api', body: unknown, actor: string): Promise<MemberView> {
    const input = parseInput(memberInputSchema, 'member', body);
    if (!input.identifier) {
      throw invalidObject('member', [
        issue('NullValue', 'member', 'identifier', 'field.required', { field: 'identifier' }),
      ]);
    }
    const roleId = await this.resolveRoleId(input.role);
    let passwordHash: string | null = null;
    if (input.password !== undefined) {
      if (kind === 'api') throw PsaError.keyed('BadRequest', 'member.apiPassword');
      const problem = passwordProblem(input.password);
      if (problem)
        throw new PsaError('InvalidObject', 'member object is invalid', [
          { code: 'InvalidValue', message: problem, resource: 'member', field: 'password' },
        ]);
      passwordHash = await hashPassword(input.password);
    }
    if (await this.security.findMember(input.identifier)) {
      throw invalidObject('member', [
        issue('ObjectExists', 'member', 'identifier', 'member.identifierInUse', {
          identifier: input.identifier,
        }),
      ]);
    }
    const at = this.now();
    const id = await this.security.createMember({
      kind,
      identifier: input.identifier,
      firstName: input.firstName ?? '',
      lastName: input.lastName ?? '',
      email: input.email ?? null,
      roleId,
      inactiveFlag: input.inactiveFlag ?? false,
      passwordHash,
      data: { name: input.name ?? input.identifier, notes: input.notes ?? '' },
      at,
    });
    await this.security.addHistory({
      memberId: id,
      at,
      actor,
      action: 'member.created',
      detail: historyDetail({ roleId }),
    });
    await writeMemberView(this.records, this.security, id);
    return this.getMember(id);
  }

  async updateMember(id: number, body: unknown, actor: string): Promise<MemberView> {
    const input = parseInput(memberInputSchema, 'member', body);
    const m = await this.security.findMember(id);
    if (!m) throw notFound('Member', id);
    const at = this.now();
    const changes: Parameters<SecurityStore['updateMember']>[1] = { at };
    const changed: string[] = [];
    if (input.identifier !== undefined && input.identifier.toLowerCase() !== m.identifier.toLowerCase()) {
      if (await this.security.findMember(input.identifier)) {
        throw invalidObject('member', [
          issue('ObjectExists', 'member', 'identifier', 'member.identifierInUse', {
            identifier: input.identifier,
          }),
        ]);
      }
      changes.identifier = input.identifier;
      changed.push('identifier');
    }
    if (input.firstName !== undefined) {
      changes.firstName = input.firstName;
      changed.push('firstName');
    }
    if (input.lastName !== undefined) {
      changes.lastName = input.lastName;
      changed.push('lastName');
    }
    if (input.email !== undefined) {
      changes.email = input.email;
      changed.push('email');
    }
    if (input.role !== undefined) {
      changes.roleId = await this.resolveRoleId(input.role);
      changed.push('role');
    }
    if (input.inactiveFlag !== undefined) {
      changes.inactiveFlag = input.inactiveFlag;
      changed.push('inactiveFlag');
    }
    if (input.name !== undefined || input.notes !== undefined) {
      changes.data = {
        ...m.data,
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.notes !== undefined ? { notes: input.notes } : {}),
      };
      changed.push('details');
    }
    if (input.password !== undefined) {
      const problem = passwordProblem(input.password);
      if (problem)
        throw new PsaError('InvalidObject', 'member object is invalid', [
          { code: 'InvalidValue', message: problem, resource: 'member', field: 'password' },
        ]);
      changes.passwordHash = await hashPassword(input.password);
      changed.push('password');
    }
    await this.security.updateMember(id, changes);
    await this.security.addHistory({
      memberId: id,
      at,
      actor,
      action: 'member.updated',
      detail: historyDetail({ fields: changed.join(', ') }),
    });
    await writeMemberView(this.records, this.security, id);
    this.changed('member', id);
    return this.getMember(id);
  }

  // ---------- keys ----------

  /** Creates a key pair. The private key is in this return value and nowhere else, ever. */
  async createKey(
    memberId: number,
    body: unknown,
    actor: string,
  ): Promise<KeyView & { privateKey: string; notice: string }> {
    const input = parseInput(
      z.object({ description: z.string().trim().min(1).max(100) }).strict(),
      'apiKey',
      body,
    );
    const member = await this.security.findMember(memberId);
    if (!member) throw notFound('Member', memberId);
    const pair = generateKeyPair();
    const at = this.now();
    const id = await this.security.createKey({
      memberId,
      description: input.description,
      publicKey: pair.publicKey,
      privateKeyDigest: pair.privateKeyDigest,
      createdBy: actor,
      at,
    });
    await this.security.addHistory({
      memberId,
      at,
      actor,
      action: 'apiKey.created',
      detail: historyDetail({ description: input.description, publicKey: pair.publicKey }),
    });
    const key = (await this.security.findKey(id))!;
    return {
      ...toKeyView(key),
      privateKey: pair.privateKey,
      notice: 'The private key is only available at the time the key is created. Please make a note of it.',
    };
  }

  async listKeys(memberId: number): Promise<KeyView[]> {
    if (!(await this.security.findMember(memberId))) throw notFound('Member', memberId);
    return (await this.security.listKeys(memberId)).map(toKeyView);
  }

  async revokeKey(memberId: number, keyId: number, actor: string): Promise<KeyView> {
    const key = await this.security.findKey(keyId);
    if (!key || key.memberId !== memberId) throw notFound('API key', keyId);
    const at = this.now();
    if (!key.revokedAt) {
      await this.security.revokeKey(keyId, at);
      await this.security.addHistory({
        memberId,
        at,
        actor,
        action: 'apiKey.revoked',
        detail: historyDetail({ description: key.description, publicKey: key.publicKey }),
      });
    }
    this.changed('key', keyId);
    return toKeyView((await this.security.findKey(keyId))!);
  }

  /** The member's History: each detail in English and as parameters (a role named by its name). */
  async history(memberId: number): Promise<Array<HistoryRow & { params: HistoryParams | null }>> {
    if (!(await this.security.findMember(memberId))) throw notFound('Member', memberId);
    const roles = new Map((await this.security.listRoles()).map((r) => [r.id, r.name]));
    return (await this.security.listHistory(memberId)).map((row) => {
      const read = readHistoryDetail(row.action, row.detail);
      if (!read) return { ...row, params: null };
      const params =
        typeof read.roleId === 'number' ? { ...read, roleName: roles.get(read.roleId) ?? '' } : read;
      return { ...row, detail: historyText(params), params };
    });
  }

  async apiLogs(memberId: number, limit = 200): Promise<ApiLogRow[]> {
    if (!(await this.security.findMember(memberId))) throw notFound('Member', memberId);
    return this.security.listApiLogs(memberId, limit);
  }
}

function toRoleView(r: RoleDetail): RoleView {
  return {
    id: r.id,
    name: r.name,
    adminFlag: r.adminFlag,
    inactiveFlag: r.inactiveFlag,
    levels: Object.fromEntries(r.levels),
    allowLists: Object.fromEntries([...r.allowed].map(([k, v]) => [k, [...v].sort()])),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toMemberView(m: MemberRow, roleName: string): MemberView {
  return {
    id: m.id,
    kind: m.kind,
    identifier: m.identifier,
    firstName: m.firstName,
    lastName: m.lastName,
    name:
      m.kind === 'api'
        ? String(m.data.name ?? m.identifier)
        : `${m.firstName} ${m.lastName}`.trim() || m.identifier,
    email: m.email,
    roleId: m.roleId,
    roleName,
    inactiveFlag: m.inactiveFlag,
    hasPassword: m.passwordHash !== null,
    notes: String(m.data.notes ?? ''),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

function toKeyView(k: import('../store/security.js').ApiKeyRow): KeyView {
  return {
    id: k.id,
    description: k.description,
    publicKey: k.publicKey,
    createdAt: k.createdAt,
    createdBy: k.createdBy,
    revokedAt: k.revokedAt,
    lastUsedAt: k.lastUsedAt,
  };
}
