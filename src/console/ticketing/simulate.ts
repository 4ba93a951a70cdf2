// The threshold simulator (CON-12): replays stored per-window counts against a proposed rule and
// says how many tickets it would have raised, per customer and UTC day, before the rule is saved.
// It runs the same `decide` (and, with auto-close, `quietCheck`) as the engine, window after window
// from a fresh track, so on the same events it raises exactly the tickets the engine raises (a
// streaming crossing happens in a window iff the window's final count is over the threshold).
// Closures made by people in the PSA are not known to the past, so a raised ticket stays open.
import { dayOf, MINUTE_MS, windowStartMs } from '../aggregate/windows.js';
import { decide, quietCheck } from './evaluate.js';
import type { TicketRuleSettings, TrackSnapshot } from './types.js';

/** Blocked requests of one identity in one stored window and category (rows as aggregated). */
export interface StoredWindowCount {
  customerId: number;
  identity: string;
  identityType: string;
  category: string;
  /** Epoch ms: start of the stored (aggregation) window. */
  windowStart: number;
  blocked: number;
}

export interface SimulatedDay {
  customerId: number;
  /** UTC day the ticket would have been raised on (its window's start). */
  day: string;
  tickets: number;
}

/** Tickets per customer and day; `settingsFor` gives each customer's effective settings. */
export function simulateTickets(
  rows: readonly StoredWindowCount[],
  settingsFor: (customerId: number) => TicketRuleSettings,
): SimulatedDay[] {
  // Sum the rule's categories per (customer, identity, rule window).
  const series = new Map<
    string,
    { customerId: number; settings: TicketRuleSettings; counts: Map<number, number> }
  >();
  for (const r of rows) {
    if (r.blocked <= 0) continue;
    const settings = settingsFor(r.customerId);
    if (!(settings.categories as readonly string[]).includes(r.category)) continue;
    const key = `${r.customerId}\u0000${r.identity}\u0000${r.identityType}`;
    let s = series.get(key);
    if (!s) {
      s = { customerId: r.customerId, settings, counts: new Map() };
      series.set(key, s);
    }
    const w = windowStartMs(r.windowStart, settings.windowMinutes * MINUTE_MS);
    s.counts.set(w, (s.counts.get(w) ?? 0) + r.blocked);
  }
  const perDay = new Map<string, SimulatedDay>();
  for (const { customerId, settings, counts } of series.values()) {
    let track: TrackSnapshot | undefined;
    for (const windowStart of [...counts.keys()].sort((a, b) => a - b)) {
      if (track && settings.autoCloseQuietWindows !== null)
        track = quietCheck(track, windowStart, settings, windowStart).next;
      const decision = decide(
        track,
        { windowStart, count: counts.get(windowStart)!, now: windowStart },
        settings,
      );
      track = decision.next;
      if (!decision.intents.some((i) => i.kind === 'create')) continue;
      const day = dayOf(windowStart);
      const key = `${customerId}\u0000${day}`;
      const entry = perDay.get(key) ?? { customerId, day, tickets: 0 };
      entry.tickets++;
      perDay.set(key, entry);
    }
  }
  return [...perDay.values()].sort((a, b) => a.customerId - b.customerId || (a.day < b.day ? -1 : 1));
}
