// The aggregates of one batch of events (CON-6). A batch is one input file or API page: it is folded
// in memory into DELTAS — plain rows — which the caller adds to the stored aggregates with the
// merge helpers below, in the same transaction that records the unit as ingested, so a unit counts
// exactly once. Batches also merge with each other (AggregateBatch.merge), and the deltas of two
// merged batches equal the row-wise merge of their deltas.
//
// Rows (every count is a number of events, i.e. DNS requests):
//   * windowCounts — per customer × identity (label, type) × category × window of `windowMinutes`:
//       category '*' (ALL_REQUESTS): every request of the identity in the window, and how many were
//         blocked for any reason (security or content);
//       category c, one of SECURITY_CATEGORIES: the requests carrying c, and how many were blocked.
//     A request with several categories counts once in each (once per distinct category). 'content'
//     and unknown categories have no row of their own (they are in '*'). A row exists only when its
//     total is positive. The ticket rules read e.g. (identity, 'command-and-control', window).blocked.
//   * dailyTotals — per customer × UTC day: requests, allowed, blocked (requests = allowed + blocked)
//     and, per security category seen that day, blocked and total.
//   * topDomains — per customer × UTC day × action: a Space-Saving summary of the domains
//     (lower-cased, trailing dot removed; an empty domain is not counted), see heavy-hitters.ts.
//   * identities — per customer × identity label × type: first and last event time, request count.
//   * blocked — per customer × identity × security category × window, for cells with blocked
//     requests only: the first and last blocked request and the blocked domains (blocked.ts), what a
//     ticket says about the identity in that window.
//
// Memory of a batch, in entries: Σ over customers of
//     identities × windows touched × (1 + security categories seen)   (window cells)
//   + identities                                                      (first/last seen)
//   + days × (1 + 9 categories + 2 summaries of at most k + PENDING_DOMAINS domains)
//   + window cells × categories WITH BLOCKED REQUESTS × at most BLOCKED_DOMAIN_CAPACITY +
//     PENDING_BLOCKED_DOMAINS domains (blocked.ts; an infected host's cell holds a handful)
// whatever the number of events: a day's file of 1M requests from one customer with 300 identities
// and 4-hour windows holds at most 300 × 6 × 10 window rows + 2 × (256 + 4096) domains — a few MB.

import type { BlockedCells } from './blocked.js';
import { WindowCells } from './cells.js';
import { type DeltaColumns, DeltaColumnsBuilder } from './columns.js';
import { assertCapacity, mergeSummary, SpaceSaving } from './heavy-hitters.js';
import type {
  AggregateDeltas,
  CategoryCount,
  DailyTotalsRow,
  IdentityRow,
  TopDomainsRow,
  WindowCountRow,
} from './rows.js';
import {
  type AggregatableEvent,
  ALL_REQUESTS,
  type DnsAction,
  isSecurityCategory,
  SECURITY_CATEGORIES,
  type WindowCategory,
} from './types.js';
import {
  assertWindowMinutes,
  DAY_MS,
  DEFAULT_WINDOW_MINUTES,
  dayOf,
  MINUTE_MS,
  windowStartMs,
} from './windows.js';

export interface AggregateOptions {
  /** Window length in minutes (see windows.ts); default 240, Umbrella's four-hour blocks. */
  windowMinutes: number;
  /** Capacity k of each top-domain summary; default 256. */
  heavyHitterCapacity: number;
}

export const DEFAULT_AGGREGATE_OPTIONS: Readonly<AggregateOptions> = {
  windowMinutes: DEFAULT_WINDOW_MINUTES,
  heavyHitterCapacity: 256,
};

export type {
  AggregateDeltas,
  CategoryCount,
  DailyTotalsRow,
  IdentityRow,
  TopDomainsRow,
  WindowCountRow,
} from './rows.js';

