// The durable outbox of PSA writes (CON-9, X-2): items are enqueued in the transaction of the
// decision that causes them, claimed by workers with leases, run one at a time per subject, and
// every attempt ends with a compare-and-set on "still leased by me", so a worker whose lease was
// taken over writes nothing.
//
// Claiming is one statement: pick the ready items (pending and due, or running with an expired lease
// — the crashed worker may have reached the PSA, so those come back ambiguous), only the lowest-id
// unfinished item of each (provider, subject), no provider whose circuit is open; on PostgreSQL the
// pick locks rows FOR UPDATE SKIP LOCKED so concurrent workers never get the same item, SQLite
// serialises writers by itself. The lowest unfinished item of each subject is found among the
// unfinished items only (through the state index): a subject's history of done items, which grows
// for as long as its ticket or configuration lives, is never read.
//
// Order within a subject follows ids: callers that may enqueue for one subject concurrently must
// serialise those decisions (they do: a decision locks or updates the row it is about).
import {
  type Insertable,
  type Kysely,
  PostgresAdapter,
  type Selectable,
  sql,
  type Transaction,
  type UpdateObject,
} from 'kysely';
import type { ConOutboxTable, ConPsaWriteTable, Database, Dialect } from '../../platform/db-types.js';
import type {
  EffectDone,
  OutboxEntry,
  OutboxItem,
  OutboxItemInput,
  OutboxState,
  OutboxStats,
  PsaWrite,
  PsaWriteEntry,
} from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

/** An attempt whose effect succeeded, waiting for its item to be marked done. */
export interface Completion {
  item: OutboxItem;
  done: EffectDone;
  /** The writes the effect logged. */
  writes: readonly PsaWrite[];
}

const iso = (ms: number) => new Date(ms).toISOString();

const MAX_KIND = 100;
const MAX_SUBJECT = 200;
const MAX_REASON = 1000;
const MAX_PATH = 300;
const MAX_DETAIL = 500;
const INSERT_CHUNK = 200;
const OUTCOMES = new Set<PsaWrite['outcome']>(['ok', 'error', 'found-existing', 'skipped']);
const STATES = new Set<OutboxState>(['pending', 'running', 'done', 'failed']);

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Transient conflicts worth running the transaction again: deadlock, serialisation, SQLite busy. */
function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** Checks one input and returns its JSON payload; the error names the item and the field. */
function checkedPayload(item: OutboxItemInput, index: number): string {
  const bad = (what: string) => new TypeError(`outbox item ${index}: ${what}`);
  if (typeof item !== 'object' || item === null) throw bad('must be an object');
  if (!isPositiveInteger(item.providerId)) throw bad(`providerId must be a positive integer`);
  if (item.customerId !== null && !isPositiveInteger(item.customerId))
    throw bad('customerId must be a positive integer or null');
  if (typeof item.kind !== 'string' || item.kind.length === 0 || item.kind.length > MAX_KIND)
    throw bad(`kind must be a non-empty string of at most ${MAX_KIND} characters`);
  if (typeof item.subject !== 'string' || item.subject.length === 0 || item.subject.length > MAX_SUBJECT)
    throw bad(`subject must be a non-empty string of at most ${MAX_SUBJECT} characters`);
  if (item.notBefore !== undefined && !Number.isFinite(item.notBefore))
    throw bad('notBefore must be epoch milliseconds');
  let json: string | undefined;
  try {
    json = JSON.stringify(item.payload ?? null);
  } catch (e) {
    throw bad(`payload is not JSON (${(e as Error).message})`);
  }
  if (json === undefined) throw bad('payload is not JSON');
  return json;
}

