// Ticket decisions (CON-7): turn an observation, a PSA status report or a quiet check into a lifecycle
// event, look its row up in the state table (lifecycle.ts) and apply the row's effect to the track.
// Pure: the caller stores `next` and hands the intents to the delivery engine in one transaction.
import { MINUTE_MS, windowStartMs } from '../aggregate/windows.js';
import { type Effect, type LifecycleEvent, type Transition, transition } from './lifecycle.js';
import { formatInstant } from './templates.js';
import type {
  Decision,
  Intent,
  Observation,
  TicketRuleSettings,
  TicketStatusReport,
  TrackSnapshot,
} from './types.js';

const HOUR_MS = 3_600_000;

/** A track before anything happened; decide(undefined, …) starts from it and returns it when nothing happens. */
export const NEW_TRACK: TrackSnapshot = Object.freeze({
  state: 'none',
  generation: 0,
  psaTicketId: null,
  openedWindow: null,
  lastWindow: null,
  lastCount: 0,
  quietWindows: 0,
  silencedUntil: null,
});

/** What the effect of a row is applied with. */
interface EventContext {
  now: number;
  windowStart?: number;
  count?: number;
  quiet?: number;
}

function windowMs(settings: TicketRuleSettings): number {
  return settings.windowMinutes * MINUTE_MS;
}

function assertWindowStart(what: string, ms: number, settings: TicketRuleSettings): void {
  if (!Number.isFinite(ms) || ms % windowMs(settings) !== 0) {
    throw new RangeError(
      `${what} ${String(ms)} is not the start of a ${settings.windowMinutes}-minute window (epoch ms)`,
    );
  }
}

