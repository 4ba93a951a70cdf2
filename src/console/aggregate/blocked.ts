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

/** One cell of a batch: first/last blocked request and its domains. */
export class BlockedCell {
  first: number;
  last: number;
  #summary: SpaceSaving | undefined;
  readonly #pending = new Map<string, number>();

  constructor(ts: number) {
    this.first = ts;
    this.last = ts;
  }

  /** Counts one blocked request; `domain` is already a top-domain key ('' is not counted). */
  add(ts: number, domain: string): void {
    if (ts < this.first) this.first = ts;
    if (ts > this.last) this.last = ts;
    if (domain === '') return;
    const n = this.#pending.get(domain);
    if (n !== undefined) this.#pending.set(domain, n + 1);
    else {
      if (this.#pending.size >= PENDING_BLOCKED_DOMAINS) this.#flush();
      this.#pending.set(domain, 1);
    }
  }

  /** The domains so far, as a summary of BLOCKED_DOMAIN_CAPACITY. */
  summary(): SpaceSaving {
    this.#flush();
    this.#summary ??= new SpaceSaving(BLOCKED_DOMAIN_CAPACITY);
    return this.#summary;
  }

  /** This cell with another's requests added (the other is left unchanged). */
  mergeFrom(other: BlockedCell): void {
    this.first = Math.min(this.first, other.first);
    this.last = Math.max(this.last, other.last);
    this.#summary = SpaceSaving.merge(this.summary(), other.summary(), BLOCKED_DOMAIN_CAPACITY);
  }

  clone(): BlockedCell {
    const copy = new BlockedCell(this.first);
    copy.last = this.last;
    copy.mergeFrom(this);
    return copy;
  }

  #flush(): void {
    if (this.#pending.size === 0) return;
    this.#summary ??= new SpaceSaving(BLOCKED_DOMAIN_CAPACITY);
    for (const [domain, n] of this.#pending) this.#summary.offer(domain, n);
    this.#pending.clear();
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