/** Entry counts of a batch, to check its memory bound. */
export interface BatchSize {
  identities: number;
  /** Rows of windowCounts ('*' rows included). */
  windowRows: number;
  dailyRows: number;
  summaries: number;
  /** Domains held by all summaries together (≤ summaries × capacity). */
  summaryEntries: number;
  /** Domains counted exactly, not yet folded into their summary (≤ summaries × PENDING_DOMAINS). */
  pendingDomains: number;
}

// ---- in-memory state: customer → identity → window, customer → day ----
// Per-category counts are arrays indexed like SECURITY_CATEGORIES. The hot path (add) keeps the last
// window of each identity and the last day of each customer at hand: log lines come roughly in time
// order, so most events land in the cell the previous event of the same identity did.

type CategoryCounts = (CategoryCount | undefined)[];

interface IdentityState {
  label: string;
  type: string;
  firstSeen: number;
  lastSeen: number;
  requests: number;
  /** Window start → cell number in the batch's WindowCells (cells.ts). */
  windows: Map<number, number>;
  lastWindowStart: number;
  /** The cell of lastWindowStart, −1 before the first. */
  lastCell: number;
}

/**
 * The domains of one customer × day × action: exact counts of the latest distinct domains, folded into
 * the Space-Saving summary (as weighted offers, which keep its bounds) when PENDING_DOMAINS of them
 * have gathered and before the summary is read. Counting a repeated domain is then one map update
 * instead of a heap update.
 */
interface TopState {
  summary: SpaceSaving;
  /** Domain → its count since the last fold (a box, so that counting is one map lookup). */
  pending: Map<string, { n: number }>;
}

/** Distinct domains counted exactly before they are folded into a summary (memory: see the header). */
export const PENDING_DOMAINS = 4096;

interface DayState {
  dayStart: number;
  requests: number;
  allowed: number;
  blocked: number;
  byCategory: CategoryCounts;
  top: Partial<Record<DnsAction, TopState>>;
}

interface CustomerState {
  identities: Map<string, IdentityState>;
  days: Map<number, DayState>;
  lastDay: DayState | undefined;
  // Side index by the event's identity object (decoders reuse one object per identity): skips building
  // the text key per event. Records are never removed from `identities`, so an entry stays valid.
  byObject: WeakMap<object, IdentityState>;
}

function identityKey(type: string, label: string): string {
  return `${type}\u0000${label}`;
}

function bump(counts: CategoryCounts, index: number, blocked: number, total: number) {
  const c = counts[index];
  if (c === undefined) counts[index] = { blocked, total };
  else {
    c.blocked += blocked;
    c.total += total;
  }
}

function emptyCounts(): CategoryCounts {
  return new Array<CategoryCount | undefined>(SECURITY_CATEGORIES.length).fill(undefined);
}

/** The positions in SECURITY_CATEGORIES of a category list's distinct security categories. */
function securityIndexes(categories: readonly string[]): readonly number[] {
  const out: number[] = [];
  for (const category of categories) {
    if (!isSecurityCategory(category)) continue;
    const i = SECURITY_CATEGORIES.indexOf(category);
    if (!out.includes(i)) out.push(i);
  }
  return out;
}

/** Category lists remembered per batch (decoders reuse one array per distinct list). */
const MAX_REMEMBERED_LISTS = 4096;

