// The ticket lifecycle (CON-7) as a state table: every (track state × event) has exactly one row
// saying the next state, the effect (which intent, if any) and why. evaluate.ts derives the event
// from an observation, a status report or a quiet check, looks the row up and applies its effect.
import type { ClosedPolicy, TrackState } from './types.js';

export const TRACK_STATES = ['none', 'open', 'closed', 'silenced'] as const satisfies readonly TrackState[];

/**
 * What happened, relative to the track. From an observation (see observationEvent in evaluate.ts):
 *   below-threshold  not more than the threshold (or, for an open ticket, no activity)
 *   crossed          more than the threshold, with activity not yet acted on
 *   same-window      activity in the window already acted on (nothing new to report)
 *   later-window     activity in a window after the last one acted on (open ticket)
 *   stale-window     a window before the last one acted on (late or replayed data)
 *   silence-over     the silence after a closed ticket is over, and the threshold is crossed
 * From the PSA (learnStatus): closed-reported, reopened-reported (a person reopened it).
 * From the clock (quietCheck): quiet (auto-close is due), quiet-pending (quiet windows, not enough yet).
 */
export const LIFECYCLE_EVENTS = [
  'below-threshold',
  'crossed',
  'same-window',
  'later-window',
  'stale-window',
  'silence-over',
  'closed-reported',
  'reopened-reported',
  'quiet',
  'quiet-pending',
] as const;

export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/**
 * What a row does to the track (evaluate.ts applies it):
 *   ignore       nothing: the same track object, no intent
 *   create       raise the next ticket (generation + 1) for the window: 'create' intent
 *   note         append a note for the window to the current ticket: 'note' intent
 *   reopen       reopen the current ticket and note the window: 'reopen' intent
 *   close        close the ticket (auto-close): 'close' intent
 *   closed       record that the PSA closed the ticket
 *   silence      record that activity is ignored for the policy's hours, from now
 *   reopened     record that the ticket is open again in the PSA
 *   count-quiet  record how many windows have been quiet
 * When the next state is 'silenced', silencedUntil becomes now + the policy's hours.
 */
export type Effect =
  | 'ignore'
  | 'create'
  | 'note'
  | 'reopen'
  | 'close'
  | 'closed'
  | 'silence'
  | 'reopened'
  | 'count-quiet';

export type ClosedPolicyMode = ClosedPolicy['mode'];
export const CLOSED_POLICY_MODES = [
  'new',
  'reopen',
  'silence',
] as const satisfies readonly ClosedPolicyMode[];

export interface Transition {
  next: TrackState;
  effect: Effect;
  /**
   * Plain words for the activity log; placeholders filled by evaluate.ts: {count} {threshold}
   * {window} {lastWindow} {until} {quiet}.
   */
  reason: string;
}

/** A row either has one transition, or one per closed-ticket policy. */
export type Outcome = Transition | { byPolicy: Readonly<Record<ClosedPolicyMode, Transition>> };

export interface LifecycleRow {
  state: TrackState;
  event: LifecycleEvent;
  outcome: Outcome;
}

const t = (next: TrackState, effect: Effect, reason: string): Transition => ({ next, effect, reason });

const BELOW =
  '{count} counted requests in the window of {window}, not more than the threshold of {threshold}';
const STALE = 'the window of {window} is before the last one acted on ({lastWindow}): ignored';
const QUIET_PENDING = 'no activity for {quiet} complete window(s)';
const NO_TICKET = 'no ticket has been raised for this identity';

/** Activity after a closed ticket, by policy. */
const AFTER_CLOSED: Outcome = {
  byPolicy: {
    new: t('open', 'create', 'new activity after the ticket was closed ({count} in {window}): a new ticket'),
    reopen: t('open', 'reopen', 'new activity after the ticket was closed ({count} in {window}): reopened'),
    silence: t('silenced', 'silence', 'new activity after the ticket was closed: silenced until {until}'),
  },
};

/** The ticket was closed, by the PSA or by auto-close, by policy. */
const closure = (effect: 'closed' | 'close', why: string): Outcome => ({
  byPolicy: {
    new: t('closed', effect, `${why}; new activity will raise a new ticket`),
    reopen: t('closed', effect, `${why}; new activity will reopen it`),
    silence: t('silenced', effect, `${why}; activity is ignored until {until}`),
  },
});

