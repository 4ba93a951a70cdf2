// The rows of aggregate deltas (CON-6), as counts.ts makes them and the store adds them up; see
// counts.ts for what each counts and columns.ts for the same rows held in typed arrays.
import type { BlockedWindowRow } from './blocked.js';
import type { SerializedSummary } from './heavy-hitters.js';
import type { DnsAction, SecurityCategory, WindowCategory } from './types.js';

export interface CategoryCount {
  blocked: number;
  total: number;
}

export interface WindowCountRow {
  customerId: number;
  identity: string;
  identityType: string;
  category: WindowCategory;
  /** The window length the row was counted with: rows of different lengths never add up. */
  windowMinutes: number;
  /** Epoch ms; the window is [windowStart, windowStart + windowMinutes). */
  windowStart: number;
  blocked: number;
  total: number;
}

export interface DailyTotalsRow {
  customerId: number;
  /** UTC day, 'YYYY-MM-DD'. */
  day: string;
  requests: number;
  allowed: number;
  blocked: number;
  /** Only the security categories seen that day. */
  byCategory: Partial<Record<SecurityCategory, CategoryCount>>;
}

export interface TopDomainsRow {
  customerId: number;
  day: string;
  action: DnsAction;
  summary: SerializedSummary;
}

export interface IdentityRow {
  customerId: number;
  label: string;
  type: string;
  /** Epoch ms of the earliest and latest event. */
  firstSeen: number;
  lastSeen: number;
  requests: number;
}

export interface AggregateDeltas {
  /** Events folded into these deltas. */
  events: number;
  windowCounts: WindowCountRow[];
  dailyTotals: DailyTotalsRow[];
  topDomains: TopDomainsRow[];
  identities: IdentityRow[];
  /** Blocked requests' first/last and domains per security-category window cell (blocked.ts). */
  blocked?: BlockedWindowRow[];
}
