// Aggregate deltas as columns (CON-6): the rows of AggregateDeltas held in typed arrays with one
// string table, instead of an object per row. A 1M-row file of 20,000 identities gives ~150,000
// window rows and ~46,000 blocked cells: as objects ~45 MB on the worker thread, ~40 MB again as the
// structured clone and ~60 MB once deserialised on the main thread; as columns ~8 MB, whose buffers a
// worker hands to the main thread without copying them (transferred), and which the store reads a
// statement's rows at a time (docs/ingestion.md, "Throughput and memory").
//
// Rows are kept in the order the store writes them (its one global key order, which keeps concurrent
// commits from deadlocking): identities by (customer, label, type); windows by (customer, category
// name, window length, window start, identity); blocked cells by (customer, identity, window start,
// category name, window length). An identity's position is its rank in that order, so comparing
// positions compares (customer, label, type).
//
// Pure: no I/O. Daily totals and top-domain summaries are few (days × 2 per customer) and stay rows.

import type { BlockedWindowRow } from './blocked.js';
import type { SerializedSummary } from './heavy-hitters.js';
import type { AggregateDeltas, DailyTotalsRow, IdentityRow, TopDomainsRow, WindowCountRow } from './rows.js';
import { ALL_REQUESTS, SECURITY_CATEGORIES, type SecurityCategory, type WindowCategory } from './types.js';

/** Window categories by code: 0 is ALL_REQUESTS, then SECURITY_CATEGORIES in their order. */
export const WINDOW_CATEGORIES: readonly WindowCategory[] = [ALL_REQUESTS, ...SECURITY_CATEGORIES];