/** THE table: one row per state × event (checked when the module loads and by the tests). */
export const LIFECYCLE_TABLE: readonly LifecycleRow[] = [
  // ── none: no ticket yet ──────────────────────────────────────────────────────────────────────
  { state: 'none', event: 'below-threshold', outcome: t('none', 'ignore', BELOW) },
  {
    state: 'none',
    event: 'crossed',
    outcome: t('open', 'create', '{count} counted requests in {window}, more than {threshold}: a ticket'),
  },
  { state: 'none', event: 'same-window', outcome: t('none', 'ignore', BELOW) },
  { state: 'none', event: 'later-window', outcome: t('none', 'ignore', BELOW) },
  { state: 'none', event: 'stale-window', outcome: t('none', 'ignore', STALE) },
  {
    state: 'none',
    event: 'silence-over',
    outcome: t('open', 'create', '{count} counted requests in {window}, more than {threshold}: a ticket'),
  },
  { state: 'none', event: 'closed-reported', outcome: t('none', 'ignore', NO_TICKET) },
  { state: 'none', event: 'reopened-reported', outcome: t('none', 'ignore', NO_TICKET) },
  { state: 'none', event: 'quiet', outcome: t('none', 'ignore', NO_TICKET) },
  { state: 'none', event: 'quiet-pending', outcome: t('none', 'ignore', NO_TICKET) },

  // ── open: a ticket exists (or its creation is queued) ─────────────────────────────────────────
  { state: 'open', event: 'below-threshold', outcome: t('open', 'ignore', 'no new activity') },
  { state: 'open', event: 'crossed', outcome: t('open', 'ignore', 'a ticket is already open') },
  {
    state: 'open',
    event: 'same-window',
    outcome: t('open', 'ignore', 'the window of {window} is already on the open ticket'),
  },
  {
    state: 'open',
    event: 'later-window',
    outcome: t('open', 'note', '{count} counted requests in a later window ({window}): a note'),
  },
  { state: 'open', event: 'stale-window', outcome: t('open', 'ignore', STALE) },
  { state: 'open', event: 'silence-over', outcome: t('open', 'ignore', 'a ticket is already open') },
  { state: 'open', event: 'closed-reported', outcome: closure('closed', 'the ticket was closed in the PSA') },
  { state: 'open', event: 'reopened-reported', outcome: t('open', 'ignore', 'the ticket is open') },
  {
    state: 'open',
    event: 'quiet',
    outcome: closure('close', 'no activity for {quiet} complete windows: the ticket is closed'),
  },
  { state: 'open', event: 'quiet-pending', outcome: t('open', 'count-quiet', QUIET_PENDING) },

  // ── closed: the ticket was closed ─────────────────────────────────────────────────────────────
  { state: 'closed', event: 'below-threshold', outcome: t('closed', 'ignore', BELOW) },
  { state: 'closed', event: 'crossed', outcome: AFTER_CLOSED },
  {
    state: 'closed',
    event: 'same-window',
    outcome: t('closed', 'ignore', 'no activity since the window of {window} was acted on'),
  },
  { state: 'closed', event: 'later-window', outcome: t('closed', 'ignore', BELOW) },
  { state: 'closed', event: 'stale-window', outcome: t('closed', 'ignore', STALE) },
  { state: 'closed', event: 'silence-over', outcome: AFTER_CLOSED },
  { state: 'closed', event: 'closed-reported', outcome: t('closed', 'ignore', 'the ticket is closed') },
  {
    state: 'closed',
    event: 'reopened-reported',
    outcome: t('open', 'reopened', 'the ticket was reopened in the PSA: later windows add notes'),
  },
  { state: 'closed', event: 'quiet', outcome: t('closed', 'ignore', 'the ticket is closed') },
  { state: 'closed', event: 'quiet-pending', outcome: t('closed', 'ignore', 'the ticket is closed') },

  // ── silenced: closed, activity ignored until silencedUntil ────────────────────────────────────
  { state: 'silenced', event: 'below-threshold', outcome: t('silenced', 'ignore', BELOW) },
  { state: 'silenced', event: 'crossed', outcome: t('silenced', 'ignore', 'silenced until {until}') },
  { state: 'silenced', event: 'same-window', outcome: t('silenced', 'ignore', 'silenced until {until}') },
  { state: 'silenced', event: 'later-window', outcome: t('silenced', 'ignore', BELOW) },
  { state: 'silenced', event: 'stale-window', outcome: t('silenced', 'ignore', STALE) },
  {
    state: 'silenced',
    event: 'silence-over',
    outcome: t(
      'open',
      'create',
      'the silence ended at {until} and {count} counted requests followed: a ticket',
    ),
  },
  { state: 'silenced', event: 'closed-reported', outcome: t('silenced', 'ignore', 'the ticket is closed') },
  {
    state: 'silenced',
    event: 'reopened-reported',
    outcome: t('open', 'reopened', 'the ticket was reopened in the PSA: later windows add notes'),
  },
  { state: 'silenced', event: 'quiet', outcome: t('silenced', 'ignore', 'the ticket is closed') },
  { state: 'silenced', event: 'quiet-pending', outcome: t('silenced', 'ignore', 'the ticket is closed') },
];

/** Why the table is not total or has duplicates; empty when every state × event has exactly one row. */
export function tableProblems(table: readonly LifecycleRow[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const row of table) {
    const key = `${row.state} × ${row.event}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  for (const state of TRACK_STATES) {
    for (const event of LIFECYCLE_EVENTS) {
      const rows = seen.get(`${state} × ${event}`) ?? 0;
      if (rows !== 1) problems.push(`${state} × ${event}: ${rows} rows`);
    }
  }
  if (table.length !== TRACK_STATES.length * LIFECYCLE_EVENTS.length) {
    problems.push(`${table.length} rows for ${TRACK_STATES.length * LIFECYCLE_EVENTS.length} pairs`);
  }
  return problems;
}

const LOOKUP: ReadonlyMap<string, Outcome> = (() => {
  const problems = tableProblems(LIFECYCLE_TABLE);
  if (problems.length > 0) throw new Error(`Ticket lifecycle table: ${problems.join('; ')}`);
  return new Map(LIFECYCLE_TABLE.map((row) => [`${row.state}|${row.event}`, row.outcome]));
})();

/** The transition for a state, an event and the closed-ticket policy in force. */
export function transition(state: TrackState, event: LifecycleEvent, policy: ClosedPolicyMode): Transition {
  const outcome = LOOKUP.get(`${state}|${event}`);
  if (outcome === undefined) throw new RangeError(`No lifecycle row for ${state} × ${event}`);
  return 'byPolicy' in outcome ? outcome.byPolicy[policy] : outcome;
}
