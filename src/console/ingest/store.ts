// Storage of ingestion (CON-5, CON-6): source bindings, units with leases, line errors, cursors, and
// the per-customer aggregates. Every method takes the provider id and filters by it.
//
// Exactly once: a unit's row is inserted 'claimed' (by one owner, with a lease) before it is read,
// and turns 'done' in the SAME transaction that adds its deltas to the aggregates — guarded by
// "still claimed by me", so a unit whose claim was taken over commits nothing. A crash before the
// commit leaves no counts; a unit already 'done' is never read again.
//
// Concurrency: on PostgreSQL several processes claim with insert-if-absent and take over expired
// leases with a guarded UPDATE (compare-and-set on owner and lease), so two processes never work on
// one unit at once. Aggregate rows are written in one global key order (windows, identities, daily,
// top domains; each sorted), additive upserts in SQL, and the JSON merges read the row FOR UPDATE
// after an insert-if-absent, so concurrent commits serialise per row without deadlocking (and a
// deadlock or serialisation failure, should one happen, retries the whole transaction). SQLite
// serialises writers by itself.
import { CompiledQuery, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { ConIngestUnitTable, Database, Dialect } from '../../platform/db-types.js';
import { decodeJson } from '../../platform/db-types.js';
import {
  type AggregateDeltas,
  type BlockedWindowRow,
  columnsOf,
  type DailyTotalsRow,
  type DeltaColumns,
  DeltaReader,
  type IdentityRow,
  mergeBlockedWindow,
  mergeDailyTotals,
  mergeSummary,
  type SerializedSummary,
  type TopDomainsRow,
  WINDOW_CATEGORIES,
  type WindowCountRow,
} from '../aggregate/index.js';
import { storableText } from '../sources/text.js';
import { decodeContribution, encodeContribution, subtractSummary } from './contribution.js';
import type { IngestUnit, LineError, SourceBinding, SourceBindingKind } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredBinding extends SourceBinding {
  id: number;
  createdAt: string;
}

export interface UnitRecord {
  id: number;
  sourceKey: string;
  version: string;
  status: 'claimed' | 'done' | 'failed';
  bytes: number;
  rows: number;
  badRows: number;
  unrouted: number;
  reason: string | null;
  claimedBy: string | null;
  leaseUntil: string | null;
  startedAt: string;
  finishedAt: string | null;
  contentDigest: string | null;
  duplicateOf: number | null;
  replacedBy: number | null;
}

export type ClaimResult =
  | { state: 'claimed'; unitId: number }
  | { state: 'done' | 'failed'; unit: UnitRecord }
  | { state: 'busy'; owner: string | null };

export interface UnitCounts {
  bytes: number;
  rows: number;
  badRows: number;
  unrouted: number;
}

/** What a file unit's commit did (commitFile). */
export type FileCommit =
  | { state: 'lost' }
  /** Counted; `replaced` earlier units of the same name were taken back (`unknown` of them could not be: ingested before their contributions were kept). */
  | { state: 'counted'; replaced: number; unknown: number }
  /** Nothing counted: the same content is counted by that unit. */
  | { state: 'duplicate'; of: { id: number; sourceKey: string } };

/** A file's content identity for commitFile. */
export interface FileIdentity {
  sourceKey: string;
  /** sha256 of the decompressed content. */
  digest: string;
  /** `ingest --force`: the same content under the same name is counted again, replacing itself. */
  force: boolean;
}

/** The cap of stored line errors per unit (all bad lines are counted). */
export const MAX_STORED_LINE_ERRORS = 100;

const toUnit = (r: Selectable<ConIngestUnitTable>): UnitRecord => ({
  id: Number(r.id),
  sourceKey: r.source_key,
  version: r.version,
  status: r.status,
  bytes: Number(r.bytes),
  rows: Number(r.rows),
  badRows: Number(r.bad_rows),
  unrouted: Number(r.unrouted),
  reason: r.reason,
  claimedBy: r.claimed_by,
  leaseUntil: r.lease_until,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  contentDigest: r.content_digest ?? null,
  duplicateOf: r.duplicate_of === null || r.duplicate_of === undefined ? null : Number(r.duplicate_of),
  replacedBy: r.replaced_by === null || r.replaced_by === undefined ? null : Number(r.replaced_by),
});

/** A unit's identity as one string (source key and version), for maps of units. */
export const unitKey = (u: IngestUnit): string => `${u.sourceKey}\u0000${u.version}`;

const iso = (ms: number) => new Date(ms).toISOString();

function compareKeys(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function sortedBy<T>(rows: readonly T[], key: (r: T) => (string | number)[]): T[] {
  return rows
    .map((r) => ({ r, k: key(r) }))
    .sort((a, b) => compareKeys(a.k, b.k))
    .map((x) => x.r);
}

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Transient conflicts worth running the transaction again: deadlock, serialisation, SQLite busy. */
function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** The key of con_agg_window_blocked (migration 0010), in its order. */
const BLOCKED_KEY = [
  'provider_id',
  'customer_id',
  'identity',
  'identity_type',
  'window_start',
  'category',
  'window_minutes',
] as const;

const WINDOW_CHUNK = 400;
const IDENTITY_CHUNK = 500;

export interface DailyView {
  day: string;
  requests: number;
  allowed: number;
  blocked: number;
  byCategory: DailyTotalsRow['byCategory'];
}

export interface WindowView {
  identity: string;
  identityType: string;
  category: string;
  windowMinutes: number;
  windowStart: string;
  blocked: number;
  total: number;
}

export interface IdentityView {
  label: string;
  type: string;
  firstSeen: string;
  lastSeen: string;
  requests: number;
}

/**
 * What other parts of the console do when a unit commits: `inCommit` runs inside the commit's
 * transaction after the aggregates were added (ticket decisions, whose outbox items must commit
 * with the counts), `afterCommit` once it committed (wake the delivery workers).
 */
export interface CommitHooks {
  /**
   * `deltas.windowCounts` holds at least the unit's window rows with blocked requests of a security
   * category (what ticket rules count); a file's commit passes only those.
   */
  inCommit?(
    trx: Transaction<Database>,
    providerId: number,
    deltas: Pick<AggregateDeltas, 'windowCounts'>,
  ): Promise<void>;
  afterCommit?(providerId: number): void;
}

export class IngestStore {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly hooks: CommitHooks = {},
  ) {}

  /** The window upsert's SQL by number of rows (see addWindows). */
  readonly #windowSql = new Map<number, string>();

  // ---------- source bindings ----------

  async listBindings(providerId: number, customerId?: number): Promise<StoredBinding[]> {
    let q = this.db.selectFrom('con_source_binding').selectAll().where('provider_id', '=', providerId);
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      customerId: Number(r.customer_id),
      kind: r.kind as SourceBindingKind,
      value: r.value,
      createdAt: r.created_at,
    }));
  }

  async findBinding(
    providerId: number,
    kind: SourceBindingKind,
    value: string,
  ): Promise<StoredBinding | undefined> {
    const r = await this.db
      .selectFrom('con_source_binding')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('kind', '=', kind)
      .where('value', '=', value)
      .executeTakeFirst();
    return (
      r && {
        id: Number(r.id),
        customerId: Number(r.customer_id),
        kind: r.kind as SourceBindingKind,
        value: r.value,
        createdAt: r.created_at,
      }
    );
  }

  async addBinding(providerId: number, b: SourceBinding, at: string): Promise<number> {
    const r = await this.db
      .insertInto('con_source_binding')
      .values({
        provider_id: providerId,
        customer_id: b.customerId,
        kind: b.kind,
        value: b.value,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async deleteBinding(providerId: number, customerId: number, id: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('con_source_binding')
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', customerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---------- units ----------

  async getUnit(providerId: number, sourceKey: string, version: string): Promise<UnitRecord | undefined> {
    const r = await this.db
      .selectFrom('con_ingest_unit')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('source_key', '=', sourceKey)
      .where('version', '=', version)
      .executeTakeFirst();
    return r && toUnit(r);
  }

  /**
   * The units among `units` that are settled ('done' or 'failed'), keyed by `unitKey`: one query per
   * 500 units, so a scan of a folder whose files were ingested long ago does not claim each again.
   */
  async settledUnits(providerId: number, units: readonly IngestUnit[]): Promise<Map<string, UnitRecord>> {
    const wanted = new Set(units.map(unitKey));
    const keys = [...new Set(units.map((u) => u.sourceKey))];
    const out = new Map<string, UnitRecord>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await this.db
        .selectFrom('con_ingest_unit')
        .selectAll()
        .where('provider_id', '=', providerId)
        .where('source_key', 'in', keys.slice(i, i + 500))
        .where('status', 'in', ['done', 'failed'])
        .execute();
      for (const r of rows) {
        const unit = toUnit(r);
        const key = unitKey({ providerId, sourceKey: unit.sourceKey, version: unit.version });
        if (wanted.has(key)) out.set(key, unit);
      }
    }
    return out;
  }

  async listUnits(providerId: number): Promise<UnitRecord[]> {
    const rows = await this.db
      .selectFrom('con_ingest_unit')
      .selectAll()
      .where('provider_id', '=', providerId)
      .orderBy('id')
      .execute();
    return rows.map(toUnit);
  }

  async lineErrors(providerId: number, unitId: number): Promise<LineError[]> {
    const rows = await this.db
      .selectFrom('con_ingest_line_error')
      .select(['line', 'message'])
      .where('provider_id', '=', providerId)
      .where('unit_id', '=', unitId)
      .orderBy('line')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ line: Number(r.line), message: r.message }));
  }

  /**
   * Claims a unit for `owner` until now + leaseMs: a new unit is inserted 'claimed'; a unit claimed
   * by someone whose lease ran out (or who `isGone`) is taken over by a compare-and-set; a unit
   * 'done' or 'failed' is returned as it is, never claimed again.
   */
  async claim(
    unit: IngestUnit,
    owner: string,
    nowMs: number,
    leaseMs: number,
    isGone: (owner: string) => boolean = () => false,
  ): Promise<ClaimResult> {
    const now = iso(nowMs);
    const leaseUntil = iso(nowMs + leaseMs);
    for (let attempt = 0; attempt < 5; attempt++) {
      const inserted = await this.db
        .insertInto('con_ingest_unit')
        .values({
          provider_id: unit.providerId,
          source_key: unit.sourceKey,
          version: unit.version,
          status: 'claimed',
          bytes: 0,
          rows: 0,
          bad_rows: 0,
          unrouted: 0,
          claimed_by: owner,
          lease_until: leaseUntil,
          started_at: now,
        })
        .onConflict((oc) => oc.columns(['provider_id', 'source_key', 'version']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { state: 'claimed', unitId: Number(inserted.id) };
      const row = await this.getUnit(unit.providerId, unit.sourceKey, unit.version);
      if (!row) continue; // released between the two statements: try again
      if (row.status === 'done' || row.status === 'failed') return { state: row.status, unit: row };
      const expired =
        row.leaseUntil === null ||
        row.leaseUntil < now ||
        (row.claimedBy !== null && row.claimedBy !== owner && isGone(row.claimedBy));
      if (!expired) return { state: 'busy', owner: row.claimedBy };
      let q = this.db
        .updateTable('con_ingest_unit')
        .set({ claimed_by: owner, lease_until: leaseUntil, started_at: now })
        .where('provider_id', '=', unit.providerId)
        .where('id', '=', row.id)
        .where('status', '=', 'claimed');
      q =
        row.claimedBy === null
          ? q.where('claimed_by', 'is', null)
          : q.where('claimed_by', '=', row.claimedBy);
      q =
        row.leaseUntil === null
          ? q.where('lease_until', 'is', null)
          : q.where('lease_until', '=', row.leaseUntil);
      const r = await q.executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return { state: 'claimed', unitId: row.id };
      // Someone else took it over or finished it in between: look again.
    }
    return { state: 'busy', owner: null };
  }

  /** Extends the leases of the units `owner` still holds. */
  async renew(providerId: number, unitIds: readonly number[], owner: string, untilMs: number): Promise<void> {
    if (unitIds.length === 0) return;
    await this.db
      .updateTable('con_ingest_unit')
      .set({ lease_until: iso(untilMs) })
      .where('provider_id', '=', providerId)
      .where('id', 'in', unitIds as number[])
      .where('claimed_by', '=', owner)
      .where('status', '=', 'claimed')
      .execute();
  }

  /** Gives a claimed unit up (reading it failed for a passing reason): a later run tries it again. */
  async release(providerId: number, unitId: number, owner: string): Promise<void> {
    await this.db
      .deleteFrom('con_ingest_unit')
      .where('provider_id', '=', providerId)
      .where('id', '=', unitId)
      .where('claimed_by', '=', owner)
      .where('status', '=', 'claimed')
      .execute();
  }

  private async retrying<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(work);
      } catch (e) {
        if (attempt >= 8 || !isRetryable(e)) throw e;
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.floor(Math.random() * 20)));
      }
    }
  }

  /** Turns the unit 'claimed' → final status, guarded by the owner; false when the claim was lost. */
  private async finish(
    trx: Transaction<Database>,
    providerId: number,
    unitId: number,
    owner: string,
    status: 'done' | 'failed',
    counts: UnitCounts,
    reason: string | null,
    errors: readonly LineError[],
    finishedMs: number,
  ): Promise<boolean> {
    const r = await trx
      .updateTable('con_ingest_unit')
      .set({
        status,
        bytes: counts.bytes,
        rows: counts.rows,
        bad_rows: counts.badRows,
        unrouted: counts.unrouted,
        // Messages may quote the input (a parser's words): never a NUL or lone surrogate into SQL.
        reason: reason === null ? null : storableText(reason),
        claimed_by: null,
        lease_until: null,
        finished_at: iso(finishedMs),
      })
      .where('provider_id', '=', providerId)
      .where('id', '=', unitId)
      .where('claimed_by', '=', owner)
      .where('status', '=', 'claimed')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    const kept = errors.slice(0, MAX_STORED_LINE_ERRORS);
    for (const part of chunks(kept, 200)) {
      await trx
        .insertInto('con_ingest_line_error')
        .values(
          part.map((e) => ({
            provider_id: providerId,
            unit_id: unitId,
            line: e.line,
            message: storableText(e.message),
          })),
        )
        .execute();
    }
    return true;
  }

  /**
   * Commits a unit: its record turns 'done' and its deltas are added to the aggregates, in one
   * transaction. Returns false (and writes nothing) when `owner` no longer holds the claim.
   */
  async commit(
    providerId: number,
    unitId: number,
    owner: string,
    counts: UnitCounts,
    errors: readonly LineError[],
    deltas: AggregateDeltas,
    heavyHitterCapacity: number,
    finishedMs: number,
  ): Promise<boolean> {
    const committed = await this.retrying(async (trx) => {
      const mine = await this.finish(
        trx,
        providerId,
        unitId,
        owner,
        'done',
        counts,
        null,
        errors,
        finishedMs,
      );
      if (!mine) return false;
      await this.applyDeltas(trx, providerId, deltas, heavyHitterCapacity);
      await this.hooks.inCommit?.(trx, providerId, deltas);
      return true;
    });
    if (committed) this.hooks.afterCommit?.(providerId);
    return committed;
  }

  /**
   * Commits a file unit by its content (docs/ingestion.md, "A file's identity is its content"), in
   * one transaction: the unit turns 'done' (guarded by the owner, as commit); if its content is
   * already counted by another unit it counts nothing ('duplicate', naming it); otherwise its deltas
   * are added, kept as its contribution, and the contributions of earlier units under the same name
   * are taken back ('counted', with how many were replaced). The content row (provider, digest) is
   * the arbiter: inserted if absent, so two commits of the same content serialise on it.
   */
  async commitFile(
    providerId: number,
    unitId: number,
    owner: string,
    counts: UnitCounts,
    errors: readonly LineError[],
    deltas: DeltaColumns,
    heavyHitterCapacity: number,
    finishedMs: number,
    file: FileIdentity,
  ): Promise<FileCommit> {
    const result = await this.retrying(async (trx): Promise<FileCommit> => {
      const mine = await this.finish(
        trx,
        providerId,
        unitId,
        owner,
        'done',
        counts,
        null,
        errors,
        finishedMs,
      );
      if (!mine) return { state: 'lost' };
      const unit = trx
        .updateTable('con_ingest_unit')
        .where('provider_id', '=', providerId)
        .where('id', '=', unitId);
      const claimed = await trx
        .insertInto('con_ingest_content')
        .values({ provider_id: providerId, digest: file.digest, unit_id: unitId })
        .onConflict((oc) => oc.columns(['provider_id', 'digest']).doNothing())
        .returning('unit_id')
        .executeTakeFirst();
      if (!claimed) {
        let q = trx
          .selectFrom('con_ingest_content as c')
          .innerJoin('con_ingest_unit as u', 'u.id', 'c.unit_id')
          .select(['u.id', 'u.source_key'])
          .where('c.provider_id', '=', providerId)
          .where('c.digest', '=', file.digest);
        if (this.dialect === 'postgres') q = q.forUpdate();
        const holder = await q.executeTakeFirstOrThrow();
        if (!(file.force && holder.source_key === file.sourceKey)) {
          await unit.set({ content_digest: file.digest, duplicate_of: Number(holder.id) }).execute();
          return { state: 'duplicate', of: { id: Number(holder.id), sourceKey: holder.source_key } };
        }
        // --force on the same name: this unit counts the content now, replacing its holder below.
        await trx
          .updateTable('con_ingest_content')
          .set({ unit_id: unitId })
          .where('provider_id', '=', providerId)
          .where('digest', '=', file.digest)
          .execute();
      }
      if (!file.force) {
        // A file counted before contents were digested (migration 0009) and merely touched since:
        // the same name, size and rows — taken as the same content, which it now holds.
        const legacy = await trx
          .selectFrom('con_ingest_unit')
          .select(['id', 'source_key'])
          .where('provider_id', '=', providerId)
          .where('source_key', '=', file.sourceKey)
          .where('id', '!=', unitId)
          .where('status', '=', 'done')
          .where('content_digest', 'is', null)
          .where('duplicate_of', 'is', null)
          .where('replaced_by', 'is', null)
          .where('bytes', '=', counts.bytes)
          .where('rows', '=', counts.rows)
          .executeTakeFirst();
        if (legacy) {
          const legacyId = Number(legacy.id);
          await trx
            .updateTable('con_ingest_content')
            .set({ unit_id: legacyId })
            .where('provider_id', '=', providerId)
            .where('digest', '=', file.digest)
            .execute();
          await trx
            .updateTable('con_ingest_unit')
            .set({ content_digest: file.digest })
            .where('provider_id', '=', providerId)
            .where('id', '=', legacyId)
            .execute();
          await unit.set({ content_digest: file.digest, duplicate_of: legacyId }).execute();
          return { state: 'duplicate', of: { id: legacyId, sourceKey: legacy.source_key } };
        }
      }
      await unit.set({ content_digest: file.digest }).execute();
      const { replaced, unknown, taken } = await this.replaceEarlier(
        trx,
        providerId,
        unitId,
        file.sourceKey,
        heavyHitterCapacity,
      );
      await this.applyColumns(trx, providerId, deltas, heavyHitterCapacity, 1);
      if (taken.length > 0) await this.dropEmptyRows(trx, providerId, taken);
      await trx
        .insertInto('con_ingest_contribution')
        .values({ provider_id: providerId, unit_id: unitId, deltas: encodeContribution(deltas) })
        .execute();
      if (this.hooks.inCommit)
        await this.hooks.inCommit(trx, providerId, {
          windowCounts: new DeltaReader(deltas).blockedWindows(),
        });
      return { state: 'counted', replaced, unknown };
    });
    if (result.state === 'counted') this.hooks.afterCommit?.(providerId);
    return result;
  }

  /**
   * Takes back what the earlier counted units under `sourceKey` added (their kept contributions) and
   * marks them replaced by `unitId`.
   */
  private async replaceEarlier(
    trx: Transaction<Database>,
    providerId: number,
    unitId: number,
    sourceKey: string,
    capacity: number,
  ): Promise<{ replaced: number; unknown: number; taken: DeltaColumns[] }> {
    // Claimed units of the name are locked too: one committing right now (another version of the
    // same file, in another process) is waited for and then seen done, so of two concurrent versions
    // the later commit replaces the earlier (their crossed locks are a deadlock, retried).
    let q = trx
      .selectFrom('con_ingest_unit')
      .select(['id', 'status', 'duplicate_of', 'replaced_by'])
      .where('provider_id', '=', providerId)
      .where('source_key', '=', sourceKey)
      .where('id', '!=', unitId)
      .where('status', 'in', ['claimed', 'done'])
      .orderBy('id');
    if (this.dialect === 'postgres') q = q.forUpdate();
    const earlier = (await q.execute()).filter(
      (u) => u.status === 'done' && u.duplicate_of === null && u.replaced_by === null,
    );
    let unknown = 0;
    const taken: DeltaColumns[] = [];
    for (const { id } of earlier) {
      const kept = await trx
        .selectFrom('con_ingest_contribution')
        .select('deltas')
        .where('provider_id', '=', providerId)
        .where('unit_id', '=', Number(id))
        .executeTakeFirst();
      if (kept) {
        const old = decodeContribution(kept.deltas);
        // Sums are taken back by adding their negation; summaries are narrowed.
        await this.applyColumns(trx, providerId, old, capacity, -1);
        await this.subtractTopDomains(trx, providerId, old.topDomains);
        await this.subtractBlockedWindows(trx, providerId, new DeltaReader(old));
        taken.push(old);
      } else unknown++;
      await trx
        .updateTable('con_ingest_unit')
        .set({ replaced_by: unitId })
        .where('provider_id', '=', providerId)
        .where('id', '=', Number(id))
        .execute();
      // Its content row stays: content once superseded by a correction does not count again (a
      // copy of the old version is a duplicate), unless --force reads it under this same name.
      await trx
        .deleteFrom('con_ingest_contribution')
        .where('provider_id', '=', providerId)
        .where('unit_id', '=', Number(id))
        .execute();
    }
    return { replaced: earlier.length, unknown, taken };
  }

  /** Narrows the stored top-domain summaries by those a replaced unit had merged into them. */
  private async subtractTopDomains(
    trx: Transaction<Database>,
    providerId: number,
    rows: readonly TopDomainsRow[],
  ) {
    for (const old of sortedBy(rows, (r) => [r.customerId, r.day, r.action])) {
      let q = trx
        .selectFrom('con_agg_top_domains')
        .select('summary')
        .where('provider_id', '=', providerId)
        .where('customer_id', '=', old.customerId)
        .where('day', '=', old.day)
        .where('action', '=', old.action);
      if (this.dialect === 'postgres') q = q.forUpdate();
      const stored = await q.executeTakeFirst();
      const before = stored && decodeJson<SerializedSummary | null>(stored.summary);
      if (!before) continue;
      await trx
        .updateTable('con_agg_top_domains')
        .set({ summary: JSON.stringify(subtractSummary(before, old.summary)) })
        .where('provider_id', '=', providerId)
        .where('customer_id', '=', old.customerId)
        .where('day', '=', old.day)
        .where('action', '=', old.action)
        .execute();
    }
  }

  /**
   * Narrows the windows' blocked details by those a replaced unit had merged into them: its domain
   * summary subtracted (subtractSummary); first and last blocked stay as widened; a cell left with no
   * blocked request is deleted.
   */
  private async subtractBlockedWindows(trx: Transaction<Database>, providerId: number, rows: DeltaReader) {
    // In the table's key order already (columns.ts).
    for (let i = 0; i < rows.blockedCount; i++) {
      const old = rows.blocked(i);
      const key = {
        provider_id: providerId,
        customer_id: old.customerId,
        identity: old.identity,
        identity_type: old.identityType,
        window_start: iso(old.windowStart),
        category: old.category as string,
        window_minutes: old.windowMinutes,
      };
      let q = trx.selectFrom('con_agg_window_blocked').select('domains');
      for (const c of BLOCKED_KEY) q = q.where(c, '=', key[c]);
      if (this.dialect === 'postgres') q = q.forUpdate();
      const stored = await q.executeTakeFirst();
      if (!stored) continue;
      const left = subtractSummary(decodeJson<SerializedSummary>(stored.domains), old.domains);
      if (left.n <= 0) {
        let d = trx.deleteFrom('con_agg_window_blocked');
        for (const c of BLOCKED_KEY) d = d.where(c, '=', key[c]);
        await d.execute();
        continue;
      }
      let u = trx.updateTable('con_agg_window_blocked').set({ domains: JSON.stringify(left) });
      for (const c of BLOCKED_KEY) u = u.where(c, '=', key[c]);
      await u.execute();
    }
  }

  /**
   * Rows a replacement brought down to nothing (windows, identities and days without requests), among
   * those the taken-back deltas touched.
   */
  private async dropEmptyRows(trx: Transaction<Database>, providerId: number, old: readonly DeltaColumns[]) {
    const customers = [...new Set(old.flatMap((d) => [...new Set(d.identities.customer)]))];
    if (customers.length === 0) return;
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const d of old) {
      for (const start of d.windows.windowStart) {
        if (start < from) from = start;
        if (start > to) to = start;
      }
    }
    if (from <= to) {
      await trx
        .deleteFrom('con_agg_window')
        .where('provider_id', '=', providerId)
        .where('customer_id', 'in', customers)
        .where('window_start', '>=', iso(from))
        .where('window_start', '<=', iso(to))
        .where('total', '<=', 0)
        .where('blocked', '<=', 0)
        .execute();
    }
    await trx
      .deleteFrom('con_agg_identity')
      .where('provider_id', '=', providerId)
      .where('customer_id', 'in', customers)
      .where('requests', '<=', 0)
      .execute();
    const days = [...new Set(old.flatMap((d) => d.dailyTotals.map((r) => r.day)))];
    if (days.length > 0)
      await trx
        .deleteFrom('con_agg_daily')
        .where('provider_id', '=', providerId)
        .where('customer_id', 'in', customers)
        .where('day', 'in', days)
        .where('requests', '<=', 0)
        .execute();
  }

  /**
   * An S3 object already accounted for under another key: the same size and ETag (the version) and
   * its content still counted by some unit. Its content digest, or undefined.
   */
  async sameObjectDigest(
    providerId: number,
    sourceKey: string,
    version: string,
  ): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('con_ingest_unit as u')
      .innerJoin('con_ingest_content as c', (j) =>
        j.onRef('c.provider_id', '=', 'u.provider_id').onRef('c.digest', '=', 'u.content_digest'),
      )
      .select('u.content_digest')
      .where('u.provider_id', '=', providerId)
      .where('u.version', '=', version)
      .where('u.source_key', 'like', 's3://%')
      .where('u.source_key', '!=', sourceKey)
      .where('u.status', '=', 'done')
      .limit(1)
      .executeTakeFirst();
    return r?.content_digest ?? undefined;
  }

  /** Records a unit as failed with its reason; nothing of it is counted. */
  async fail(
    providerId: number,
    unitId: number,
    owner: string,
    counts: UnitCounts,
    reason: string,
    errors: readonly LineError[],
    finishedMs: number,
  ): Promise<boolean> {
    return this.retrying((trx) =>
      this.finish(trx, providerId, unitId, owner, 'failed', counts, reason, errors, finishedMs),
    );
  }

  // ---------- aggregates: writing ----------

  async applyDeltas(
    trx: Transaction<Database>,
    providerId: number,
    deltas: AggregateDeltas,
    heavyHitterCapacity: number,
  ): Promise<void> {
    await this.applyColumns(trx, providerId, columnsOf(deltas), heavyHitterCapacity, 1);
  }

  /**
   * Adds the deltas (sign 1) or takes their sums back (sign −1: windows, identity requests, daily
   * totals; summaries are narrowed apart, see replaceEarlier). The columns are read a statement's
   * rows at a time, in the store's key order (columns.ts), so no row objects of the whole unit exist.
   */
  private async applyColumns(
    trx: Transaction<Database>,
    providerId: number,
    deltas: DeltaColumns,
    heavyHitterCapacity: number,
    sign: 1 | -1,
  ): Promise<void> {
    const rows = new DeltaReader(deltas);
    await this.addWindows(trx, providerId, rows, sign);
    if (sign === 1) await this.addBlockedWindows(trx, providerId, rows);
    await this.addIdentities(trx, providerId, rows, sign);
    await this.addDaily(
      trx,
      providerId,
      sign === 1 ? deltas.dailyTotals : deltas.dailyTotals.map(negateDaily),
    );
    if (sign === 1) await this.addTopDomains(trx, providerId, deltas.topDomains, heavyHitterCapacity);
  }

  private async addWindows(trx: Transaction<Database>, providerId: number, rows: DeltaReader, sign: 1 | -1) {
    const w = rows.columns.windows;
    const t = rows.columns.identities;
    // A 1M-row file gives ~10k window rows: compiling a 400-row statement took Kysely longer than the
    // database took to run it, so each statement size is compiled once and then reused with new values.
    for (let from = 0; from < rows.windowCount; from += WINDOW_CHUNK) {
      const to = Math.min(rows.windowCount, from + WINDOW_CHUNK);
      const values: unknown[] = [];
      for (let i = from; i < to; i++) {
        const id = w.identity[i]!;
        values.push(
          providerId,
          t.customer[id],
          rows.string(t.label[id]!),
          rows.string(t.type[id]!),
          WINDOW_CATEGORIES[w.category[i]!],
          w.windowMinutes[i],
          iso(w.windowStart[i]!),
          sign * w.blocked[i]!,
          sign * w.total[i]!,
        );
      }
      let text = this.#windowSql.get(to - from);
      if (text === undefined) {
        const part: WindowCountRow[] = [];
        for (let i = from; i < to; i++) {
          const r = rows.window(i);
          part.push({ ...r, blocked: sign * r.blocked, total: sign * r.total });
        }
        const compiled = windowUpsert(trx, providerId, part).compile();
        // The statement's parameters are the rows' values in this order: checked once per size.
        if (!sameValues(compiled.parameters, values))
          throw new Error('window upsert: parameters out of order');
        text = compiled.sql;
        this.#windowSql.set(to - from, text);
      }
      await trx.executeQuery(CompiledQuery.raw(text, values));
    }
  }

  /**
   * Adds the blocked details of window cells (rare: blocked security requests only). New rows are
   * inserted in bulk; a row that exists (another unit of the same window) is read FOR UPDATE and
   * merged — earliest first, latest last, domain summaries merged — like the daily rows.
   */
  private async addBlockedWindows(trx: Transaction<Database>, providerId: number, rows: DeltaReader) {
    // The row's key columns, in the table's key order (also the order rows are written in).
    const cell = (r: BlockedWindowRow) => ({
      provider_id: providerId,
      customer_id: r.customerId,
      identity: r.identity,
      identity_type: r.identityType,
      window_start: iso(r.windowStart),
      category: r.category as string,
      window_minutes: r.windowMinutes,
    });
    const keyText = (c: Omit<ReturnType<typeof cell>, 'provider_id'>) =>
      JSON.stringify([
        Number(c.customer_id),
        c.identity,
        c.identity_type,
        c.window_start,
        c.category,
        Number(c.window_minutes),
      ]);
    // Rows come in the table's key order (columns.ts), 200 at a time.
    for (let from = 0; from < rows.blockedCount; from += 200) {
      const part: BlockedWindowRow[] = [];
      for (let i = from; i < Math.min(rows.blockedCount, from + 200); i++) part.push(rows.blocked(i));
      const inserted = await trx
        .insertInto('con_agg_window_blocked')
        .values(
          part.map((r) => ({
            ...cell(r),
            first_blocked: iso(r.firstBlocked),
            last_blocked: iso(r.lastBlocked),
            domains: JSON.stringify(mergeBlockedWindow(null, r).domains),
          })),
        )
        .onConflict((oc) => oc.columns(BLOCKED_KEY).doNothing())
        .returning(BLOCKED_KEY.filter((c) => c !== 'provider_id'))
        .execute();
      const fresh = new Set(inserted.map(keyText));
      for (const delta of part) {
        const key = cell(delta);
        if (fresh.has(keyText(key))) continue;
        let q = trx.selectFrom('con_agg_window_blocked').select(['first_blocked', 'last_blocked', 'domains']);
        for (const c of BLOCKED_KEY) q = q.where(c, '=', key[c]);
        if (this.dialect === 'postgres') q = q.forUpdate();
        const stored = await q.executeTakeFirstOrThrow();
        const merged = mergeBlockedWindow(
          {
            ...delta,
            firstBlocked: Date.parse(stored.first_blocked),
            lastBlocked: Date.parse(stored.last_blocked),
            domains: decodeJson<SerializedSummary>(stored.domains),
          },
          delta,
        );
        let u = trx.updateTable('con_agg_window_blocked').set({
          first_blocked: iso(merged.firstBlocked),
          last_blocked: iso(merged.lastBlocked),
          domains: JSON.stringify(merged.domains),
        });
        for (const c of BLOCKED_KEY) u = u.where(c, '=', key[c]);
        await u.execute();
      }
    }
  }

  private async addIdentities(
    trx: Transaction<Database>,
    providerId: number,
    rows: DeltaReader,
    sign: 1 | -1,
  ) {
    const t = (c: string) => sql.ref(`con_agg_identity.${c}`);
    const x = (c: string) => sql.ref(`excluded.${c}`);
    const counted = rows.columns.identities.counted;
    // In key order (columns.ts), IDENTITY_CHUNK at a time; identities only named by a row are not written.
    for (let from = 0; from < rows.identityCount; from += IDENTITY_CHUNK) {
      const part: IdentityRow[] = [];
      for (let i = from; i < Math.min(rows.identityCount, from + IDENTITY_CHUNK); i++) {
        if (counted[i] !== 1) continue;
        const r = rows.identity(i);
        part.push({ ...r, requests: sign * r.requests });
      }
      if (part.length === 0) continue;
      await trx
        .insertInto('con_agg_identity')
        .values(
          part.map((r) => ({
            provider_id: providerId,
            customer_id: r.customerId,
            label: r.label,
            type: r.type,
            first_seen: iso(r.firstSeen),
            last_seen: iso(r.lastSeen),
            requests: r.requests,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['provider_id', 'customer_id', 'label', 'type']).doUpdateSet({
            first_seen: sql`CASE WHEN ${x('first_seen')} < ${t('first_seen')} THEN ${x('first_seen')} ELSE ${t('first_seen')} END`,
            last_seen: sql`CASE WHEN ${x('last_seen')} > ${t('last_seen')} THEN ${x('last_seen')} ELSE ${t('last_seen')} END`,
            requests: sql`${t('requests')} + ${x('requests')}`,
          }),
        )
        .execute();
    }
  }

  private async addDaily(trx: Transaction<Database>, providerId: number, rows: readonly DailyTotalsRow[]) {
    for (const delta of sortedBy(rows, (r) => [r.customerId, r.day])) {
      await trx
        .insertInto('con_agg_daily')
        .values({
          provider_id: providerId,
          customer_id: delta.customerId,
          day: delta.day,
          requests: 0,
          allowed: 0,
          blocked: 0,
          by_category: '{}',
        })
        .onConflict((oc) => oc.columns(['provider_id', 'customer_id', 'day']).doNothing())
        .execute();
      let q = trx
        .selectFrom('con_agg_daily')
        .selectAll()
        .where('provider_id', '=', providerId)
        .where('customer_id', '=', delta.customerId)
        .where('day', '=', delta.day);
      if (this.dialect === 'postgres') q = q.forUpdate();
      const stored = await q.executeTakeFirstOrThrow();
      const merged = mergeDailyTotals(
        {
          customerId: delta.customerId,
          day: delta.day,
          requests: Number(stored.requests),
          allowed: Number(stored.allowed),
          blocked: Number(stored.blocked),
          byCategory: decodeJson<DailyTotalsRow['byCategory']>(stored.by_category),
        },
        delta,
      );
      await trx
        .updateTable('con_agg_daily')
        .set({
          requests: merged.requests,
          allowed: merged.allowed,
          blocked: merged.blocked,
          by_category: JSON.stringify(merged.byCategory),
        })
        .where('provider_id', '=', providerId)
        .where('customer_id', '=', delta.customerId)
        .where('day', '=', delta.day)
        .execute();
    }
  }

  private async addTopDomains(
    trx: Transaction<Database>,
    providerId: number,
    rows: readonly TopDomainsRow[],
    capacity: number,
  ) {
    for (const delta of sortedBy(rows, (r) => [r.customerId, r.day, r.action])) {
      await trx
        .insertInto('con_agg_top_domains')
        .values({
          provider_id: providerId,
          customer_id: delta.customerId,
          day: delta.day,
          action: delta.action,
          summary: 'null',
        })
        .onConflict((oc) => oc.columns(['provider_id', 'customer_id', 'day', 'action']).doNothing())
        .execute();
      let q = trx
        .selectFrom('con_agg_top_domains')
        .select('summary')
        .where('provider_id', '=', providerId)
        .where('customer_id', '=', delta.customerId)
        .where('day', '=', delta.day)
        .where('action', '=', delta.action);
      if (this.dialect === 'postgres') q = q.forUpdate();
      const stored = await q.executeTakeFirstOrThrow();
      const before = decodeJson<SerializedSummary | null>(stored.summary);
      const merged = mergeSummary(before ?? undefined, delta.summary, capacity);
      await trx
        .updateTable('con_agg_top_domains')
        .set({ summary: JSON.stringify(merged) })
        .where('provider_id', '=', providerId)
        .where('customer_id', '=', delta.customerId)
        .where('day', '=', delta.day)
        .where('action', '=', delta.action)
        .execute();
    }
  }

  // ---------- cursors ----------

  async getCursor(providerId: number, source: string, db: Db = this.db): Promise<string | undefined> {
    const r = await db
      .selectFrom('con_source_cursor')
      .select('cursor')
      .where('provider_id', '=', providerId)
      .where('source', '=', source)
      .executeTakeFirst();
    return r?.cursor;
  }

  /** Moves a cursor forward (never back: a cursor is the largest key settled so far). */
  async advanceCursor(providerId: number, source: string, cursor: string, at: string): Promise<void> {
    await this.retrying(async (trx) => {
      const current = await this.getCursor(providerId, source, trx);
      if (current !== undefined && current >= cursor) return;
      await trx
        .insertInto('con_source_cursor')
        .values({ provider_id: providerId, source, cursor, updated_at: at })
        .onConflict((oc) => oc.columns(['provider_id', 'source']).doUpdateSet({ cursor, updated_at: at }))
        .execute();
    });
  }

  // ---------- aggregates: reading ----------

  async daily(providerId: number, customerId: number, from?: string, to?: string): Promise<DailyView[]> {
    let q = this.db
      .selectFrom('con_agg_daily')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', customerId);
    if (from !== undefined) q = q.where('day', '>=', from);
    if (to !== undefined) q = q.where('day', '<=', to);
    const rows = await q.orderBy('day').execute();
    return rows.map((r) => ({
      day: r.day,
      requests: Number(r.requests),
      allowed: Number(r.allowed),
      blocked: Number(r.blocked),
      byCategory: decodeJson<DailyTotalsRow['byCategory']>(r.by_category),
    }));
  }

  async topDomains(
    providerId: number,
    customerId: number,
    day: string,
    action?: 'allowed' | 'blocked',
  ): Promise<Array<{ day: string; action: string; summary: SerializedSummary }>> {
    let q = this.db
      .selectFrom('con_agg_top_domains')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', customerId)
      .where('day', '=', day);
    if (action !== undefined) q = q.where('action', '=', action);
    const rows = await q.orderBy('action').execute();
    return rows.map((r) => ({
      day: r.day,
      action: r.action,
      summary: decodeJson<SerializedSummary>(r.summary),
    }));
  }

  async latestTopDomainsDay(providerId: number, customerId: number): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('con_agg_top_domains')
      .select('day')
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', customerId)
      .orderBy('day', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r?.day;
  }

  async identities(providerId: number, customerId: number, limit = 1000): Promise<IdentityView[]> {
    const rows = await this.db
      .selectFrom('con_agg_identity')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', customerId)
      .orderBy('requests', 'desc')
      .orderBy('label')
      .orderBy('type')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      label: r.label,
      type: r.type,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      requests: Number(r.requests),
    }));
  }

  async windows(
    providerId: number,
    customerId: number,
    filter: { category?: string; from?: string; to?: string; limit?: number },
  ): Promise<WindowView[]> {
    let q = this.db
      .selectFrom('con_agg_window')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', customerId);
    if (filter.category !== undefined) q = q.where('category', '=', filter.category);
    if (filter.from !== undefined) q = q.where('window_start', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('window_start', '<', filter.to);
    const rows = await q
      .orderBy('window_start')
      .orderBy('category')
      .orderBy('identity')
      .orderBy('identity_type')
      .limit(filter.limit ?? 10_000)
      .execute();
    return rows.map((r) => ({
      identity: r.identity,
      identityType: r.identity_type,
      category: r.category,
      windowMinutes: Number(r.window_minutes),
      windowStart: r.window_start,
      blocked: Number(r.blocked),
      total: Number(r.total),
    }));
  }

  /** Every aggregate row of a provider, in a stable order (tests compare runs with it). */
  async snapshot(providerId: number) {
    const windows = await this.db
      .selectFrom('con_agg_window')
      .select([
        'customer_id',
        'identity',
        'identity_type',
        'category',
        'window_minutes',
        'window_start',
        'blocked',
        'total',
      ])
      .where('provider_id', '=', providerId)
      .orderBy('customer_id')
      .orderBy('category')
      .orderBy('window_minutes')
      .orderBy('window_start')
      .orderBy('identity')
      .orderBy('identity_type')
      .execute();
    const daily = await this.db
      .selectFrom('con_agg_daily')
      .select(['customer_id', 'day', 'requests', 'allowed', 'blocked', 'by_category'])
      .where('provider_id', '=', providerId)
      .orderBy('customer_id')
      .orderBy('day')
      .execute();
    const top = await this.db
      .selectFrom('con_agg_top_domains')
      .select(['customer_id', 'day', 'action', 'summary'])
      .where('provider_id', '=', providerId)
      .orderBy('customer_id')
      .orderBy('day')
      .orderBy('action')
      .execute();
    const identities = await this.db
      .selectFrom('con_agg_identity')
      .select(['customer_id', 'label', 'type', 'first_seen', 'last_seen', 'requests'])
      .where('provider_id', '=', providerId)
      .orderBy('customer_id')
      .orderBy('label')
      .orderBy('type')
      .execute();
    return {
      windows: windows.map((r) => ({
        customer_id: Number(r.customer_id),
        identity: r.identity,
        identity_type: r.identity_type,
        category: r.category,
        window_minutes: Number(r.window_minutes),
        window_start: r.window_start,
        blocked: Number(r.blocked),
        total: Number(r.total),
      })),
      daily: daily.map((r) => ({
        customer_id: Number(r.customer_id),
        day: r.day,
        requests: Number(r.requests),
        allowed: Number(r.allowed),
        blocked: Number(r.blocked),
        by_category: decodeJson<unknown>(r.by_category),
      })),
      topDomains: top.map((r) => ({
        customer_id: Number(r.customer_id),
        day: r.day,
        action: r.action,
        summary: decodeJson<unknown>(r.summary),
      })),
      identities: identities.map((r) => ({
        customer_id: Number(r.customer_id),
        label: r.label,
        type: r.type,
        first_seen: r.first_seen,
        last_seen: r.last_seen,
        requests: Number(r.requests),
      })),
    };
  }
}

