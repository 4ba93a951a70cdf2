// What the dashboards show, computed from the console API's answers: totals over days per customer
// and for the provider, tickets raised per day, and which customers need attention first.
import {
  type CustomerHealth,
  type Daily,
  type Identity,
  SECURITY_CATEGORIES,
  type SecurityCategory,
  type Track,
} from './types.js';

export interface DaySeries {
  days: string[];
  requests: number[];
  blocked: number[];
  /** Security blocks per category and day. */
  byCategory: Record<SecurityCategory, number[]>;
}

export function daySeries(days: string[], dailies: Daily[][]): DaySeries {
  const index = new Map(days.map((d, i) => [d, i]));
  const zero = () => days.map(() => 0);
  const out: DaySeries = {
    days,
    requests: zero(),
    blocked: zero(),
    byCategory: Object.fromEntries(SECURITY_CATEGORIES.map((c) => [c, zero()])) as Record<
      SecurityCategory,
      number[]
    >,
  };
  for (const rows of dailies) {
    for (const r of rows) {
      const i = index.get(r.day);
      if (i === undefined) continue;
      out.requests[i]! += r.requests;
      out.blocked[i]! += r.blocked;
      for (const c of SECURITY_CATEGORIES) out.byCategory[c][i]! += r.byCategory[c]?.blocked ?? 0;
    }
  }
  return out;
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Security blocks of every category, per day. */
export function securityBlocks(s: DaySeries): number[] {
  return s.days.map((_, i) => SECURITY_CATEGORIES.reduce((n, c) => n + (s.byCategory[c][i] ?? 0), 0));
}

/** Tickets raised per day (the day of the window that raised them), for tracks with a PSA ticket or one on its way. */
export function ticketsRaised(days: string[], tracks: Track[]): number[] {
  const index = new Map(days.map((d, i) => [d, i]));
  const out = days.map(() => 0);
  for (const t of tracks) {
    if (t.state === 'none' || !t.openedWindow) continue;
    const i = index.get(t.openedWindow.slice(0, 10));
    if (i !== undefined) out[i]!++;
  }
  return out;
}

/** Identities active on or after `from` (UTC day). */
export function identitiesSeen(identities: Identity[], from: string): number {
  return identities.filter((i) => i.lastSeen.slice(0, 10) >= from).length;
}

export type AttentionReason = 'failedWrites' | 'openTickets' | 'mappingMissing' | 'unmapped' | 'error';

export interface CustomerRow {
  customerId: number;
  name: string;
  health: CustomerHealth | undefined;
  requests: number;
  securityBlocks: number;
  identities: number;
  ticketsRaised: number;
  reasons: AttentionReason[];
}

export function attentionReasons(h: CustomerHealth | undefined): AttentionReason[] {
  if (!h) return [];
  const out: AttentionReason[] = [];
  if (h.failedWrites > 0) out.push('failedWrites');
  if (h.openTickets > 0) out.push('openTickets');
  if (h.mappingState === 'missing') out.push('mappingMissing');
  if (h.mappingState === 'unmapped') out.push('unmapped');
  if (h.lastError && h.lastError.source !== 'mapping') out.push('error');
  return out;
}

const WEIGHT: Record<AttentionReason, number> = {
  failedWrites: 1000,
  openTickets: 500,
  error: 200,
  mappingMissing: 100,
  unmapped: 10,
};

/** Customers needing attention first (failed writes, open tickets, errors, mapping), then by security blocks. */
export function byAttention(rows: CustomerRow[]): CustomerRow[] {
  const score = (r: CustomerRow) => r.reasons.reduce((n, x) => n + WEIGHT[x], 0);
  return [...rows].sort(
    (a, b) =>
      score(b) - score(a) ||
      (b.health?.openTickets ?? 0) - (a.health?.openTickets ?? 0) ||
      b.securityBlocks - a.securityBlocks ||
      a.name.localeCompare(b.name),
  );
}
