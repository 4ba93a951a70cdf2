// Repository of the console's tenants and their data. Every method that reads or writes tenant data
// takes the provider id and filters by it, so a request can only ever see its own provider's rows
// (strict tenant isolation, CON-1 / X-6).
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  ConAuditTable,
  ConCustomerTable,
  ConPsaIntegrationTable,
  ConUserTable,
  Database,
} from '../../platform/db-types.js';
import { decodeJson } from '../../platform/db-types.js';

export type Db = Kysely<Database> | Transaction<Database>;

export interface Provider {
  id: number;
  name: string;
  kind: 'MSP' | 'MSSP';
  createdAt: string;
}

export interface User {
  id: number;
  providerId: number;
  email: string;
  name: string;
  role: 'admin' | 'read-only';
  passwordHash: string;
  failedAttempts: number;
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Customer {
  id: number;
  providerId: number;
  name: string;
  seats: number;
  psaCompanyIdentifier: string | null;
  psaCompanyId: number | null;
  mappingState: 'unmapped' | 'mapped' | 'missing';
  mappingCheckedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface IntegrationRow {
  providerId: number;
  enabled: boolean;
  site: string;
  companyId: string;
  clientId: string;
  publicKeySealed: string | null;
  privateKeySealed: string | null;
  publicKeyHint: string | null;
  privateKeyHint: string | null;
  trustedCa: string | null;
  preflight: unknown;
  preflightAt: string | null;
  updatedAt: string;
  updatedBy: string;
}

export interface AuditEntry {
  id: number;
  providerId: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

const toUser = (r: Selectable<ConUserTable>): User => ({
  id: Number(r.id),
  providerId: Number(r.provider_id),
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  failedAttempts: Number(r.failed_attempts),
  lockedUntil: r.locked_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toCustomer = (r: Selectable<ConCustomerTable>): Customer => ({
  id: Number(r.id),
  providerId: Number(r.provider_id),
  name: r.name,
  seats: Number(r.seats),
  psaCompanyIdentifier: r.psa_company_identifier,
  psaCompanyId: r.psa_company_id === null ? null : Number(r.psa_company_id),
  mappingState: r.mapping_state,
  mappingCheckedAt: r.mapping_checked_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toIntegration = (r: Selectable<ConPsaIntegrationTable>): IntegrationRow => ({
  providerId: Number(r.provider_id),
  enabled: Boolean(r.enabled),
  site: r.site,
  companyId: r.company_id,
  clientId: r.client_id,
  publicKeySealed: r.public_key_sealed,
  privateKeySealed: r.private_key_sealed,
  publicKeyHint: r.public_key_hint,
  privateKeyHint: r.private_key_hint,
  trustedCa: r.trusted_ca,
  preflight: r.preflight === null ? null : decodeJson(r.preflight),
  preflightAt: r.preflight_at,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

const toAudit = (r: Selectable<ConAuditTable>): AuditEntry => ({
  id: Number(r.id),
  providerId: Number(r.provider_id),
  at: r.at,
  actor: r.actor,
  action: r.action,
  detail: r.detail,
});

export class ConsoleStore {
  constructor(readonly db: Kysely<Database>) {}

  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ---------- providers ----------

  async createProvider(
    p: { name: string; kind: 'MSP' | 'MSSP'; at: string },
    trx: Db = this.db,
  ): Promise<number> {
    const r = await trx
      .insertInto('con_provider')
      .values({ name: p.name, kind: p.kind, created_at: p.at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async getProvider(id: number, trx: Db = this.db): Promise<Provider | undefined> {
    const r = await trx.selectFrom('con_provider').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: Number(r.id), name: r.name, kind: r.kind, createdAt: r.created_at };
  }

  async findProviderByName(name: string, trx: Db = this.db): Promise<Provider | undefined> {
    const rows = await trx.selectFrom('con_provider').selectAll().execute();
    const r = rows.find((p) => p.name.toLowerCase() === name.toLowerCase());
    return r && { id: Number(r.id), name: r.name, kind: r.kind, createdAt: r.created_at };
  }

  async listProviders(trx: Db = this.db): Promise<Provider[]> {
    const rows = await trx.selectFrom('con_provider').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), name: r.name, kind: r.kind, createdAt: r.created_at }));
  }

  async updateProvider(
    id: number,
    p: { name?: string | undefined; kind?: 'MSP' | 'MSSP' | undefined },
    trx: Db = this.db,
  ): Promise<void> {
    if (p.name === undefined && p.kind === undefined) return;
    await trx
      .updateTable('con_provider')
      .set({
        ...(p.name !== undefined ? { name: p.name } : {}),
        ...(p.kind !== undefined ? { kind: p.kind } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  // ---------- users ----------

  async createUser(
    u: {
      providerId: number;
      email: string;
      name: string;
      role: 'admin' | 'read-only';
      passwordHash: string;
      at: string;
    },
    trx: Db = this.db,
  ): Promise<number> {
    const r = await trx
      .insertInto('con_user')
      .values({
        provider_id: u.providerId,
        email: u.email,
        email_key: u.email.toLowerCase(),
        name: u.name,
        role: u.role,
        password_hash: u.passwordHash,
        failed_attempts: 0,
        locked_until: null,
        created_at: u.at,
        updated_at: u.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  /** Sign-in looks users up by email across providers: an email belongs to one provider. */
  async findUserByEmail(email: string, trx: Db = this.db): Promise<User | undefined> {
    const r = await trx
      .selectFrom('con_user')
      .selectAll()
      .where('email_key', '=', email.toLowerCase())
      .executeTakeFirst();
    return r && toUser(r);
  }

  async getUser(providerId: number, id: number, trx: Db = this.db): Promise<User | undefined> {
    const r = await trx
      .selectFrom('con_user')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && toUser(r);
  }

  async listUsers(providerId: number, trx: Db = this.db): Promise<User[]> {
    const rows = await trx
      .selectFrom('con_user')
      .selectAll()
      .where('provider_id', '=', providerId)
      .orderBy('id')
      .execute();
    return rows.map(toUser);
  }

  async updateUser(
    providerId: number,
    id: number,
    u: Partial<{
      name: string;
      role: 'admin' | 'read-only';
      passwordHash: string;
      failedAttempts: number;
      lockedUntil: string | null;
    }> & {
      at: string;
    },
    trx: Db = this.db,
  ): Promise<void> {
    const set: Record<string, unknown> = { updated_at: u.at };
    if (u.name !== undefined) set.name = u.name;
    if (u.role !== undefined) set.role = u.role;
    if (u.passwordHash !== undefined) set.password_hash = u.passwordHash;
    if (u.failedAttempts !== undefined) set.failed_attempts = u.failedAttempts;
    if (u.lockedUntil !== undefined) set.locked_until = u.lockedUntil;
    await trx
      .updateTable('con_user')
      .set(set)
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .execute();
  }

  /** Whether any provider has an admin user (`parasol start` prints how to create the first one). */
  async anyAdminUser(trx: Db = this.db): Promise<boolean> {
    const r = await trx
      .selectFrom('con_user')
      .select('id')
      .where('role', '=', 'admin')
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** The ids of a provider's admins. */
  async adminIds(providerId: number, trx: Db = this.db): Promise<number[]> {
    const rows = await trx
      .selectFrom('con_user')
      .select('id')
      .where('provider_id', '=', providerId)
      .where('role', '=', 'admin')
      .execute();
    return rows.map((r) => Number(r.id));
  }

  /**
   * Holds the provider's row until the transaction ends (PostgreSQL; SQLite runs one writing
   * transaction at a time anyway), so that checks over its users and the change they allow are one.
   */
  async lockProvider(providerId: number, trx: Transaction<Database>, dialect: 'sqlite' | 'postgres') {
    if (dialect !== 'postgres') return;
    await trx.selectFrom('con_provider').select('id').where('id', '=', providerId).forUpdate().execute();
  }

  async deleteUser(providerId: number, id: number, trx: Db = this.db): Promise<boolean> {
    await trx
      .deleteFrom('con_session')
      .where('provider_id', '=', providerId)
      .where('user_id', '=', id)
      .execute();
    const r = await trx
      .deleteFrom('con_user')
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---------- sessions ----------

  async createSession(
    s: {
      tokenDigest: string;
      userId: number;
      providerId: number;
      csrfToken: string;
      at: string;
      expiresAt: string;
    },
    trx: Db = this.db,
  ): Promise<void> {
    await trx
      .insertInto('con_session')
      .values({
        token_digest: s.tokenDigest,
        user_id: s.userId,
        provider_id: s.providerId,
        csrf_token: s.csrfToken,
        created_at: s.at,
        expires_at: s.expiresAt,
        last_seen_at: s.at,
      })
      .execute();
  }

  async findSession(tokenDigest: string, trx: Db = this.db) {
    return trx
      .selectFrom('con_session')
      .selectAll()
      .where('token_digest', '=', tokenDigest)
      .executeTakeFirst();
  }

  async touchSession(tokenDigest: string, at: string, trx: Db = this.db): Promise<void> {
    await trx
      .updateTable('con_session')
      .set({ last_seen_at: at })
      .where('token_digest', '=', tokenDigest)
      .execute();
  }

  async deleteSession(tokenDigest: string, trx: Db = this.db): Promise<void> {
    await trx.deleteFrom('con_session').where('token_digest', '=', tokenDigest).execute();
  }

  /** Ends a user's sessions, but the one whose digest is `keep` (the caller's own). */
  async deleteUserSessions(
    providerId: number,
    userId: number,
    keep: string | undefined,
    trx: Db = this.db,
  ): Promise<number> {
    let q = trx.deleteFrom('con_session').where('provider_id', '=', providerId).where('user_id', '=', userId);
    if (keep !== undefined) q = q.where('token_digest', '<>', keep);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async deleteExpiredSessions(now: string, trx: Db = this.db): Promise<void> {
    await trx.deleteFrom('con_session').where('expires_at', '<', now).execute();
  }

  // ---------- customers ----------

  async createCustomer(
    c: { providerId: number; name: string; seats: number; at: string },
    trx: Db = this.db,
  ): Promise<number> {
    const r = await trx
      .insertInto('con_customer')
      .values({
        provider_id: c.providerId,
        name: c.name,
        seats: c.seats,
        psa_company_identifier: null,
        psa_company_id: null,
        mapping_state: 'unmapped',
        mapping_checked_at: null,
        created_at: c.at,
        updated_at: c.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async getCustomer(providerId: number, id: number, trx: Db = this.db): Promise<Customer | undefined> {
    const r = await trx
      .selectFrom('con_customer')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && toCustomer(r);
  }

  async listCustomers(providerId: number, trx: Db = this.db): Promise<Customer[]> {
    const rows = await trx
      .selectFrom('con_customer')
      .selectAll()
      .where('provider_id', '=', providerId)
      .orderBy('id')
      .execute();
    return rows.map(toCustomer);
  }

  async updateCustomer(
    providerId: number,
    id: number,
    c: {
      name?: string | undefined;
      seats?: number | undefined;
      psaCompanyIdentifier?: string | null | undefined;
      psaCompanyId?: number | null | undefined;
      mappingState?: 'unmapped' | 'mapped' | 'missing' | undefined;
      mappingCheckedAt?: string | null | undefined;
      at: string;
    },
    trx: Db = this.db,
  ): Promise<void> {
    const set: Record<string, unknown> = { updated_at: c.at };
    if (c.name !== undefined) set.name = c.name;
    if (c.seats !== undefined) set.seats = c.seats;
    if (c.psaCompanyIdentifier !== undefined) set.psa_company_identifier = c.psaCompanyIdentifier;
    if (c.psaCompanyId !== undefined) set.psa_company_id = c.psaCompanyId;
    if (c.mappingState !== undefined) set.mapping_state = c.mappingState;
    if (c.mappingCheckedAt !== undefined) set.mapping_checked_at = c.mappingCheckedAt;
    await trx
      .updateTable('con_customer')
      .set(set)
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .execute();
  }

  async deleteCustomer(providerId: number, id: number, trx: Db = this.db): Promise<boolean> {
    const r = await trx
      .deleteFrom('con_customer')
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---------- PSA integration ----------

  async getIntegration(providerId: number, trx: Db = this.db): Promise<IntegrationRow | undefined> {
    const r = await trx
      .selectFrom('con_psa_integration')
      .selectAll()
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return r && toIntegration(r);
  }

  async listIntegrations(trx: Db = this.db): Promise<IntegrationRow[]> {
    const rows = await trx.selectFrom('con_psa_integration').selectAll().orderBy('provider_id').execute();
    return rows.map(toIntegration);
  }

  async saveIntegration(row: IntegrationRow, trx: Db = this.db): Promise<void> {
    const values = {
      provider_id: row.providerId,
      enabled: row.enabled ? 1 : 0,
      site: row.site,
      company_id: row.companyId,
      client_id: row.clientId,
      public_key_sealed: row.publicKeySealed,
      private_key_sealed: row.privateKeySealed,
      public_key_hint: row.publicKeyHint,
      private_key_hint: row.privateKeyHint,
      trusted_ca: row.trustedCa,
      preflight: row.preflight === null || row.preflight === undefined ? null : JSON.stringify(row.preflight),
      preflight_at: row.preflightAt,
      updated_at: row.updatedAt,
      updated_by: row.updatedBy,
    };
    const { provider_id: _ignored, ...update } = values;
    await trx
      .insertInto('con_psa_integration')
      .values(values)
      .onConflict((oc) => oc.column('provider_id').doUpdateSet(update))
      .execute();
  }

  async savePreflight(providerId: number, result: unknown, at: string, trx: Db = this.db): Promise<void> {
    await trx
      .updateTable('con_psa_integration')
      .set({ preflight: JSON.stringify(result), preflight_at: at })
      .where('provider_id', '=', providerId)
      .execute();
  }

  // ---------- PSA reference cache ----------

  async getCache(
    providerId: number,
    kind: string,
    trx: Db = this.db,
  ): Promise<{ data: unknown; refreshedAt: string } | undefined> {
    const r = await trx
      .selectFrom('con_psa_cache')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    return r && { data: decodeJson(r.data), refreshedAt: r.refreshed_at };
  }

  async putCache(
    providerId: number,
    kind: string,
    data: unknown,
    at: string,
    trx: Db = this.db,
  ): Promise<void> {
    const json = JSON.stringify(data);
    await trx
      .insertInto('con_psa_cache')
      .values({ provider_id: providerId, kind, data: json, refreshed_at: at })
      .onConflict((oc) => oc.columns(['provider_id', 'kind']).doUpdateSet({ data: json, refreshed_at: at }))
      .execute();
  }

  // ---------- audit ----------

  async audit(
    e: { providerId: number; at: string; actor: string; action: string; detail?: string },
    trx: Db = this.db,
  ): Promise<void> {
    await trx
      .insertInto('con_audit')
      .values({
        provider_id: e.providerId,
        at: e.at,
        actor: e.actor,
        action: e.action,
        detail: e.detail ?? '',
      })
      .execute();
  }

  async listAudit(providerId: number, limit = 200, trx: Db = this.db): Promise<AuditEntry[]> {
    const rows = await trx
      .selectFrom('con_audit')
      .selectAll()
      .where('provider_id', '=', providerId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toAudit);
  }
}