/** The upsert that adds window rows to the stored ones (compiled once per size by addWindows). */
function windowUpsert(trx: Transaction<Database>, providerId: number, part: readonly WindowCountRow[]) {
  return trx
    .insertInto('con_agg_window')
    .values(
      part.map((r) => ({
        provider_id: providerId,
        customer_id: r.customerId,
        identity: r.identity,
        identity_type: r.identityType,
        category: r.category,
        window_minutes: r.windowMinutes,
        window_start: iso(r.windowStart),
        blocked: r.blocked,
        total: r.total,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns([
          'provider_id',
          'customer_id',
          'category',
          'window_minutes',
          'window_start',
          'identity',
          'identity_type',
        ])
        .doUpdateSet({
          blocked: sql`${sql.ref('con_agg_window.blocked')} + ${sql.ref('excluded.blocked')}`,
          total: sql`${sql.ref('con_agg_window.total')} + ${sql.ref('excluded.total')}`,
        }),
    );
}

function negateDaily(r: DailyTotalsRow): DailyTotalsRow {
  const byCategory: DailyTotalsRow['byCategory'] = {};
  for (const [c, v] of Object.entries(r.byCategory)) {
    byCategory[c as keyof DailyTotalsRow['byCategory']] = { blocked: -v.blocked, total: -v.total };
  }
  return { ...r, requests: -r.requests, allowed: -r.allowed, blocked: -r.blocked, byCategory };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
