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
  type DailyTotalsRow,
  type IdentityRow,
  mergeDailyTotals,
  mergeSummary,
  type SerializedSummary,
  type TopDomainsRow,
  type WindowCountRow,
} from '../aggregate/index.js';
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
  inCommit?(trx: Transaction<Database>, providerId: number, deltas: AggregateDeltas): Promise<void>;
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
        reason,
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
          part.map((e) => ({ provider_id: providerId, unit_id: unitId, line: e.line, message: e.message })),
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
    await this.addWindows(trx, providerId, deltas.windowCounts);
    await this.addIdentities(trx, providerId, deltas.identities);
    await this.addDaily(trx, providerId, deltas.dailyTotals);
    await this.addTopDomains(trx, providerId, deltas.topDomains, heavyHitterCapacity);
  }

  private async addWindows(trx: Transaction<Database>, providerId: number, rows: readonly WindowCountRow[]) {
    const sorted = sortedBy(rows, (r) => [
      r.customerId,
      r.category,
      r.windowMinutes,
      r.windowStart,
      r.identity,
      r.identityType,
    ]);
    // A 1M-row file gives ~10k window rows: compiling a 400-row statement took Kysely longer than the
    // database took to run it, so each statement size is compiled once and then reused with new values.
    for (const part of chunks(sorted, WINDOW_CHUNK)) {
      const values: unknown[] = [];
      for (const r of part) {
        values.push(
          providerId,
          r.customerId,
          r.identity,
          r.identityType,
          r.category,
          r.windowMinutes,
          iso(r.windowStart),
          r.blocked,
          r.total,
        );
      }
      let text = this.#windowSql.get(part.length);
      if (text === undefined) {
        const compiled = windowUpsert(trx, providerId, part).compile();
        // The statement's parameters are the rows' values in this order: checked once per size.
        if (!sameValues(compiled.parameters, values))
          throw new Error('window upsert: parameters out of order');
        text = compiled.sql;
        this.#windowSql.set(part.length, text);
      }
      await trx.executeQuery(CompiledQuery.raw(text, values));
    }
  }

  private async addIdentities(trx: Transaction<Database>, providerId: number, rows: readonly IdentityRow[]) {
    const sorted = sortedBy(rows, (r) => [r.customerId, r.label, r.type]);
    const t = (c: string) => sql.ref(`con_agg_identity.${c}`);
    const x = (c: string) => sql.ref(`excluded.${c}`);
    for (const part of chunks(sorted, IDENTITY_CHUNK)) {
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

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
