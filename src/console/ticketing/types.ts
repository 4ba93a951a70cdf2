// Ticketing (CON-7): the shapes the pure rules work on. A RULE says which blocked requests count
// (categories), how many in one window raise a ticket (more than `threshold`), and how the ticket
// looks on the PSA; a per-customer OVERRIDE replaces some of its settings. A TRACK follows one
// (rule, customer, identity) through the ticket lifecycle (lifecycle.ts); an OBSERVATION is what
// ingestion just learned: the identity's count so far in one rule window. `decide` (evaluate.ts)
// turns (track, observation, rule) into the next track and the INTENTS the delivery engine carries out.
import type { SecurityCategory } from '../aggregate/types.js';

/** A ConnectWise reference as the console stores it: by id (what is sent), with the name for display. */
export interface PsaRef {
  id: number;
  name?: string;
}

export type ClosedPolicy =
  /** Activity after the ticket was closed raises a new ticket (Umbrella's behaviour). */
  | { mode: 'new' }
  /** … reopens the closed ticket (its status set back to the rule's status) and appends a note. */
  | { mode: 'reopen' }
  /** … is ignored for `hours` after the closure was learned; then a new ticket. */
  | { mode: 'silence'; hours: number };

export interface TicketRuleSettings {
  /** Canonical security categories whose BLOCKED requests count (a request in two counts twice). */
  categories: SecurityCategory[];
  /** A ticket is raised when an identity's count in one window becomes MORE than this. */
  threshold: number;
  /** Window length in minutes (valid per aggregate/windows.ts, and a multiple of the aggregation window). */
  windowMinutes: number;
  board: PsaRef | null;
  status: PsaRef | null;
  priority: PsaRef | null;
  type: PsaRef | null;
  subType: PsaRef | null;
  item: PsaRef | null;
  source: PsaRef | null;
  /** Placeholders: see templates.ts (e.g. {identity}, {count}, {categories}, {topDomains}). */
  summaryTemplate: string;
  descriptionTemplate: string;
  noteTemplate: string;
  closedPolicy: ClosedPolicy;
  /** Close the ticket after this many consecutive windows without counted activity; null: never. */
  autoCloseQuietWindows: number | null;
  /** Status set when the console closes a ticket (auto-close); null: the board's first closed status. */
  closedStatus: PsaRef | null;
  /**
   * IANA time zone the ticket text shows times in (named: "13:00–17:00 Europe/Berlin"); null: UTC.
   * Set per customer by an override. Windows stay aligned to midnight UTC whatever the zone.
   */
  timeZone: string | null;
}

/** Every setting optional: what a customer override replaces (null clears a reference). */
export type TicketRuleOverride = Partial<TicketRuleSettings>;

export interface TicketRule {
  id: number;
  name: string;
  enabled: boolean;
  settings: TicketRuleSettings;
}

/**
 * none: no ticket yet (or the track was just created);
 * open: a ticket exists or is being created (its PSA id may still be unknown: the create is queued);
 * closed: the PSA ticket was closed (learned by callback or polling, or closed by auto-close);
 * silenced: closed, and activity is ignored until silencedUntil (closed policy 'silence').
 */
export type TrackState = 'none' | 'open' | 'closed' | 'silenced';

export interface TrackSnapshot {
  state: TrackState;
  /** How many tickets this track has raised; the current ticket's marker uses this number. */
  generation: number;
  psaTicketId: number | null;
  /** Epoch ms of the window in which the current ticket was raised. */
  openedWindow: number | null;
  /** Epoch ms of the latest window that was counted for this track (raised or noted). */
  lastWindow: number | null;
  /** The count of lastWindow when it was last acted on. */
  lastCount: number;
  /** Consecutive windows without activity since lastWindow (auto-close). */
  quietWindows: number;
  /** Epoch ms, state 'silenced' only. */
  silencedUntil: number | null;
}

export interface Observation {
  /** Epoch ms: start of the rule window the count belongs to. */
  windowStart: number;
  /** Blocked requests in the rule's categories, in that window, so far (after this batch). */
  count: number;
  /** Epoch ms: when it was learned (the clock, not the events' time). */
  now: number;
}

export type Intent =
  /** Create ticket `generation` (its marker is derived from the track id and generation). */
  | { kind: 'create'; generation: number; windowStart: number; count: number }
  /** Append a note for the window to the current ticket. */
  | { kind: 'note'; windowStart: number; count: number }
  /** Reopen the current (closed) ticket and append a note. */
  | { kind: 'reopen'; windowStart: number; count: number }
  /** Close the current ticket (auto-close after quiet windows). */
  | { kind: 'close'; quietWindows: number };

export interface Decision {
  /** The track after the observation; unchanged (===) when nothing happens. */
  next: TrackSnapshot;
  intents: Intent[];
  /** Why nothing was raised, in plain words (below threshold, silenced until …). */
  reason?: string;
}

/** What the PSA said about the current ticket (callback or polling). */
export interface TicketStatusReport {
  closed: boolean;
  now: number;
}

/** The marker written into a ticket's externalXRef: finds it again after an ambiguous create. */
export function ticketMarker(providerId: number, trackId: number, generation: number): string {
  return `parasol:t:${providerId}:${trackId}:${generation}`;
}
