// What a ticket says about one identity's blocked requests in one window (CON-7): per customer ×
// identity × security category × window, the first and last BLOCKED request and the blocked domains
// with their counts. Only blocked requests carrying a security category are kept here — a small share
// of the traffic — so the ingest's hot path only pays a branch for the others.
//
// Bounds. The domains of one cell are a Space-Saving summary (heavy-hitters.ts) of capacity
// BLOCKED_DOMAIN_CAPACITY: while a cell has at most that many distinct blocked domains — an infected
// host calls a handful of command-and-control names — every count is exact (error 0); past it, the
// summary keeps the k most counted (each count an upper bound, count − error a lower bound, every
// domain blocked more than N/k times kept), whatever the order in which units are merged. Within a
// batch a cell's domains are counted exactly up to PENDING_BLOCKED_DOMAINS distinct ones and folded
// into the summary as weighted offers (as the daily top lists are). First/last merge as min/max, so
// they, like the counts of the window rows, do not depend on the order of commits.
//
// A request with two security categories is in the cells of both, as in the window rows: the domain
// counts of a rule's categories add up like the rule's count does.

import { mergeSummary, type SerializedSummary, SpaceSaving } from './heavy-hitters.js';
import type { SecurityCategory } from './types.js';

/** Domains kept per identity × category × window. */
export const BLOCKED_DOMAIN_CAPACITY = 32;
/** Distinct domains counted exactly in a batch's cell before they are folded into its summary. */
export const PENDING_BLOCKED_DOMAINS = 128;

export interface BlockedWindowRow {
  customerId: number;
  identity: string;
  identityType: string;
  category: SecurityCategory;
  /** The aggregation window length, as in WindowCountRow. */
  windowMinutes: number;
  /** Epoch ms of the window's start. */
  windowStart: number;
  /** Epoch ms of the first and last blocked request in the window (in this category). */
  firstBlocked: number;
  lastBlocked: number;
  /** The blocked domains (lower-cased, no trailing dot; an empty domain is not counted). */
  domains: SerializedSummary;
}

function grownFloats(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const bigger = new Float64Array(Math.max(need, a.length * 2));
  bigger.set(a);
  return bigger;
}

function grownInts(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const bigger = new Int32Array(Math.max(need, a.length * 2));
  bigger.set(a);
  return bigger;
}

/**
 * The blocked details of a batch's window cells (cells.ts), per window cell × security category: the
 * first/last blocked request and the domains — in typed arrays. An object per detail with a Map of
 * its pending domains cost ~300 bytes and the garbage collector's headroom (a 20,000-identity file
 * has ~46,000 details); here a detail costs 28 bytes, a pending domain 16 and each distinct domain
 * string is held once per batch. A window cell's details are a slot of SECURITY_CATEGORIES.length
 * details, made at its first blocked security request. Pending domains are kept in the order they
 * were first seen and folded into the detail's summary in that order (at PENDING_BLOCKED_DOMAINS
 * distinct ones and when read), so the summaries are what they were with one object per detail.
 */
export class BlockedCells {
  readonly #categories: number;
  /** Window cell → its slot. */
  readonly #slots = new Map<number, number>();
  #nextSlot = 0;
  /** first, last of detail d at 2d, 2d + 1; first is +Infinity while the detail has no request. */
  #times = new Float64Array(0);
  /** Per detail: its first and last pending entry + 1 (0: none) and how many it has. */
  #head = new Int32Array(0);
  #tail = new Int32Array(0);
  #pending = new Int32Array(0);
  /** Pending entry e: domain number, count, next entry of the same detail + 1 (0: the last). */
  #entryDomain = new Int32Array(1024);
  #entryCount = new Float64Array(1024);
  #entryNext = new Int32Array(1024);
  #entries = 0;
  /** Entries given back by a fold, reused first (a chain through #entryNext, + 1; 0: none). */
  #free = 0;
  readonly #domainNumbers = new Map<string, number>();
  readonly #domains: string[] = [];
  /** Detail → its Space-Saving summary, once pending domains were folded into one. */
  readonly #summaries = new Map<number, SpaceSaving>();

  constructor(categories: number) {
    this.#categories = categories;
  }

  /** Window cell c has blocked details. */
  hasAny(c: number): boolean {
    return this.#slots.has(c);
  }

