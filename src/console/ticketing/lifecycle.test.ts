import { describe, expect, it } from 'vitest';
import {
  CLOSED_POLICY_MODES,
  LIFECYCLE_EVENTS,
  LIFECYCLE_TABLE,
  type LifecycleRow,
  TRACK_STATES,
  tableProblems,
  transition,
} from './lifecycle.js';

describe('the lifecycle table', () => {
  it('has exactly one row per state × event', () => {
    expect(tableProblems(LIFECYCLE_TABLE)).toEqual([]);
    expect(LIFECYCLE_TABLE).toHaveLength(TRACK_STATES.length * LIFECYCLE_EVENTS.length);
  });

  it('reports a missing and a duplicated row', () => {
    const [first, ...rest] = LIFECYCLE_TABLE as [LifecycleRow, ...LifecycleRow[]];
    expect(tableProblems(rest)).toContain('none × below-threshold: 0 rows');
    expect(tableProblems([...LIFECYCLE_TABLE, first])).toContain('none × below-threshold: 2 rows');
  });

  it('has a reason for every transition, and policy rows for every policy', () => {
    for (const state of TRACK_STATES) {
      for (const event of LIFECYCLE_EVENTS) {
        for (const policy of CLOSED_POLICY_MODES) {
          expect(transition(state, event, policy).reason.length).toBeGreaterThan(5);
        }
      }
    }
  });

  it("only the 'silence' policy leads to the silenced state", () => {
    for (const state of TRACK_STATES) {
      for (const event of LIFECYCLE_EVENTS) {
        for (const policy of ['new', 'reopen'] as const) {
          const row = transition(state, event, policy);
          if (state !== 'silenced') expect(row.next).not.toBe('silenced');
        }
      }
    }
  });

  it('raises tickets, notes and reopens only on activity, and closes only when quiet', () => {
    const activity = new Set(['crossed', 'later-window', 'silence-over']);
    for (const state of TRACK_STATES) {
      for (const event of LIFECYCLE_EVENTS) {
        for (const policy of CLOSED_POLICY_MODES) {
          const { effect } = transition(state, event, policy);
          if (effect === 'create' || effect === 'note' || effect === 'reopen') {
            expect(activity.has(event), `${state} × ${event}`).toBe(true);
          }
          if (effect === 'close') expect([state, event]).toEqual(['open', 'quiet']);
        }
      }
    }
  });

  // The documented behaviour, row by row: [state, event, policy, next state, effect].
  it.each([
    ['none', 'below-threshold', 'new', 'none', 'ignore'],
    ['none', 'crossed', 'new', 'open', 'create'],
    ['open', 'same-window', 'new', 'open', 'ignore'],
    ['open', 'later-window', 'new', 'open', 'note'],
    ['open', 'stale-window', 'new', 'open', 'ignore'],
    ['open', 'crossed', 'new', 'open', 'ignore'],
    ['open', 'closed-reported', 'new', 'closed', 'closed'],
    ['open', 'closed-reported', 'reopen', 'closed', 'closed'],
    ['open', 'closed-reported', 'silence', 'silenced', 'closed'],
    ['open', 'quiet', 'new', 'closed', 'close'],
    ['open', 'quiet', 'silence', 'silenced', 'close'],
    ['open', 'quiet-pending', 'new', 'open', 'count-quiet'],
    ['closed', 'crossed', 'new', 'open', 'create'],
    ['closed', 'crossed', 'reopen', 'open', 'reopen'],
    ['closed', 'crossed', 'silence', 'silenced', 'silence'],
    ['closed', 'same-window', 'new', 'closed', 'ignore'],
    ['closed', 'stale-window', 'new', 'closed', 'ignore'],
    ['closed', 'reopened-reported', 'new', 'open', 'reopened'],
    ['silenced', 'crossed', 'silence', 'silenced', 'ignore'],
    ['silenced', 'silence-over', 'silence', 'open', 'create'],
    ['silenced', 'silence-over', 'reopen', 'open', 'create'],
    ['silenced', 'reopened-reported', 'silence', 'open', 'reopened'],
    ['silenced', 'quiet', 'silence', 'silenced', 'ignore'],
  ] as const)('%s × %s (policy %s) → %s, %s', (state, event, policy, next, effect) => {
    expect(transition(state, event, policy)).toMatchObject({ next, effect });
  });
});
