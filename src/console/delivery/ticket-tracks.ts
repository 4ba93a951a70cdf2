// Ticket tracks as stored (con_ticket_track) and as the pure lifecycle sees them (TrackSnapshot):
// times are ISO text in the table and epoch ms in the snapshot.
import type { TrackSnapshot, TrackState } from '../ticketing/index.js';

export const trackColumns = [
  'id',
  'provider_id',
  'rule_id',
  'customer_id',
  'identity',
  'identity_type',
  'state',
  'generation',
  'psa_ticket_id',
  'opened_window',
  'last_window',
  'last_count',
  'quiet_windows',
  'silenced_until',
  'closed_at',
  'reason',
  'updated_at',
] as const;

export interface TrackRow {
  id: number;
  provider_id: number;
  rule_id: number;
  customer_id: number;
  identity: string;
  identity_type: string;
  state: string;
  generation: number;
  psa_ticket_id: number | null;
  opened_window: string | null;
  last_window: string | null;
  last_count: number | string;
  quiet_windows: number;
  silenced_until: string | null;
  closed_at: string | null;
  reason: string | null;
  updated_at: string;
}

const ms = (v: string | null): number | null => (v === null ? null : Date.parse(v));
const iso = (v: number | null): string | null => (v === null ? null : new Date(v).toISOString());

export function snapshotOf(r: TrackRow): TrackSnapshot {
  return {
    state: r.state as TrackState,
    generation: Number(r.generation),
    psaTicketId: r.psa_ticket_id === null ? null : Number(r.psa_ticket_id),
    openedWindow: ms(r.opened_window),
    lastWindow: ms(r.last_window),
    lastCount: Number(r.last_count),
    quietWindows: Number(r.quiet_windows),
    silencedUntil: ms(r.silenced_until),
  };
}

/** The columns a snapshot sets (psa_ticket_id is left to the effects that learn it). */
export function columnsOf(s: TrackSnapshot) {
  return {
    state: s.state,
    generation: s.generation,
    opened_window: iso(s.openedWindow),
    last_window: iso(s.lastWindow),
    last_count: s.lastCount,
    quiet_windows: s.quietWindows,
    silenced_until: iso(s.silencedUntil),
  };
}