  /** Category i of window cell c has a blocked request. */
  has(c: number, i: number): boolean {
    const slot = this.#slots.get(c);
    return slot !== undefined && this.#times[2 * (slot * this.#categories + i)] !== Infinity;
  }

  first(c: number, i: number): number {
    return this.#times[2 * this.#detail(c, i)]!;
  }

  last(c: number, i: number): number {
    return this.#times[2 * this.#detail(c, i) + 1]!;
  }

  /** Counts one blocked request of category i in window cell c; `domain` is a top-domain key ('' is not counted). */
  add(c: number, i: number, ts: number, domain: string): void {
    const d = this.#detailOf(c, i);
    const times = this.#times;
    if (ts < times[2 * d]!) times[2 * d] = ts;
    if (ts > times[2 * d + 1]!) times[2 * d + 1] = ts;
    if (domain === '') return;
    let n = this.#domainNumbers.get(domain);
    if (n === undefined) {
      n = this.#domains.length;
      this.#domains.push(domain);
      this.#domainNumbers.set(domain, n);
    }
    this.#count(d, n, 1);
  }

  /** Category i of window cell c's domains so far, as a summary of BLOCKED_DOMAIN_CAPACITY. */
  summary(c: number, i: number): SpaceSaving {
    const d = this.#detail(c, i);
    this.#fold(d);
    let s = this.#summaries.get(d);
    if (s === undefined) {
      s = new SpaceSaving(BLOCKED_DOMAIN_CAPACITY);
      this.#summaries.set(d, s);
    }
    return s;
  }

  /** Adds category i of `other`'s window cell `from` to category i of this one's cell `into`. */
  mergeFrom(into: number, other: BlockedCells, from: number, i: number): void {
    const d = this.#detailOf(into, i);
    const times = this.#times;
    times[2 * d] = Math.min(times[2 * d]!, other.first(from, i));
    times[2 * d + 1] = Math.max(times[2 * d + 1]!, other.last(from, i));
    const merged = SpaceSaving.merge(this.summary(into, i), other.summary(from, i), BLOCKED_DOMAIN_CAPACITY);
    this.#summaries.set(d, merged);
  }

  /** Lets window cell c's details go (their slot is not reused: the batch is dropped after). */
  release(c: number): void {
    const slot = this.#slots.get(c);
    if (slot === undefined) return;
    this.#slots.delete(c);
    for (let i = 0; i < this.#categories; i++) {
      const d = slot * this.#categories + i;
      this.#drop(d);
      this.#summaries.delete(d);
    }
  }

  #detail(c: number, i: number): number {
    const slot = this.#slots.get(c);
    if (slot === undefined || this.#times[2 * (slot * this.#categories + i)] === Infinity)
      throw new RangeError(`window cell ${c} has no blocked details in category ${i}`);
    return slot * this.#categories + i;
  }

