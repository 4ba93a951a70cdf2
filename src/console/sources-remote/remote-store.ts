// Rows of the remote sources (migration 0004): ingest tokens and sealed source credentials. Every
// method takes the provider id (tenant isolation), except the token lookup by digest, which is how a
// request without a session finds its provider.
import type { Kysely, Selectable } from 'kysely';
import type { ConIngestTokenTable, ConSourceCredentialTable, Database } from '../../platform/db-types.js';

export interface IngestTokenRow {
  id: number;
  providerId: number;
  name: string;
  tokenDigest: string;
  tokenHint: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface SourceCredentialRow {
  providerId: number;
  source: string;
  enabled: boolean;
  baseUrl: string | null;
  keySealed: string | null;
  secretSealed: string | null;
  keyHint: string | null;
  secretHint: string | null;
  updatedAt: string;
  updatedBy: string;
}

const toToken = (r: Selectable<ConIngestTokenTable>): IngestTokenRow => ({
  id: Number(r.id),
  providerId: Number(r.provider_id),
  name: r.name,
  tokenDigest: r.token_digest,
  tokenHint: r.token_hint,
  createdAt: r.created_at,
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
});

const toCredential = (r: Selectable<ConSourceCredentialTable>): SourceCredentialRow => ({
  providerId: Number(r.provider_id),
  source: r.source,
  enabled: Boolean(r.enabled),
  baseUrl: r.base_url,
  keySealed: r.key_sealed,
  secretSealed: r.secret_sealed,
  keyHint: r.key_hint,
  secretHint: r.secret_hint,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

export class RemoteSourceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createToken(
    t: Omit<IngestTokenRow, 'id' | 'lastUsedAt' | 'revokedAt' | 'revokedBy'>,
  ): Promise<number> {
    const row = await this.db
      .insertInto('con_ingest_token')
      .values({
        provider_id: t.providerId,
        name: t.name,
        token_digest: t.tokenDigest,
        token_hint: t.tokenHint,
        created_at: t.createdAt,
        created_by: t.createdBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async listTokens(providerId: number): Promise<IngestTokenRow[]> {
    const rows = await this.db
      .selectFrom('con_ingest_token')
      .selectAll()
      .where('provider_id', '=', providerId)
      .orderBy('id')
      .execute();
    return rows.map(toToken);
  }

  async getToken(providerId: number, id: number): Promise<IngestTokenRow | undefined> {
    const r = await this.db
      .selectFrom('con_ingest_token')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toToken(r) : undefined;
  }

  async findTokenByDigest(digest: string): Promise<IngestTokenRow | undefined> {
    const r = await this.db
      .selectFrom('con_ingest_token')
      .selectAll()
      .where('token_digest', '=', digest)
      .executeTakeFirst();
    return r ? toToken(r) : undefined;
  }

  async revokeToken(providerId: number, id: number, at: string, by: string): Promise<boolean> {
    const r = await this.db
      .updateTable('con_ingest_token')
      .set({ revoked_at: at, revoked_by: by })
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async touchToken(id: number, at: string): Promise<void> {
    await this.db.updateTable('con_ingest_token').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async getCredential(providerId: number, source: string): Promise<SourceCredentialRow | undefined> {
    const r = await this.db
      .selectFrom('con_source_credential')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('source', '=', source)
      .executeTakeFirst();
    return r ? toCredential(r) : undefined;
  }

  async listCredentials(source?: string): Promise<SourceCredentialRow[]> {
    let q = this.db.selectFrom('con_source_credential').selectAll();
    if (source !== undefined) q = q.where('source', '=', source);
    return (await q.orderBy('provider_id').execute()).map(toCredential);
  }

  async saveCredential(row: SourceCredentialRow, db: Kysely<Database> = this.db): Promise<void> {
    const values = {
      enabled: row.enabled ? 1 : 0,
      base_url: row.baseUrl,
      key_sealed: row.keySealed,
      secret_sealed: row.secretSealed,
      key_hint: row.keyHint,
      secret_hint: row.secretHint,
      updated_at: row.updatedAt,
      updated_by: row.updatedBy,
    };
    await db
      .insertInto('con_source_credential')
      .values({ provider_id: row.providerId, source: row.source, ...values })
      .onConflict((oc) => oc.columns(['provider_id', 'source']).doUpdateSet(values))
      .execute();
  }

  transaction<T>(work: (store: RemoteSourceStore, db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new RemoteSourceStore(trx), trx));
  }
}
