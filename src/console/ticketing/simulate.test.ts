import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from './evaluate.js';
import { DEFAULT_RULE_SETTINGS } from './rules.js';
import { type StoredWindowCount, simulateTickets } from './simulate.js';
import type { TicketRuleSettings, TrackSnapshot } from './types.js';

const H4 = 4 * 3_600_000;
const DAY0 = Date.parse('2026-11-20T00:00:00Z');
const rule = (over: Partial<TicketRuleSettings> = {}): TicketRuleSettings => ({
  ...DEFAULT_RULE_SETTINGS,
  ...over,
});
const row = (
  identity: string,
  window: number,
  blocked: number,
  category = 'command-and-control',
  customerId = 1,
) =>
  ({
    customerId,
    identity,
    identityType: 'roaming-computer',
    category,
    windowStart: DAY0 + window * H4,
    blocked,
  }) satisfies StoredWindowCount;

describe('simulateTickets', () => {
  it.each([
    ['below the threshold in every window', [row('pc', 0, 10), row('pc', 1, 10)], {}, 0],
    [
      'crossed once, then later windows only note',
      [row('pc', 0, 11), row('pc', 1, 50), row('pc', 2, 1)],
      {},
      1,
    ],
    ['two identities cross', [row('pc', 0, 11), row('laptop', 3, 12)], {}, 2],
    ['other categories do not count', [row('pc', 0, 30, 'malware')], {}, 0],
    [
      'the rule counts every category it names',
      [row('pc', 0, 6, 'malware'), row('pc', 0, 6)],
      { categories: ['malware', 'command-and-control'] },
      1,
    ],
    [
      'auto-close after a quiet window, then a new ticket',
      [row('pc', 0, 11), row('pc', 2, 11)],
      { autoCloseQuietWindows: 1 },
      2,
    ],
    ['without auto-close the same story raises one', [row('pc', 0, 11), row('pc', 2, 11)], {}, 1],
  ] as const)('%s', (_name, rows, over, expected) => {
    const days = simulateTickets(rows, () => rule(over as Partial<TicketRuleSettings>));
    expect(days.reduce((n, d) => n + d.tickets, 0)).toBe(expected);
  });

  it('reports per customer and UTC day of the window the ticket was raised in', () => {
    const days = simulateTickets(
      [
        row('a', 0, 20, 'command-and-control', 7),
        row('b', 6, 20, 'command-and-control', 7),
        row('c', 1, 20, 'command-and-control', 9),
      ],
      () => rule(),
    );
    expect(days).toEqual([
      { customerId: 7, day: '2026-11-20', tickets: 1 },
      { customerId: 7, day: '2026-11-21', tickets: 1 },
      { customerId: 9, day: '2026-11-20', tickets: 1 },
    ]);
  });

  it('raises exactly the tickets the streaming engine raises on the same events', () => {
    // Events arrive in batches (any order of windows); the engine decides after each batch on the
    // window's count so far; the simulator sees only the final counts.
    const batch = fc.record({
      window: fc.integer({ min: 0, max: 11 }),
      blocked: fc.integer({ min: 1, max: 8 }),
    });
    fc.assert(
      fc.property(
        fc.array(batch, { maxLength: 40 }),
        fc.integer({ min: 0, max: 20 }),
        (batches, threshold) => {
          const settings = rule({ threshold });
          const counts = new Map<number, number>();
          let track: TrackSnapshot | undefined;
          let raised = 0;
          for (const b of batches) {
            const count = (counts.get(b.window) ?? 0) + b.blocked;
            counts.set(b.window, count);
            const d = decide(
              track,
              { windowStart: DAY0 + b.window * H4, count, now: DAY0 + 12 * H4 },
              settings,
            );
            track = d.next;
            raised += d.intents.filter((i) => i.kind === 'create').length;
          }
          const rows = [...counts].map(([w, blocked]) => row('pc', w, blocked));
          const simulated = simulateTickets(rows, () => settings).reduce((n, d) => n + d.tickets, 0);
          expect(simulated).toBe(raised);
        },
      ),
      { numRuns: 300 },
    );
  });
});