  #detailOf(c: number, i: number): number {
    let slot = this.#slots.get(c);
    if (slot === undefined) {
      slot = this.#nextSlot++;
      this.#slots.set(c, slot);
      const details = this.#nextSlot * this.#categories;
      this.#times = grownFloats(this.#times, 2 * details);
      for (let k = 2 * slot * this.#categories; k < 2 * details; k += 2) {
        this.#times[k] = Infinity;
        this.#times[k + 1] = -Infinity;
      }
      this.#head = grownInts(this.#head, details);
      this.#tail = grownInts(this.#tail, details);
      this.#pending = grownInts(this.#pending, details);
    }
    return slot * this.#categories + i;
  }

  /** Adds `count` to domain n of detail d, folding its pending domains first when they are full. */
  #count(d: number, n: number, count: number): void {
    for (let e = this.#head[d]!; e !== 0; e = this.#entryNext[e - 1]!) {
      if (this.#entryDomain[e - 1] === n) {
        this.#entryCount[e - 1] = this.#entryCount[e - 1]! + count;
        return;
      }
    }
    if (this.#pending[d]! >= PENDING_BLOCKED_DOMAINS) this.#fold(d);
    let e = this.#free;
    if (e !== 0) this.#free = this.#entryNext[e - 1]!;
    else {
      e = ++this.#entries;
      if (e > this.#entryDomain.length) {
        this.#entryDomain = grownInts(this.#entryDomain, e);
        this.#entryCount = grownFloats(this.#entryCount, e);
        this.#entryNext = grownInts(this.#entryNext, e);
      }
    }
    this.#entryDomain[e - 1] = n;
    this.#entryCount[e - 1] = count;
    this.#entryNext[e - 1] = 0;
    if (this.#tail[d] === 0) this.#head[d] = e;
    else this.#entryNext[this.#tail[d]! - 1] = e;
    this.#tail[d] = e;
    this.#pending[d] = this.#pending[d]! + 1;
  }

  /** Offers detail d's pending domains to its summary, in the order they were first seen. */
  #fold(d: number): void {
    if (this.#pending[d] === 0) return;
    let s = this.#summaries.get(d);
    if (s === undefined) {
      s = new SpaceSaving(BLOCKED_DOMAIN_CAPACITY);
      this.#summaries.set(d, s);
    }
    for (let e = this.#head[d]!; e !== 0; e = this.#entryNext[e - 1]!)
      s.offer(this.#domains[this.#entryDomain[e - 1]!]!, this.#entryCount[e - 1]!);
    this.#drop(d);
  }

  /** Gives detail d's pending entries back. */
  #drop(d: number): void {
    const tail = this.#tail[d]!;
    if (tail === 0) return;
    this.#entryNext[tail - 1] = this.#free;
    this.#free = this.#head[d]!;
    this.#head[d] = 0;
    this.#tail[d] = 0;
    this.#pending[d] = 0;
  }
}

/** stored + delta for one blocked row (same key): earliest first, latest last, domains merged. */
export function mergeBlockedWindow(
  stored: BlockedWindowRow | null | undefined,
  delta: BlockedWindowRow,
): BlockedWindowRow {
  if (stored === null || stored === undefined) {
    return { ...delta, domains: mergeSummary(undefined, delta.domains, BLOCKED_DOMAIN_CAPACITY) };
  }
  for (const k of [
    'customerId',
    'identity',
    'identityType',
    'category',
    'windowMinutes',
    'windowStart',
  ] as const) {
    if (stored[k] !== delta[k]) {
      throw new RangeError(
        `Cannot merge blocked-window rows with different ${k}: ${String(stored[k])} and ${String(delta[k])}`,
      );
    }
  }
  return {
    ...stored,
    firstBlocked: Math.min(stored.firstBlocked, delta.firstBlocked),
    lastBlocked: Math.max(stored.lastBlocked, delta.lastBlocked),
    domains: mergeSummary(stored.domains, delta.domains, BLOCKED_DOMAIN_CAPACITY),
  };
}

/** A blocked domain of a window, with bounds of its count (equal when exact). */
export interface BlockedDomain {
  domain: string;
  /** Upper bound of the blocked requests to the domain. */
  count: number;
  /** Lower bound: count when exact. */
  atLeast: number;
}

/** What a ticket says about one identity in one rule window, for the rule's categories. */
export interface BlockedSummary {
  /** Epoch ms; null when no blocked request was recorded (e.g. counts ingested before this existed). */
  firstBlocked: number | null;
  lastBlocked: number | null;
  /** Most blocked first. */
  topDomains: BlockedDomain[];
}

/**
 * The rows of one identity within a rule window (its aggregation windows × the rule's categories)
 * added up: the earliest first, the latest last, the summaries merged (so a domain's count is the sum
 * over the rule's categories, as the rule's count is). Pure: the caller selects the rows.
 */
export function summarizeBlocked(
  rows: readonly Pick<BlockedWindowRow, 'firstBlocked' | 'lastBlocked' | 'domains'>[],
  limit: number,
): BlockedSummary {
  let first: number | null = null;
  let last: number | null = null;
  let merged: SerializedSummary | undefined;
  for (const r of rows) {
    first = first === null ? r.firstBlocked : Math.min(first, r.firstBlocked);
    last = last === null ? r.lastBlocked : Math.max(last, r.lastBlocked);
    merged = mergeSummary(merged, r.domains, BLOCKED_DOMAIN_CAPACITY);
  }
  const topDomains = (merged?.entries ?? [])
    .slice(0, Math.max(0, limit))
    .map(([domain, count, error]) => ({ domain, count, atLeast: count - error }));
  return { firstBlocked: first, lastBlocked: last, topDomains };
}