/** The domain as counted in the top lists: lower case, without the root's trailing dot. */
export function topDomainKey(domain: string): string {
  const lower = domain.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function assertEvent(e: AggregatableEvent): void {
  if (!Number.isFinite(e.ts) || Math.abs(e.ts) > 8.64e15)
    throw new RangeError(`Event time is not epoch ms: ${e.ts}`);
  if (!Number.isSafeInteger(e.customerId))
    throw new TypeError(`Event customerId is not an id: ${e.customerId}`);
  if (e.action !== 'allowed' && e.action !== 'blocked')
    throw new TypeError(`Event action is unknown: ${e.action}`);
  if (typeof e.identity?.label !== 'string' || typeof e.identity.type !== 'string') {
    throw new TypeError('Event identity needs a label and a type');
  }
  if (typeof e.domain !== 'string' || !Array.isArray(e.categories)) {
    throw new TypeError('Event needs a domain and a list of categories');
  }
}

/**
 * Folds a day × action's pending exact counts into its summary, as weighted offers (in any order: the
 * bounds hold for every order; two spellings of one domain, 'A.test.' and 'a.test', are two offers of
 * the same key, which add up).
 */
function flushTop(top: TopState): void {
  if (top.pending.size === 0) return;
  for (const [domain, count] of top.pending) {
    const key = isTopDomainKey(domain) ? domain : topDomainKey(domain);
    if (key !== '') top.summary.offer(key, count.n);
  }
  top.pending.clear();
}

/** Already lower case and without the root's trailing dot (decoders mostly hand domains so). */
function isTopDomainKey(domain: string): boolean {
  const n = domain.length;
  if (n > 0 && domain.charCodeAt(n - 1) === 46) return false;
  for (let i = 0; i < n; i++) {
    const c = domain.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return false;
  }
  return true;
}

/** A customer's days as daily-total and top-domain rows, oldest day first (both forms of deltas). */
function pushDayRows(
  customerId: number,
  days: ReadonlyMap<number, DayState>,
  out: { dailyTotals: DailyTotalsRow[]; topDomains: TopDomainsRow[] },
): void {
  for (const dayMs of [...days.keys()].sort((a, b) => a - b)) {
    const d = days.get(dayMs)!;
    const day = dayOf(dayMs);
    const byCategory: DailyTotalsRow['byCategory'] = {};
    SECURITY_CATEGORIES.forEach((category, i) => {
      const c = d.byCategory[i];
      if (c !== undefined) byCategory[category] = { blocked: c.blocked, total: c.total };
    });
    out.dailyTotals.push({
      customerId,
      day,
      requests: d.requests,
      allowed: d.allowed,
      blocked: d.blocked,
      byCategory,
    });
    for (const action of ['allowed', 'blocked'] as const) {
      const top = d.top[action];
      if (top !== undefined) out.topDomains.push({ customerId, day, action, summary: top.summary.toJSON() });
    }
  }
}

export class AggregateBatch {
  readonly windowMinutes: number;
  readonly heavyHitterCapacity: number;
  readonly #windowMs: number;
  readonly #customers = new Map<number, CustomerState>();
  // The customer of the last event: a file is usually one customer's.
  #lastCustomer: CustomerState | undefined;
  #lastCustomerId = 0;
  /** Category list → positions of its security categories (keyed by the list object). */
  readonly #lists = new Map<readonly string[], readonly number[]>();
  #events = 0;
  /** Set by takeDeltas: the cells are gone. */
  #taken = false;
  /** The identities' window cells. */
  #cells = new WindowCells();

  constructor(options: Partial<AggregateOptions> = {}) {
    const { windowMinutes, heavyHitterCapacity } = { ...DEFAULT_AGGREGATE_OPTIONS, ...options };
    assertWindowMinutes(windowMinutes);
    assertCapacity(heavyHitterCapacity);
    this.windowMinutes = windowMinutes;
    this.heavyHitterCapacity = heavyHitterCapacity;
    this.#windowMs = windowMinutes * MINUTE_MS;
  }

  get events(): number {
    return this.#events;
  }

  /** Folds one event in; throws on an event that is not well-formed (the batch is then unchanged). */
  add(event: AggregatableEvent): void {
    if (this.#taken) throw new RangeError('The batch was handed over (takeDeltas)');
    assertEvent(event);
    const { ts, action } = event;
    const blocked = action === 'blocked' ? 1 : 0;
    let customer = this.#lastCustomer;
    if (customer === undefined || this.#lastCustomerId !== event.customerId) {
      customer = this.#customer(event.customerId);
      this.#lastCustomer = customer;
      this.#lastCustomerId = event.customerId;
    }

    const who = event.identity;
    let identity = customer.byObject.get(who);
    if (identity === undefined || identity.label !== who.label || identity.type !== who.type) {
      identity = this.#identity(customer, who.type, who.label, ts);
      customer.byObject.set(who, identity);
    }
    identity.requests += 1;
    if (ts < identity.firstSeen) identity.firstSeen = ts;
    if (ts > identity.lastSeen) identity.lastSeen = ts;

    const windowStart = windowStartMs(ts, this.#windowMs);
    const cells = this.#cells;
    let cell = identity.lastCell;
    if (cell === -1 || identity.lastWindowStart !== windowStart) {
      const known = identity.windows.get(windowStart);
      if (known === undefined) {
        cell = cells.add();
        identity.windows.set(windowStart, cell);
      } else cell = known;
      identity.lastCell = cell;
      identity.lastWindowStart = windowStart;
    }
    cells.countAll(cell, blocked, 1);

    let day = customer.lastDay;
    if (day === undefined || ts < day.dayStart || ts >= day.dayStart + DAY_MS) {
      day = this.#day(customer, windowStartMs(ts, DAY_MS));
      customer.lastDay = day;
    }
    day.requests += 1;
    if (blocked) day.blocked += 1;
    else day.allowed += 1;

    const indexes = this.#securityIndexes(event.categories);
    for (let i = 0; i < indexes.length; i++) {
      cells.countCategory(cell, indexes[i]!, blocked, 1);
      bump(day.byCategory, indexes[i]!, blocked, 1);
    }
    // Blocked security requests (rare) also keep what a ticket says: first/last and the domains.
    if (blocked === 1 && indexes.length > 0) addBlocked(cells.blocked, cell, indexes, ts, event.domain);

    const domain = event.domain;
    if (domain !== '') {
      let top = day.top[action];
      if (top === undefined) {
        top = { summary: new SpaceSaving(this.heavyHitterCapacity), pending: new Map() };
        day.top[action] = top;
      }
      const pending = top.pending;
      const count = pending.get(domain);
      if (count !== undefined) count.n++;
      else {
        if (pending.size >= PENDING_DOMAINS) flushTop(top);
        pending.set(domain, { n: 1 });
      }
    }
    this.#events += 1;
  }

  addAll(events: Iterable<AggregatableEvent>): this {
    for (const e of events) this.add(e);
    return this;
  }

  /** Folds another batch (same window length) into this one; summaries merge at this capacity. */
  merge(other: AggregateBatch): this {
    if (other === this) throw new RangeError('A batch cannot be merged into itself');
    if (this.#taken || other.#taken) throw new RangeError('The batch was handed over (takeDeltas)');
    if (other.windowMinutes !== this.windowMinutes) {
      throw new RangeError(
        `Cannot merge ${other.windowMinutes}-minute windows into ${this.windowMinutes}-minute ones`,
      );
    }
    other.#flushTops();
    this.#flushTops();
    for (const [customerId, theirs] of other.#customers) {
      const mine = this.#customer(customerId);
      for (const [key, t] of theirs.identities) {
        let m = mine.identities.get(key);
        if (m === undefined) {
          m = { ...t, requests: 0, windows: new Map(), lastCell: -1 };
          mine.identities.set(key, m);
        } else {
          m.firstSeen = Math.min(m.firstSeen, t.firstSeen);
          m.lastSeen = Math.max(m.lastSeen, t.lastSeen);
        }
        m.requests += t.requests;
        for (const [w, c] of t.windows) {
          let cell = m.windows.get(w);
          if (cell === undefined) {
            cell = this.#cells.add();
            m.windows.set(w, cell);
          }
          this.#mergeCell(cell, other.#cells, c);
        }
      }
      for (const [dayMs, t] of theirs.days) {
        const d = this.#day(mine, dayMs);
        d.requests += t.requests;
        d.allowed += t.allowed;
        d.blocked += t.blocked;
        addCounts(d.byCategory, t.byCategory);
        for (const action of ['allowed', 'blocked'] as const) {
          const s = t.top[action];
          if (s === undefined) continue;
          const own = d.top[action];
          d.top[action] = {
            summary: SpaceSaving.merge(
              own?.summary ?? new SpaceSaving(this.heavyHitterCapacity),
              s.summary,
              this.heavyHitterCapacity,
            ),
            pending: new Map(),
          };
        }
      }
    }
    this.#events += other.#events;
    return this;
  }

  size(): BatchSize {
    const size: BatchSize = {
      identities: 0,
      windowRows: 0,
      dailyRows: 0,
      summaries: 0,
      summaryEntries: 0,
      pendingDomains: 0,
    };
    for (const customer of this.#customers.values()) {
      size.identities += customer.identities.size;
      for (const identity of customer.identities.values()) {
        for (const cell of identity.windows.values()) size.windowRows += 1 + this.#cells.categoryRows(cell);
      }
      size.dailyRows += customer.days.size;
      for (const day of customer.days.values()) {
        for (const top of [day.top.allowed, day.top.blocked]) {
          if (top === undefined) continue;
          size.summaries += 1;
          size.summaryEntries += top.summary.size;
          size.pendingDomains += top.pending.size;
        }
      }
    }
    return size;
  }

  /** The rows to add to the stored aggregates, in a stable order (customer, identity, time, category). */
  deltas(): AggregateDeltas {
    return this.#deltas(false);
  }

  /**
   * The same rows as deltas(), releasing each identity's cells as soon as its rows are out: the batch
   * and its deltas are never both whole in memory (with 20,000 identities each weighs tens of MB).
   * The batch is empty afterwards and takes no more events.
   */
  takeDeltas(): AggregateDeltas {
    const out = this.#deltas(true);
    this.#taken = true;
    return out;
  }

  /**
   * The deltas as columns (columns.ts), releasing each identity's cells as soon as they are written:
   * what a worker thread hands over. The batch is empty afterwards and takes no more events.
   */
  takeColumns(): DeltaColumns {
    if (this.#taken) throw new RangeError('The batch was handed over (takeDeltas)');
    this.#flushTops();
    this.#taken = true;
    const out = new DeltaColumnsBuilder();
    out.events = this.#events;
    for (const [customerId, customer] of this.#customers) {
      for (const [key, identity] of customer.identities) {
        customer.identities.delete(key);
        const id = out.identity(customerId, identity.label, identity.type);
        out.identityRow({
          customerId,
          label: identity.label,
          type: identity.type,
          firstSeen: identity.firstSeen,
          lastSeen: identity.lastSeen,
          requests: identity.requests,
        });
        const cells = this.#cells;
        for (const [windowStart, cell] of identity.windows) {
          const minutes = this.windowMinutes;
          out.window(id, ALL_REQUESTS, minutes, windowStart, cells.allBlocked(cell), cells.allTotal(cell));
          for (let i = 0; i < SECURITY_CATEGORIES.length; i++) {
            if (!cells.hasCategory(cell, i)) continue;
            const category = SECURITY_CATEGORIES[i]!;
            out.window(
              id,
              category,
              minutes,
              windowStart,
              cells.categoryBlocked(cell, i),
              cells.categoryTotal(cell, i),
            );
          }
          const details = cells.blocked;
          if (!details.hasAny(cell)) continue;
          for (let i = 0; i < SECURITY_CATEGORIES.length; i++) {
            if (!details.has(cell, i)) continue;
            out.blockedCell(
              id,
              SECURITY_CATEGORIES[i]!,
              this.windowMinutes,
              windowStart,
              details.first(cell, i),
              details.last(cell, i),
              details.summary(cell, i).toJSON(),
            );
          }
          details.release(cell);
        }
      }
      pushDayRows(customerId, customer.days, out);
      customer.days.clear();
    }
    this.#customers.clear();
    this.#cells = new WindowCells();
    return out.finish();
  }

  #deltas(release: boolean): AggregateDeltas {
    if (this.#taken) throw new RangeError('The batch was handed over (takeDeltas)');
    this.#flushTops();
    const out: AggregateDeltas = {
      events: this.#events,
      windowCounts: [],
      dailyTotals: [],
      topDomains: [],
      identities: [],
      blocked: [],
    };
    const customerIds = [...this.#customers.keys()].sort((a, b) => a - b);
    for (const customerId of customerIds) {
      const customer = this.#customers.get(customerId)!;
      const keys = [...customer.identities.keys()].sort();
      for (const key of keys) {
        const identity = customer.identities.get(key)!;
        if (release) customer.identities.delete(key);
        out.identities.push({
          customerId,
          label: identity.label,
          type: identity.type,
          firstSeen: identity.firstSeen,
          lastSeen: identity.lastSeen,
          requests: identity.requests,
        });
        const starts = [...identity.windows.keys()].sort((a, b) => a - b);
        for (const windowStart of starts) {
          const cell = identity.windows.get(windowStart)!;
          const cells = this.#cells;
          const row = (category: WindowCategory, blocked: number, total: number): WindowCountRow => ({
            customerId,
            identity: identity.label,
            identityType: identity.type,
            category,
            windowMinutes: this.windowMinutes,
            windowStart,
            blocked,
            total,
          });
          out.windowCounts.push(row(ALL_REQUESTS, cells.allBlocked(cell), cells.allTotal(cell)));
          SECURITY_CATEGORIES.forEach((category, i) => {
            if (cells.hasCategory(cell, i))
              out.windowCounts.push(
                row(category, cells.categoryBlocked(cell, i), cells.categoryTotal(cell, i)),
              );
          });
          const details = cells.blocked;
          SECURITY_CATEGORIES.forEach((category, i) => {
            if (!details.has(cell, i)) return;
            out.blocked?.push({
              customerId,
              identity: identity.label,
              identityType: identity.type,
              category,
              windowMinutes: this.windowMinutes,
              windowStart,
              firstBlocked: details.first(cell, i),
              lastBlocked: details.last(cell, i),
              domains: details.summary(cell, i).toJSON(),
            });
          });
          if (release) details.release(cell);
        }
      }
      pushDayRows(customerId, customer.days, out);
    }
    return out;
  }

  /** Adds cell `from` of another batch's cells to this batch's cell `into`. */
  #mergeCell(into: number, cells: WindowCells, from: number): void {
    const mine = this.#cells;
    mine.countAll(into, cells.allBlocked(from), cells.allTotal(from));
    for (let i = 0; i < SECURITY_CATEGORIES.length; i++) {
      if (cells.hasCategory(from, i))
        mine.countCategory(into, i, cells.categoryBlocked(from, i), cells.categoryTotal(from, i));
    }
    if (!cells.blocked.hasAny(from)) return;
    for (let i = 0; i < SECURITY_CATEGORIES.length; i++) {
      if (cells.blocked.has(from, i)) mine.blocked.mergeFrom(into, cells.blocked, from, i);
    }
  }

  #identity(customer: CustomerState, type: IdentityState['type'], label: string, ts: number): IdentityState {
    const key = identityKey(type, label);
    let identity = customer.identities.get(key);
    if (identity === undefined) {
      identity = {
        label,
        type,
        firstSeen: ts,
        lastSeen: ts,
        requests: 0,
        windows: new Map(),
        lastWindowStart: 0,
        lastCell: -1,
      };
      customer.identities.set(key, identity);
    }
    return identity;
  }

  #customer(customerId: number): CustomerState {
    let c = this.#customers.get(customerId);
    if (c === undefined) {
      c = { identities: new Map(), days: new Map(), lastDay: undefined, byObject: new WeakMap() };
      this.#customers.set(customerId, c);
    }
    return c;
  }

  #day(customer: CustomerState, dayMs: number): DayState {
    let d = customer.days.get(dayMs);
    if (d === undefined) {
      d = { dayStart: dayMs, requests: 0, allowed: 0, blocked: 0, byCategory: emptyCounts(), top: {} };
      customer.days.set(dayMs, d);
    }
    return d;
  }

  #securityIndexes(categories: readonly string[]): readonly number[] {
    let indexes = this.#lists.get(categories);
    if (indexes === undefined) {
      indexes = securityIndexes(categories);
      if (this.#lists.size >= MAX_REMEMBERED_LISTS) this.#lists.clear();
      this.#lists.set(categories, indexes);
    }
    return indexes;
  }

  #flushTops(): void {
    for (const customer of this.#customers.values()) {
      for (const day of customer.days.values()) {
        if (day.top.allowed) flushTop(day.top.allowed);
        if (day.top.blocked) flushTop(day.top.blocked);
      }
    }
  }
}

function addBlocked(
  details: BlockedCells,
  cell: number,
  indexes: readonly number[],
  ts: number,
  domain: string,
): void {
  const key = isTopDomainKey(domain) ? domain : topDomainKey(domain);
  for (let i = 0; i < indexes.length; i++) details.add(cell, indexes[i]!, ts, key);
}

function addCounts(into: CategoryCounts, from: CategoryCounts): void {
  from.forEach((n, i) => {
    if (n !== undefined) bump(into, i, n.blocked, n.total);
  });
}

// ---- merging deltas into stored rows (pure; the caller reads the stored row, writes the result) ----

function assertSameKey(
  what: string,
  stored: Record<string, unknown>,
  delta: Record<string, unknown>,
  keys: string[],
) {
  for (const k of keys) {
    if (stored[k] !== delta[k]) {
      throw new RangeError(
        `Cannot merge ${what} rows with different ${k}: ${String(stored[k])} and ${String(delta[k])}`,
      );
    }
  }
}

/** stored + delta for one window row (same customer, identity, category, window). */
export function mergeWindowCount(
  stored: WindowCountRow | null | undefined,
  delta: WindowCountRow,
): WindowCountRow {
  if (stored === null || stored === undefined) return { ...delta };
  assertSameKey('window', { ...stored }, { ...delta }, [
    'customerId',
    'identity',
    'identityType',
    'category',
    'windowMinutes',
    'windowStart',
  ]);
  return { ...stored, blocked: stored.blocked + delta.blocked, total: stored.total + delta.total };
}

/** stored + delta for one customer × day. */
export function mergeDailyTotals(
  stored: DailyTotalsRow | null | undefined,
  delta: DailyTotalsRow,
): DailyTotalsRow {
  const byCategory: DailyTotalsRow['byCategory'] = {};
  if (stored !== null && stored !== undefined) {
    assertSameKey('daily', { ...stored }, { ...delta }, ['customerId', 'day']);
  }
  for (const category of SECURITY_CATEGORIES) {
    const a = stored?.byCategory[category];
    const b = delta.byCategory[category];
    if (a === undefined && b === undefined) continue;
    byCategory[category] = {
      blocked: (a?.blocked ?? 0) + (b?.blocked ?? 0),
      total: (a?.total ?? 0) + (b?.total ?? 0),
    };
  }
  return {
    customerId: delta.customerId,
    day: delta.day,
    requests: (stored?.requests ?? 0) + delta.requests,
    allowed: (stored?.allowed ?? 0) + delta.allowed,
    blocked: (stored?.blocked ?? 0) + delta.blocked,
    byCategory,
  };
}

/** stored + delta for one customer × identity: earliest first seen, latest last seen, requests added. */
export function mergeIdentity(stored: IdentityRow | null | undefined, delta: IdentityRow): IdentityRow {
  if (stored === null || stored === undefined) return { ...delta };
  assertSameKey('identity', { ...stored }, { ...delta }, ['customerId', 'label', 'type']);
  return {
    ...stored,
    firstSeen: Math.min(stored.firstSeen, delta.firstSeen),
    lastSeen: Math.max(stored.lastSeen, delta.lastSeen),
    requests: stored.requests + delta.requests,
  };
}

/** stored + delta for one customer × day × action (the summaries merge as in heavy-hitters.ts). */
export function mergeTopDomains(
  stored: TopDomainsRow | null | undefined,
  delta: TopDomainsRow,
  capacity: number,
): TopDomainsRow {
  if (stored !== null && stored !== undefined) {
    assertSameKey('top-domain', { ...stored }, { ...delta }, ['customerId', 'day', 'action']);
  }
  return { ...delta, summary: mergeSummary(stored?.summary, delta.summary, capacity) };
}