function assertInstant(what: string, ms: number): void {
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a time in epoch ms (got ${String(ms)})`);
}

/**
 * The event an observation is for this track. An open ticket takes one note per later window with
 * activity; a track without an open ticket only reacts when the count is above the threshold and
 * there is activity not yet acted on (a later window, or more in the same window than last time).
 */
export function observationEvent(track: TrackSnapshot, obs: Observation, threshold: number): LifecycleEvent {
  const last = track.lastWindow;
  if (last !== null && obs.windowStart < last) return 'stale-window';
  const sameWindow = last === obs.windowStart;
  if (track.state === 'open') {
    if (sameWindow) return 'same-window';
    return obs.count > 0 ? 'later-window' : 'below-threshold';
  }
  if (obs.count <= threshold) return 'below-threshold';
  if (sameWindow && obs.count <= track.lastCount) return 'same-window';
  if (track.state === 'silenced' && track.silencedUntil !== null && obs.now >= track.silencedUntil) {
    return 'silence-over';
  }
  return 'crossed';
}

/** Complete windows without activity between the track's last window and the current one. */
export function quietWindowsSince(
  track: TrackSnapshot,
  currentWindowStart: number,
  lengthMs: number,
): number {
  if (track.lastWindow === null) return 0;
  // Aligned to the current length, in case the rule's window changed since lastWindow was stored.
  const last = windowStartMs(track.lastWindow, lengthMs);
  return Math.max(0, Math.floor((currentWindowStart - last) / lengthMs) - 1);
}

function silenceEnd(settings: TicketRuleSettings, now: number): number {
  const policy = settings.closedPolicy;
  if (policy.mode !== 'silence') {
    throw new Error(`Lifecycle table leads to 'silenced' under closed policy '${policy.mode}'`);
  }
  return now + policy.hours * HOUR_MS;
}

function describe(reason: string, values: Record<string, string>): string {
  return reason.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function observed(ctx: EventContext, effect: Effect): { windowStart: number; count: number } {
  if (ctx.windowStart === undefined || ctx.count === undefined) {
    throw new Error(`Lifecycle effect '${effect}' needs an observation`);
  }
  return { windowStart: ctx.windowStart, count: ctx.count };
}

function apply(
  track: TrackSnapshot,
  event: LifecycleEvent,
  settings: TicketRuleSettings,
  ctx: EventContext,
): Decision {
  const row: Transition = transition(track.state, event, settings.closedPolicy.mode);
  const silencedUntil =
    row.next === 'silenced' && row.next !== track.state ? silenceEnd(settings, ctx.now) : null;
  const untilShown = silencedUntil ?? track.silencedUntil;
  const reason = describe(row.reason, {
    count: String(ctx.count ?? track.lastCount),
    threshold: String(settings.threshold),
    window: ctx.windowStart === undefined ? 'unknown' : formatInstant(ctx.windowStart),
    lastWindow: track.lastWindow === null ? 'none' : formatInstant(track.lastWindow),
    until: untilShown === null ? 'unknown' : formatInstant(untilShown),
    quiet: String(ctx.quiet ?? track.quietWindows),
  });
  const decided = (next: TrackSnapshot, intents: Intent[] = []): Decision => ({ next, intents, reason });

  switch (row.effect) {
    case 'ignore':
      return decided(track);
    case 'create': {
      const { windowStart, count } = observed(ctx, row.effect);
      const generation = track.generation + 1;
      return decided(
        {
          state: row.next,
          generation,
          psaTicketId: null,
          openedWindow: windowStart,
          lastWindow: windowStart,
          lastCount: count,
          quietWindows: 0,
          silencedUntil: null,
        },
        [{ kind: 'create', generation, windowStart, count }],
      );
    }
    case 'note':
    case 'reopen': {
      const { windowStart, count } = observed(ctx, row.effect);
      return decided(
        {
          ...track,
          state: row.next,
          lastWindow: windowStart,
          lastCount: count,
          quietWindows: 0,
          silencedUntil: null,
        },
        [{ kind: row.effect, windowStart, count }],
      );
    }
    case 'close': {
      const quietWindows = ctx.quiet ?? track.quietWindows;
      return decided({ ...track, state: row.next, quietWindows, silencedUntil }, [
        { kind: 'close', quietWindows },
      ]);
    }
    case 'closed':
    case 'silence':
      return decided({ ...track, state: row.next, silencedUntil });
    case 'reopened':
      return decided({ ...track, state: row.next, quietWindows: 0, silencedUntil: null });
    case 'count-quiet': {
      const quietWindows = ctx.quiet ?? track.quietWindows;
      return decided(quietWindows === track.quietWindows ? track : { ...track, quietWindows });
    }
  }
}

/**
 * What an observation (an identity's count so far in one rule window) does to its track. Without a
 * track, starts from NEW_TRACK (and returns NEW_TRACK itself when nothing happens: nothing to store).
 */
export function decide(
  track: TrackSnapshot | undefined,
  obs: Observation,
  settings: TicketRuleSettings,
): Decision {
  assertWindowStart('Observation windowStart', obs.windowStart, settings);
  assertInstant('Observation now', obs.now);
  if (!Number.isSafeInteger(obs.count) || obs.count < 0) {
    throw new RangeError(`Observation count must be a whole number ≥ 0 (got ${String(obs.count)})`);
  }
  const current = track ?? NEW_TRACK;
  const event = observationEvent(current, obs, settings.threshold);
  return apply(current, event, settings, { now: obs.now, windowStart: obs.windowStart, count: obs.count });
}

/** What the PSA's status of the current ticket (callback or polling) does to the track. */
export function learnStatus(
  track: TrackSnapshot,
  report: TicketStatusReport,
  settings: TicketRuleSettings,
): Decision {
  assertInstant('Status report now', report.now);
  const event: LifecycleEvent = report.closed ? 'closed-reported' : 'reopened-reported';
  return apply(track, event, settings, { now: report.now });
}

/**
 * Auto-close: at the start of a window, count the complete windows without activity since the
 * track's last window; when the rule's autoCloseQuietWindows is reached, close the open ticket.
 * `now` (default: currentWindowStart) starts the silence under the 'silence' policy.
 */
export function quietCheck(
  track: TrackSnapshot,
  currentWindowStart: number,
  settings: TicketRuleSettings,
  now: number = currentWindowStart,
): Decision {
  assertWindowStart('currentWindowStart', currentWindowStart, settings);
  assertInstant('now', now);
  const quiet = quietWindowsSince(track, currentWindowStart, windowMs(settings));
  const due = settings.autoCloseQuietWindows !== null && quiet >= settings.autoCloseQuietWindows;
  return apply(track, due ? 'quiet' : 'quiet-pending', settings, { now, quiet });
}
