// Repository of the PSA's security model: roles with their levels and allow-lists, members and API
// members, API keys (only a SHA-256 digest of the private key is kept), key History and API Logs.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../platform/db-types.js';
import { decodeJson } from '../../platform/db-types.js';
import { MAX_ID } from '../../platform/input-guard.js';
import type { CustomizeId, FunctionLevels, Level } from '../catalog/types.js';
import type { Db } from './records.js';

const storableId = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_ID;

export interface RoleRow {
  id: number;
  name: string;
  adminFlag: boolean;
  inactiveFlag: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface RoleDetail extends RoleRow {
  levels: Map<string, FunctionLevels>;
  allowed: Map<CustomizeId, Set<string>>;
}

export interface MemberRow {
  id: number;
  kind: 'member' | 'api';
  identifier: string;
  firstName: string;
  lastName: string;
  email: string | null;
  roleId: number;
  inactiveFlag: boolean;
  inactiveDate: string | null;
  passwordHash: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeyRow {
  id: number;
  memberId: number;
  description: string;
  publicKey: string;
  privateKeyDigest: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface HistoryRow {
  id: number;
  memberId: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

export interface ApiLogRow {
  id: number;
  memberId: number;
  keyId: number | null;
  at: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

const flag = (v: number | boolean) => (v ? 1 : 0);

function toMember(r: Selectable<Database['psa_member']>): MemberRow {
  return {
    id: Number(r.id),
    kind: r.kind,
    identifier: r.identifier,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    roleId: Number(r.role_id),
    inactiveFlag: Boolean(r.inactive_flag),
    inactiveDate: r.inactive_date,
    passwordHash: r.password_hash,
    data: decodeJson<Record<string, unknown>>(r.data),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toKey(r: Selectable<Database['psa_api_key']>): ApiKeyRow {
  return {
    id: Number(r.id),
    memberId: Number(r.member_id),
    description: r.description,
    publicKey: r.public_key,
    privateKeyDigest: r.private_key_digest,
    createdAt: r.created_at,
    createdBy: r.created_by,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

export class SecurityStore {
  constructor(readonly db: Kysely<Database>) {}

  // ---- roles ----

  async listRoles(trx: Db = this.db): Promise<RoleRow[]> {
    const rows = await trx.selectFrom('psa_role').selectAll().orderBy('id').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      adminFlag: Boolean(r.admin_flag),
      inactiveFlag: Boolean(r.inactive_flag),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async findRole(idOrName: number | string, trx: Db = this.db): Promise<RoleDetail | undefined> {
    // A number no id can be (a fraction, past 2^31 − 1) names no role; PostgreSQL would refuse it.
    if (typeof idOrName === 'number' && !storableId(idOrName)) return undefined;
    let q = trx.selectFrom('psa_role').selectAll();
    q =
      typeof idOrName === 'number'
        ? q.where('id', '=', idOrName)
        : q.where('name_key', '=', idOrName.toLowerCase());
    const r = await q.executeTakeFirst();
    if (!r) return undefined;
    const id = Number(r.id);
    const settings = await trx.selectFrom('psa_role_setting').selectAll().where('role_id', '=', id).execute();
    const custom = await trx.selectFrom('psa_role_customize').selectAll().where('role_id', '=', id).execute();
    const levels = new Map<string, FunctionLevels>();
    for (const s of settings) {
      levels.set(s.function_id, {
        add: s.add_level as Level,
        edit: s.edit_level as Level,
        delete: s.delete_level as Level,
        inquire: s.inquire_level as Level,
      });
    }
    const allowed = new Map<CustomizeId, Set<string>>();
    for (const c of custom) {
      const set = allowed.get(c.customize_id) ?? new Set<string>();
      set.add(c.item_id);
      allowed.set(c.customize_id, set);
    }
    return {
      id,
      name: r.name,
      adminFlag: Boolean(r.admin_flag),
      inactiveFlag: Boolean(r.inactive_flag),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      levels,
      allowed,
    };
  }

  async createRole(
    input: { name: string; adminFlag?: boolean; inactiveFlag?: boolean; at: string },
    trx: Db = this.db,
  ): Promise<number> {
    const row = await trx
      .insertInto('psa_role')
      .values({
        name: input.name,
        name_key: input.name.toLowerCase(),
        admin_flag: flag(input.adminFlag ?? false),
        inactive_flag: flag(input.inactiveFlag ?? false),
        created_at: input.at,
        updated_at: input.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async updateRole(
    id: number,
    input: { name?: string; adminFlag?: boolean; inactiveFlag?: boolean; at: string },
    trx: Db = this.db,
  ): Promise<void> {
    const set: Record<string, unknown> = { updated_at: input.at };
    if (input.name !== undefined) {
      set.name = input.name;
      set.name_key = input.name.toLowerCase();
    }
    if (input.adminFlag !== undefined) set.admin_flag = flag(input.adminFlag);
    if (input.inactiveFlag !== undefined) set.inactive_flag = flag(input.inactiveFlag);
    await trx.updateTable('psa_role').set(set).where('id', '=', id).execute();
  }

  /** Replaces the levels of the given functions (functions not mentioned keep theirs). */
  async setLevels(roleId: number, levels: Map<string, FunctionLevels>, trx: Db = this.db): Promise<void> {
    // One statement for the whole grid (a role has a row per catalogue function): a round trip per
    // row made creating a role take ~0.2 s on PostgreSQL.
    const rows = [...levels].map(([fn, l]) => ({
      role_id: roleId,
      function_id: fn,
      add_level: l.add,
      edit_level: l.edit,
      delete_level: l.delete,
      inquire_level: l.inquire,
    }));
    if (rows.length === 0) return;
    await trx
      .insertInto('psa_role_setting')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['role_id', 'function_id']).doUpdateSet((eb) => ({
          add_level: eb.ref('excluded.add_level'),
          edit_level: eb.ref('excluded.edit_level'),
          delete_level: eb.ref('excluded.delete_level'),
          inquire_level: eb.ref('excluded.inquire_level'),
        })),
      )
      .execute();
  }

  /** Replaces one customize allow-list of a role. */
  async setAllowList(roleId: number, customizeId: string, items: string[], trx: Db = this.db): Promise<void> {
    await trx
      .deleteFrom('psa_role_customize')
      .where('role_id', '=', roleId)
      .where('customize_id', '=', customizeId)
      .execute();
    const unique = [...new Set(items)];
    if (unique.length === 0) return;
    await trx
      .insertInto('psa_role_customize')
      .values(unique.map((item_id) => ({ role_id: roleId, customize_id: customizeId, item_id })))
      .execute();
  }

  async deleteRole(id: number, trx: Db = this.db): Promise<void> {
    await trx.deleteFrom('psa_role_customize').where('role_id', '=', id).execute();
    await trx.deleteFrom('psa_role_setting').where('role_id', '=', id).execute();
    await trx.deleteFrom('psa_role').where('id', '=', id).execute();
  }

  async countMembersWithRole(id: number, trx: Db = this.db): Promise<number> {
    const r = await trx
      .selectFrom('psa_member')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role_id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ---- members ----

  async listMembers(kind: 'member' | 'api', trx: Db = this.db): Promise<MemberRow[]> {
    const rows = await trx
      .selectFrom('psa_member')
      .selectAll()
      .where('kind', '=', kind)
      .orderBy('id')
      .execute();
    return rows.map((r) => toMember(r));
  }

  async findMember(idOrIdentifier: number | string, trx: Db = this.db): Promise<MemberRow | undefined> {
    if (typeof idOrIdentifier === 'number' && !storableId(idOrIdentifier)) return undefined;
    let q = trx.selectFrom('psa_member').selectAll();
    q =
      typeof idOrIdentifier === 'number'
        ? q.where('id', '=', idOrIdentifier)
        : q.where('identifier_key', '=', idOrIdentifier.toLowerCase());
    const r = await q.executeTakeFirst();
    return r && toMember(r);
  }

  async createMember(
    input: {
      kind: 'member' | 'api';
      identifier: string;
      firstName?: string;
      lastName?: string;
      email?: string | null;
      roleId: number;
      inactiveFlag?: boolean;
      passwordHash?: string | null;
      data?: Record<string, unknown>;
      at: string;
    },
    trx: Db = this.db,
  ): Promise<number> {
    const row = await trx
      .insertInto('psa_member')
      .values({
        kind: input.kind,
        identifier: input.identifier,
        identifier_key: input.identifier.toLowerCase(),
        first_name: input.firstName ?? '',
        last_name: input.lastName ?? '',
        email: input.email ?? null,
        role_id: input.roleId,
        inactive_flag: flag(input.inactiveFlag ?? false),
        inactive_date: input.inactiveFlag ? input.at : null,
        password_hash: input.passwordHash ?? null,
        data: JSON.stringify(input.data ?? {}),
        created_at: input.at,
        updated_at: input.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async updateMember(
    id: number,
    input: {
      identifier?: string;
      firstName?: string;
      lastName?: string;
      email?: string | null;
      roleId?: number;
      inactiveFlag?: boolean;
      passwordHash?: string | null;
      data?: Record<string, unknown>;
      at: string;
    },
    trx: Db = this.db,
  ): Promise<void> {
    const set: Record<string, unknown> = { updated_at: input.at };
    if (input.identifier !== undefined) {
      set.identifier = input.identifier;
      set.identifier_key = input.identifier.toLowerCase();
    }
    if (input.firstName !== undefined) set.first_name = input.firstName;
    if (input.lastName !== undefined) set.last_name = input.lastName;
    if (input.email !== undefined) set.email = input.email;
    if (input.roleId !== undefined) set.role_id = input.roleId;
    if (input.inactiveFlag !== undefined) {
      set.inactive_flag = flag(input.inactiveFlag);
      set.inactive_date = input.inactiveFlag ? input.at : null;
    }
    if (input.passwordHash !== undefined) set.password_hash = input.passwordHash;
    if (input.data !== undefined) set.data = JSON.stringify(input.data);
    await trx.updateTable('psa_member').set(set).where('id', '=', id).execute();
  }

  // ---- API keys ----

  async createKey(
    input: {
      memberId: number;
      description: string;
      publicKey: string;
      privateKeyDigest: string;
      createdBy: string;
      at: string;
    },
    trx: Db = this.db,
  ): Promise<number> {
    const row = await trx
      .insertInto('psa_api_key')
      .values({
        member_id: input.memberId,
        description: input.description,
        public_key: input.publicKey,
        private_key_digest: input.privateKeyDigest,
        created_at: input.at,
        created_by: input.createdBy,
        revoked_at: null,
        last_used_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async listKeys(memberId: number, trx: Db = this.db): Promise<ApiKeyRow[]> {
    const rows = await trx
      .selectFrom('psa_api_key')
      .selectAll()
      .where('member_id', '=', memberId)
      .orderBy('id')
      .execute();
    return rows.map((r) => toKey(r));
  }

  async findKey(id: number, trx: Db = this.db): Promise<ApiKeyRow | undefined> {
    const r = await trx.selectFrom('psa_api_key').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toKey(r);
  }

  async findKeyByPublicKey(publicKey: string, trx: Db = this.db): Promise<ApiKeyRow | undefined> {
    const r = await trx
      .selectFrom('psa_api_key')
      .selectAll()
      .where('public_key', '=', publicKey)
      .executeTakeFirst();
    return r && toKey(r);
  }

  async revokeKey(id: number, at: string, trx: Db = this.db): Promise<void> {
    await trx
      .updateTable('psa_api_key')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async touchKeys(lastUsed: Map<number, string>, trx: Db = this.db): Promise<void> {
    for (const [id, at] of lastUsed)
      await trx.updateTable('psa_api_key').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  // ---- History and API Logs ----

  async addHistory(
    entry: { memberId: number; at: string; actor: string; action: string; detail?: string },
    trx: Db = this.db,
  ): Promise<void> {
    await trx
      .insertInto('psa_member_history')
      .values({
        member_id: entry.memberId,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        detail: entry.detail ?? '',
      })
      .execute();
  }

  async listHistory(memberId: number, trx: Db = this.db): Promise<HistoryRow[]> {
    const rows = await trx
      .selectFrom('psa_member_history')
      .selectAll()
      .where('member_id', '=', memberId)
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      memberId: Number(r.member_id),
      at: r.at,
      actor: r.actor,
      action: r.action,
      detail: r.detail,
    }));
  }

  async addApiLogs(entries: Omit<ApiLogRow, 'id'>[], trx: Db = this.db): Promise<void> {
    if (entries.length === 0) return;
    await trx
      .insertInto('psa_api_log')
      .values(
        entries.map((e) => ({
          member_id: e.memberId,
          key_id: e.keyId,
          at: e.at,
          method: e.method,
          path: e.path,
          status: e.status,
          duration_ms: e.durationMs,
        })),
      )
      .execute();
  }

  async listApiLogs(memberId: number, limit = 200, trx: Db = this.db): Promise<ApiLogRow[]> {
    const rows = await trx
      .selectFrom('psa_api_log')
      .selectAll()
      .where('member_id', '=', memberId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      memberId: Number(r.member_id),
      keyId: r.key_id === null ? null : Number(r.key_id),
      at: r.at,
      method: r.method,
      path: r.path,
      status: Number(r.status),
      durationMs: Number(r.duration_ms),
    }));
  }
}