/** A category code's rank among the category names as the store sorts them (string order). */
const CATEGORY_RANK: readonly number[] = (() => {
  const byName = [...WINDOW_CATEGORIES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return WINDOW_CATEGORIES.map((c) => byName.indexOf(c));
})();

const CATEGORY_CODE = new Map<string, number>(WINDOW_CATEGORIES.map((c, i) => [c, i]));

export interface DeltaColumns {
  /** Events folded into these deltas. */
  events: number;
  /** The string table: string i is text.slice(ends[i − 1] ?? 0, ends[i]) (UTF-16 offsets). */
  text: string;
  ends: Uint32Array;
  identities: {
    customer: Float64Array;
    /** String indexes. */
    label: Uint32Array;
    type: Uint32Array;
    /** 1 when the deltas hold the identity's row (first/last seen, requests); 0 when only named. */
    counted: Uint8Array;
    firstSeen: Float64Array;
    lastSeen: Float64Array;
    requests: Float64Array;
  };
  windows: {
    /** Position in `identities`. */
    identity: Uint32Array;
    /** Code in WINDOW_CATEGORIES. */
    category: Uint8Array;
    windowMinutes: Uint32Array;
    windowStart: Float64Array;
    blocked: Float64Array;
    total: Float64Array;
  };
  blocked: {
    identity: Uint32Array;
    /** Code in WINDOW_CATEGORIES (a security category: never 0). */
    category: Uint8Array;
    windowMinutes: Uint32Array;
    windowStart: Float64Array;
    firstBlocked: Float64Array;
    lastBlocked: Float64Array;
    /** The domain summary: its capacity, stream length, and its entries' end in `entries`. */
    capacity: Uint32Array;
    n: Float64Array;
    entriesEnd: Uint32Array;
  };
  /** The blocked cells' summary entries, cell after cell, each cell's in its summary's order. */
  entries: { domain: Uint32Array; count: Float64Array; error: Float64Array };
  dailyTotals: DailyTotalsRow[];
  topDomains: TopDomainsRow[];
}

/** A growable column (doubling), cut to its length by `done`. */
class Column<T extends Float64Array | Uint32Array | Uint8Array> {
  length = 0;
  constructor(
    private data: T,
    private readonly make: (n: number) => T,
  ) {}

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(Math.max(64, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  set(i: number, v: number): void {
    this.data[i] = v;
  }

  /** The values in `order` (positions), in an array of their own (its buffer can be transferred). */
  permuted(order: Uint32Array | undefined): T {
    const out = this.make(this.length);
    if (order === undefined) out.set(this.data.subarray(0, this.length));
    else for (let i = 0; i < order.length; i++) out[i] = this.data[order[i]!]!;
    return out;
  }
}

const f64 = (n = 0) => new Column(new Float64Array(n), (m) => new Float64Array(m));
const u32 = (n = 0) => new Column(new Uint32Array(n), (m) => new Uint32Array(m));
const u8 = (n = 0) => new Column(new Uint8Array(n), (m) => new Uint8Array(m));

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Collects delta rows in any order (identities first named by `identity`), then sorts them into
 * DeltaColumns. Memory: the columns, plus one map entry per distinct string and identity until
 * `finish`.
 */
export class DeltaColumnsBuilder {
  events = 0;
  readonly #strings = new Map<string, number>();
  readonly #identityIds = new Map<string, number>();
  readonly #identities = {
    customer: f64(),
    label: u32(),
    type: u32(),
    counted: u8(),
    firstSeen: f64(),
    lastSeen: f64(),
    requests: f64(),
  };
  readonly #windows = {
    identity: u32(),
    category: u8(),
    windowMinutes: u32(),
    windowStart: f64(),
    blocked: f64(),
    total: f64(),
  };
  readonly #blocked = {
    identity: u32(),
    category: u8(),
    windowMinutes: u32(),
    windowStart: f64(),
    firstBlocked: f64(),
    lastBlocked: f64(),
    capacity: u32(),
    n: f64(),
    entriesEnd: u32(),
  };
  readonly #entries = { domain: u32(), count: f64(), error: f64() };
  readonly dailyTotals: DailyTotalsRow[] = [];
  readonly topDomains: TopDomainsRow[] = [];

  #string(s: string): number {
    let i = this.#strings.get(s);
    if (i === undefined) {
      i = this.#strings.size;
      this.#strings.set(s, i);
    }
    return i;
  }

  /**
   * The identity's position (before sorting), added with zero counts when new; `identityRow` adds
   * its counts. Rows of one identity may come several times (they add up, first/last widen).
   */
  identity(customerId: number, label: string, type: string): number {
    const key = `${customerId}\u0000${type}\u0000${label}`;
    let id = this.#identityIds.get(key);
    if (id === undefined) {
      const t = this.#identities;
      id = t.customer.length;
      this.#identityIds.set(key, id);
      t.customer.push(customerId);
      t.label.push(this.#string(label));
      t.type.push(this.#string(type));
      t.counted.push(0);
      t.firstSeen.push(Number.POSITIVE_INFINITY);
      t.lastSeen.push(Number.NEGATIVE_INFINITY);
      t.requests.push(0);
    }
    return id;
  }

  identityRow(r: IdentityRow): void {
    const id = this.identity(r.customerId, r.label, r.type);
    const t = this.#identities;
    t.counted.set(id, 1);
    t.firstSeen.set(id, Math.min(t.firstSeen.get(id), r.firstSeen));
    t.lastSeen.set(id, Math.max(t.lastSeen.get(id), r.lastSeen));
    t.requests.set(id, t.requests.get(id) + r.requests);
  }

  window(
    identity: number,
    category: WindowCategory,
    windowMinutes: number,
    windowStart: number,
    blocked: number,
    total: number,
  ): void {
    const w = this.#windows;
    w.identity.push(identity);
    w.category.push(categoryCode(category));
    w.windowMinutes.push(windowMinutes);
    w.windowStart.push(windowStart);
    w.blocked.push(blocked);
    w.total.push(total);
  }

  blockedCell(
    identity: number,
    category: SecurityCategory,
    windowMinutes: number,
    windowStart: number,
    firstBlocked: number,
    lastBlocked: number,
    domains: SerializedSummary,
  ): void {
    const b = this.#blocked;
    const e = this.#entries;
    b.identity.push(identity);
    b.category.push(categoryCode(category));
    b.windowMinutes.push(windowMinutes);
    b.windowStart.push(windowStart);
    b.firstBlocked.push(firstBlocked);
    b.lastBlocked.push(lastBlocked);
    b.capacity.push(domains.capacity);
    b.n.push(domains.n);
    for (const [domain, count, error] of domains.entries) {
      e.domain.push(this.#string(domain));
      e.count.push(count);
      e.error.push(error);
    }
    b.entriesEnd.push(e.domain.length);
  }

  /** The columns in the store's order; the builder is not used afterwards. */
  finish(): DeltaColumns {
    const strings = [...this.#strings.keys()];
    this.#strings.clear();
    this.#identityIds.clear();
    const t = this.#identities;
    // Identities by (customer, label, type): their new positions.
    const idOrder = Uint32Array.from({ length: t.customer.length }, (_, i) => i);
    idOrder.sort(
      (a, b) =>
        t.customer.get(a) - t.customer.get(b) ||
        compareText(strings[t.label.get(a)]!, strings[t.label.get(b)]!) ||
        compareText(strings[t.type.get(a)]!, strings[t.type.get(b)]!),
    );
    const rank = new Uint32Array(idOrder.length);
    for (let i = 0; i < idOrder.length; i++) rank[idOrder[i]!] = i;
    const customerOf = (id: number) => t.customer.get(id);

    const w = this.#windows;
    const windowOrder = Uint32Array.from({ length: w.identity.length }, (_, i) => i);
    windowOrder.sort((a, b) => {
      const ia = w.identity.get(a);
      const ib = w.identity.get(b);
      return (
        customerOf(ia) - customerOf(ib) ||
        CATEGORY_RANK[w.category.get(a)]! - CATEGORY_RANK[w.category.get(b)]! ||
        w.windowMinutes.get(a) - w.windowMinutes.get(b) ||
        w.windowStart.get(a) - w.windowStart.get(b) ||
        rank[ia]! - rank[ib]!
      );
    });
    const b = this.#blocked;
    const blockedOrder = Uint32Array.from({ length: b.identity.length }, (_, i) => i);
    blockedOrder.sort((x, y) => {
      const ix = b.identity.get(x);
      const iy = b.identity.get(y);
      return (
        customerOf(ix) - customerOf(iy) ||
        rank[ix]! - rank[iy]! ||
        b.windowStart.get(x) - b.windowStart.get(y) ||
        CATEGORY_RANK[b.category.get(x)]! - CATEGORY_RANK[b.category.get(y)]! ||
        b.windowMinutes.get(x) - b.windowMinutes.get(y)
      );
    });

    const windowIdentity = w.identity.permuted(windowOrder);
    for (let i = 0; i < windowIdentity.length; i++) windowIdentity[i] = rank[windowIdentity[i]!]!;
    const blockedIdentity = b.identity.permuted(blockedOrder);
    for (let i = 0; i < blockedIdentity.length; i++) blockedIdentity[i] = rank[blockedIdentity[i]!]!;

    // The entries follow their cells.
    const e = this.#entries;
    const entryOrder = new Uint32Array(e.domain.length);
    const entriesEnd = new Uint32Array(blockedOrder.length);
    let k = 0;
    for (let i = 0; i < blockedOrder.length; i++) {
      const cell = blockedOrder[i]!;
      const from = cell === 0 ? 0 : b.entriesEnd.get(cell - 1);
      const to = b.entriesEnd.get(cell);
      for (let j = from; j < to; j++) entryOrder[k++] = j;
      entriesEnd[i] = k;
    }

    const ends = new Uint32Array(strings.length);
    let end = 0;
    strings.forEach((s, i) => {
      end += s.length;
      ends[i] = end;
    });
    return {
      events: this.events,
      text: strings.join(''),
      ends,
      identities: {
        customer: t.customer.permuted(idOrder),
        label: t.label.permuted(idOrder),
        type: t.type.permuted(idOrder),
        counted: t.counted.permuted(idOrder),
        firstSeen: t.firstSeen.permuted(idOrder),
        lastSeen: t.lastSeen.permuted(idOrder),
        requests: t.requests.permuted(idOrder),
      },
      windows: {
        identity: windowIdentity,
        category: w.category.permuted(windowOrder),
        windowMinutes: w.windowMinutes.permuted(windowOrder),
        windowStart: w.windowStart.permuted(windowOrder),
        blocked: w.blocked.permuted(windowOrder),
        total: w.total.permuted(windowOrder),
      },
      blocked: {
        identity: blockedIdentity,
        category: b.category.permuted(blockedOrder),
        windowMinutes: b.windowMinutes.permuted(blockedOrder),
        windowStart: b.windowStart.permuted(blockedOrder),
        firstBlocked: b.firstBlocked.permuted(blockedOrder),
        lastBlocked: b.lastBlocked.permuted(blockedOrder),
        capacity: b.capacity.permuted(blockedOrder),
        n: b.n.permuted(blockedOrder),
        entriesEnd,
      },
      entries: {
        domain: e.domain.permuted(entryOrder),
        count: e.count.permuted(entryOrder),
        error: e.error.permuted(entryOrder),
      },
      dailyTotals: this.dailyTotals,
      topDomains: this.topDomains,
    };
  }
}

function categoryCode(category: string): number {
  const code = CATEGORY_CODE.get(category);
  if (code === undefined) throw new RangeError(`Unknown window category: ${category}`);
  return code;
}

/** Row-object deltas (from any source) as columns. */
export function columnsOf(d: AggregateDeltas): DeltaColumns {
  const b = new DeltaColumnsBuilder();
  b.events = d.events;
  for (const r of d.identities) b.identityRow(r);
  for (const r of d.windowCounts) {
    const id = b.identity(r.customerId, r.identity, r.identityType);
    b.window(id, r.category, r.windowMinutes, r.windowStart, r.blocked, r.total);
  }
  for (const r of d.blocked ?? []) {
    const id = b.identity(r.customerId, r.identity, r.identityType);
    b.blockedCell(id, r.category, r.windowMinutes, r.windowStart, r.firstBlocked, r.lastBlocked, r.domains);
  }
  b.dailyTotals.push(...d.dailyTotals);
  b.topDomains.push(...d.topDomains);
  return b.finish();
}

/** Reads one DeltaColumns' rows, a range at a time (the store writes a statement's rows at once). */
export class DeltaReader {
  constructor(readonly columns: DeltaColumns) {}

  string(i: number): string {
    const { text, ends } = this.columns;
    return text.slice(i === 0 ? 0 : ends[i - 1], ends[i]);
  }

  get windowCount(): number {
    return this.columns.windows.identity.length;
  }

  get blockedCount(): number {
    return this.columns.blocked.identity.length;
  }

  get identityCount(): number {
    return this.columns.identities.customer.length;
  }

  identity(i: number): IdentityRow {
    const t = this.columns.identities;
    return {
      customerId: t.customer[i]!,
      label: this.string(t.label[i]!),
      type: this.string(t.type[i]!),
      firstSeen: t.firstSeen[i]!,
      lastSeen: t.lastSeen[i]!,
      requests: t.requests[i]!,
    };
  }

  window(i: number): WindowCountRow {
    const w = this.columns.windows;
    const t = this.columns.identities;
    const id = w.identity[i]!;
    return {
      customerId: t.customer[id]!,
      identity: this.string(t.label[id]!),
      identityType: this.string(t.type[id]!),
      category: WINDOW_CATEGORIES[w.category[i]!]!,
      windowMinutes: w.windowMinutes[i]!,
      windowStart: w.windowStart[i]!,
      blocked: w.blocked[i]!,
      total: w.total[i]!,
    };
  }

  blocked(i: number): BlockedWindowRow {
    const b = this.columns.blocked;
    const e = this.columns.entries;
    const t = this.columns.identities;
    const id = b.identity[i]!;
    const entries: SerializedSummary['entries'] = [];
    for (let j = i === 0 ? 0 : b.entriesEnd[i - 1]!; j < b.entriesEnd[i]!; j++) {
      entries.push([this.string(e.domain[j]!), e.count[j]!, e.error[j]!]);
    }
    return {
      customerId: t.customer[id]!,
      identity: this.string(t.label[id]!),
      identityType: this.string(t.type[id]!),
      category: WINDOW_CATEGORIES[b.category[i]!] as SecurityCategory,
      windowMinutes: b.windowMinutes[i]!,
      windowStart: b.windowStart[i]!,
      firstBlocked: b.firstBlocked[i]!,
      lastBlocked: b.lastBlocked[i]!,
      domains: { v: 1, capacity: b.capacity[i]!, n: b.n[i]!, entries },
    };
  }

  /** The window rows with blocked requests of a security category: what ticket rules count. */
  blockedWindows(): WindowCountRow[] {
    const w = this.columns.windows;
    const out: WindowCountRow[] = [];
    for (let i = 0; i < w.identity.length; i++) {
      if (w.blocked[i]! > 0 && w.category[i] !== 0) out.push(this.window(i));
    }
    return out;
  }
}

/** Every row, as objects (tests, small batches): the deltas of the columns, in the store's order. */
export function deltaRows(columns: DeltaColumns): AggregateDeltas {
  const r = new DeltaReader(columns);
  return {
    events: columns.events,
    windowCounts: Array.from({ length: r.windowCount }, (_, i) => r.window(i)),
    dailyTotals: columns.dailyTotals,
    topDomains: columns.topDomains,
    identities: Array.from({ length: r.identityCount }, (_, i) => i)
      .filter((i) => columns.identities.counted[i] === 1)
      .map((i) => r.identity(i)),
    blocked: Array.from({ length: r.blockedCount }, (_, i) => r.blocked(i)),
  };
}

/** The buffers of the columns, to transfer them to another thread instead of copying them. */
export function columnBuffers(c: DeltaColumns): ArrayBuffer[] {
  const arrays = [
    c.ends,
    ...Object.values(c.identities),
    ...Object.values(c.windows),
    ...Object.values(c.blocked),
    ...Object.values(c.entries),
  ] as Array<Float64Array | Uint32Array | Uint8Array>;
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

/** Deltas that add nothing. */
export function emptyColumns(): DeltaColumns {
  return new DeltaColumnsBuilder().finish();
}