/** A write as the log keeps it: method, path without query, status, outcome and a short detail. */
function loggedWrite(w: PsaWrite): PsaWrite {
  if (!OUTCOMES.has(w.outcome)) throw new TypeError(`PSA write outcome must be one of ${[...OUTCOMES]}`);
  const path = String(w.path).split(/[?#]/, 1)[0] ?? '';
  return {
    method: clip(String(w.method).toUpperCase(), 10),
    path: clip(path, MAX_PATH),
    status: Number.isInteger(w.status) ? w.status : null,
    outcome: w.outcome,
    detail: clip(String(w.detail ?? ''), MAX_DETAIL),
  };
}

interface ClaimedRow {
  id: number;
  provider_id: number;
  customer_id: number | null;
  kind: string;
  subject: string;
  payload: unknown;
  attempts: number;
  ambiguous: number;
  created_at: string;
}

/**
 * A JSON column's value: PostgreSQL's driver parses jsonb already (a JSON string scalar arrives as
 * a plain string), SQLite keeps the text.
 */
type DecodeJson = (value: unknown) => unknown;
const decoderFor = (dialect: Dialect): DecodeJson =>
  dialect === 'postgres' ? (v) => v : (v) => (typeof v === 'string' ? JSON.parse(v) : v);

const toItem = (r: ClaimedRow, decode: DecodeJson): OutboxItem => ({
  id: Number(r.id),
  providerId: Number(r.provider_id),
  customerId: r.customer_id === null ? null : Number(r.customer_id),
  kind: r.kind,
  subject: r.subject,
  payload: decode(r.payload),
  attempts: Number(r.attempts),
  ambiguous: Number(r.ambiguous) === 1,
  createdAt: r.created_at,
});

const toEntry = (r: Selectable<ConOutboxTable>, decode: DecodeJson): OutboxEntry => ({
  ...toItem(r, decode),
  state: r.state,
  notBefore: r.not_before,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  lastError: r.last_error,
  result: r.result === null ? null : decode(r.result),
  doneAt: r.done_at,
});

const toWrite = (r: Selectable<ConPsaWriteTable>): PsaWriteEntry => ({
  id: Number(r.id),
  providerId: Number(r.provider_id),
  customerId: r.customer_id === null ? null : Number(r.customer_id),
  outboxId: r.outbox_id === null ? null : Number(r.outbox_id),
  at: r.at,
  method: r.method,
  path: r.path,
  status: r.status === null ? null : Number(r.status),
  outcome: r.outcome as PsaWrite['outcome'],
  detail: r.detail,
});

/** The PostgreSQL channel on which processes hear that outbox rows may be ready. */
export const OUTBOX_CHANNEL = 'parasol_outbox';

/**
 * Tells the processes listening on PostgreSQL that outbox rows may be ready — when `db`'s transaction
 * commits, or at once outside one (several notifications of one transaction arrive as one). Their
 * workers look at once instead of at their next poll. Nothing on SQLite.
 */
export async function notifyOutbox(db: Db): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new RangeError(`limit must be an integer from 1 to 1000, got ${limit}`);
  return limit;
}

export class Outbox {
  private readonly decode: DecodeJson;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
  ) {
    this.decode = decoderFor(dialect);
  }

  /**
   * Adds items; pass the transaction that records the decision so both commit or neither does.
   * Returns the new ids in input order.
   */
  async enqueue(trxOrDb: Db, items: readonly OutboxItemInput[], nowMs: number): Promise<number[]> {
    const rows = items.map((item, i) => {
      const payload = checkedPayload(item, i);
      return {
        provider_id: item.providerId,
        customer_id: item.customerId,
        kind: item.kind,
        subject: item.subject,
        payload,
        state: 'pending' as const,
        attempts: 0,
        ambiguous: 0,
        not_before: iso(item.notBefore ?? nowMs),
        created_at: iso(nowMs),
      };
    });
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const inserted = await trxOrDb
        .insertInto('con_outbox')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .returning('id')
        .execute();
      // Ids are allocated in VALUES order; RETURNING's order is not promised, so sort.
      ids.push(...inserted.map((r) => Number(r.id)).sort((a, b) => a - b));
    }
    if (ids.length > 0) await notifyOutbox(trxOrDb);
    return ids;
  }

  /** Leases up to `limit` ready items to `owner` until now + leaseMs (see the header). */
  async claim(owner: string, limit: number, nowMs: number, leaseMs: number): Promise<OutboxItem[]> {
    checkLimit(limit);
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError('leaseMs must be positive');
    const now = iso(nowMs);
    const lock = this.dialect === 'postgres' ? sql` FOR UPDATE OF c SKIP LOCKED` : sql``;
    const result = await sql<ClaimedRow>`
      WITH firsts AS (
        SELECT MIN(u.id) AS id FROM con_outbox u
        WHERE u.state IN ('pending', 'running')
        GROUP BY u.provider_id, u.subject
      ),
      picked AS (
        SELECT c.id FROM con_outbox c
        JOIN firsts f ON f.id = c.id
        WHERE ((c.state = 'pending' AND c.not_before <= ${now})
               OR (c.state = 'running' AND c.lease_until <= ${now}))
          AND NOT EXISTS (
            SELECT 1 FROM con_integration_health h
            WHERE h.provider_id = c.provider_id AND h.circuit = 'open')
        ORDER BY c.id
        LIMIT ${limit}${lock}
      )
      UPDATE con_outbox
      SET state = 'running',
          lease_owner = ${owner},
          lease_until = ${iso(nowMs + leaseMs)},
          attempts = attempts + 1,
          ambiguous = CASE WHEN state = 'running' THEN 1 ELSE ambiguous END
      WHERE id IN (SELECT id FROM picked)
        AND (state = 'pending' OR (state = 'running' AND lease_until <= ${now}))
      RETURNING id, provider_id, customer_id, kind, subject, payload, attempts, ambiguous, created_at
    `.execute(this.db);
    return result.rows.map((r) => toItem(r, this.decode)).sort((a, b) => a.id - b.id);
  }

  /** Extends the leases `owner` still holds; returns the ids it still holds. */
  async renew(owner: string, ids: readonly number[], untilMs: number): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('con_outbox')
      .set({ lease_until: iso(untilMs) })
      .where('id', 'in', [...ids])
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner)
      .returning('id')
      .execute();
    return rows.map((r) => Number(r.id));
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

  /** Ends an attempt with `changes`, only while `owner` still holds the lease; then `more`. */
  private finishAttempt(
    item: OutboxItem,
    owner: string,
    changes: UpdateObject<Database, 'con_outbox'>,
    more: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<boolean> {
    return this.retrying(async (trx) => {
      const r = await trx
        .updateTable('con_outbox')
        .set(changes)
        .where('id', '=', item.id)
        .where('provider_id', '=', item.providerId)
        .where('state', '=', 'running')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await more(trx);
      return true;
    });
  }

  private writeRow(item: OutboxItem, w: PsaWrite, at: string): Insertable<ConPsaWriteTable> {
    return { provider_id: item.providerId, customer_id: item.customerId, outbox_id: item.id, at, ...w };
  }

  private async appendWrites(
    trx: Transaction<Database>,
    item: OutboxItem,
    writes: readonly PsaWrite[],
    nowMs: number,
  ): Promise<void> {
    if (writes.length === 0) return;
    const at = iso(nowMs);
    await trx
      .insertInto('con_psa_write')
      .values(writes.map((w) => this.writeRow(item, w, at)))
      .execute();
  }

  /**
   * Marks the item done with its result, runs `done.apply`, enqueues `done.followUps` and logs the
   * writes — one transaction, only while `owner` still holds the lease. False (nothing written) when
   * the lease was lost.
   */
  async complete(
    item: OutboxItem,
    owner: string,
    nowMs: number,
    done: EffectDone,
    writes: readonly PsaWrite[],
  ): Promise<boolean> {
    const [held] = await this.completeMany(owner, nowMs, [{ item, done, writes }]);
    return held === true;
  }

  /**
   * `complete` for several items in one transaction (one commit instead of one per item): each item
   * is marked done, applied, followed up and logged only while `owner` still holds its lease; returns
   * per item whether it was. Anything that throws (an apply, the database) rolls back every item:
   * the caller then completes them one at a time, so that the fault stays with its own item (an
   * apply may thus run more than once, as on a retried deadlock; only a committed run counts).
   */
  async completeMany(owner: string, nowMs: number, completions: readonly Completion[]): Promise<boolean[]> {
    if (completions.length === 0) return [];
    const at = iso(nowMs);
    // Checked before the transaction: a bad write or follow-up never leaves half a completion.
    const prepared = completions.map(({ item, done, writes }) => {
      const logged = writes.map(loggedWrite);
      const followUps = done.followUps ?? [];
      followUps.forEach(checkedPayload);
      const result = done.result === undefined ? null : JSON.stringify(done.result);
      return { item, apply: done.apply, followUps, logged, result };
    });
    return this.retrying(async (trx) => {
      const held: boolean[] = [];
      const log: Insertable<ConPsaWriteTable>[] = [];
      for (const { item, apply, followUps, logged, result } of prepared) {
        const r = await trx
          .updateTable('con_outbox')
          .set({ state: 'done', result, done_at: at, lease_until: null, last_error: null })
          .where('id', '=', item.id)
          .where('provider_id', '=', item.providerId)
          .where('state', '=', 'running')
          .where('lease_owner', '=', owner)
          .executeTakeFirst();
        const mine = Number(r.numUpdatedRows) === 1;
        held.push(mine);
        if (!mine) continue;
        if (apply) await apply(trx);
        if (followUps.length > 0) await this.enqueue(trx, followUps, nowMs);
        log.push(...logged.map((w) => this.writeRow(item, w, at)));
      }
      // The write log of the whole batch in as few statements as the chunking allows.
      for (let i = 0; i < log.length; i += INSERT_CHUNK)
        await trx
          .insertInto('con_psa_write')
          .values(log.slice(i, i + INSERT_CHUNK))
          .execute();
      return held;
    });
  }

  /** Back to pending until now + delayMs; once ambiguous, an item stays ambiguous. */
  async retryLater(
    item: OutboxItem,
    owner: string,
    nowMs: number,
    delayMs: number,
    reason: string,
    ambiguous: boolean,
    writes: readonly PsaWrite[],
  ): Promise<boolean> {
    const logged = writes.map(loggedWrite);
    return this.finishAttempt(
      item,
      owner,
      {
        state: 'pending',
        not_before: iso(nowMs + Math.max(0, delayMs)),
        lease_owner: null,
        lease_until: null,
        last_error: clip(reason, MAX_REASON),
        ambiguous: ambiguous ? 1 : sql<number>`ambiguous`,
      },
      (trx) => this.appendWrites(trx, item, logged, nowMs),
    );
  }

  /** Fails the item for good (visible with a retry action). */
  async fail(
    item: OutboxItem,
    owner: string,
    nowMs: number,
    reason: string,
    writes: readonly PsaWrite[],
  ): Promise<boolean> {
    const logged = writes.map(loggedWrite);
    return this.finishAttempt(
      item,
      owner,
      { state: 'failed', done_at: iso(nowMs), lease_until: null, last_error: clip(reason, MAX_REASON) },
      (trx) => this.appendWrites(trx, item, logged, nowMs),
    );
  }

  /**
   * Back to pending without counting the attempt (the circuit opened): it waits, nothing is lost.
   * `log` keeps the writes of the refused attempt.
   */
  async park(
    item: OutboxItem,
    owner: string,
    reason: string,
    log?: { nowMs: number; writes: readonly PsaWrite[] },
  ): Promise<boolean> {
    const logged = (log?.writes ?? []).map(loggedWrite);
    return this.finishAttempt(
      item,
      owner,
      {
        state: 'pending',
        attempts: sql<number>`attempts - 1`,
        lease_owner: null,
        lease_until: null,
        last_error: clip(reason, MAX_REASON),
      },
      (trx) => this.appendWrites(trx, item, logged, log?.nowMs ?? 0),
    );
  }

  /** Back to pending until `untilMs` without counting the attempt (the write rate limit). */
  async defer(item: OutboxItem, owner: string, untilMs: number): Promise<boolean> {
    return this.finishAttempt(
      item,
      owner,
      {
        state: 'pending',
        attempts: sql<number>`attempts - 1`,
        not_before: iso(untilMs),
        lease_owner: null,
        lease_until: null,
      },
      async () => {},
    );
  }

  /**
   * The admin's retry: a failed item runs again from its first attempt. It keeps its place by id,
   * so it runs before later items of its subject that are still waiting.
   */
  async retry(providerId: number, id: number, nowMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('con_outbox')
      .set({
        state: 'pending',
        attempts: 0,
        not_before: iso(nowMs),
        lease_owner: null,
        lease_until: null,
        done_at: null,
      })
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .where('state', '=', 'failed')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    await notifyOutbox(this.db);
    return true;
  }

  async get(providerId: number, id: number): Promise<OutboxEntry | undefined> {
    const r = await this.db
      .selectFrom('con_outbox')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && toEntry(r, this.decode);
  }

  /** A provider's items, newest first; page with `beforeId` (the last id of the previous page). */
  async list(
    providerId: number,
    filter: { state?: OutboxState; customerId?: number; limit: number; beforeId?: number },
  ): Promise<OutboxEntry[]> {
    if (filter.state !== undefined && !STATES.has(filter.state))
      throw new TypeError(`state must be one of ${[...STATES].join(', ')}`);
    let q = this.db.selectFrom('con_outbox').selectAll().where('provider_id', '=', providerId);
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId);
    if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(checkLimit(filter.limit)).execute();
    return rows.map((r) => toEntry(r, this.decode));
  }

  /** The PSA write log of a provider, newest first. */
  async writes(
    providerId: number,
    filter: { customerId?: number; outboxId?: number; limit: number; beforeId?: number },
  ): Promise<PsaWriteEntry[]> {
    let q = this.db.selectFrom('con_psa_write').selectAll().where('provider_id', '=', providerId);
    if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId);
    if (filter.outboxId !== undefined) q = q.where('outbox_id', '=', filter.outboxId);
    if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(checkLimit(filter.limit)).execute();
    return rows.map(toWrite);
  }

  /** Depth by state and the age of the oldest pending item, over every provider (for metrics). */
  async stats(nowMs: number): Promise<OutboxStats> {
    const rows = await this.db
      .selectFrom('con_outbox')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const depth: Record<OutboxState, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    for (const r of rows) if (STATES.has(r.state)) depth[r.state] = Number(r.n);
    const oldest = await this.db
      .selectFrom('con_outbox')
      .select((eb) => eb.fn.min('created_at').as('at'))
      .where('state', '=', 'pending')
      .executeTakeFirst();
    const at = oldest?.at ? Date.parse(oldest.at) : Number.NaN;
    return { depth, oldestPendingAgeMs: Number.isFinite(at) ? Math.max(0, nowMs - at) : 0 };
  }
}
