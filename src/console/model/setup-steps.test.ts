// The setup steps' rule: each step done only from the state that makes it so.
import { describe, expect, it } from 'vitest';
import { judgeSetup, type SetupFacts } from './setup-steps.js';

const none: SetupFacts = {
  integration: null,
  customers: 0,
  bindings: 0,
  firstUnboundCustomerId: null,
  hasData: false,
};
const connected = { enabled: true, saved: true, preflightOk: true };

describe('judgeSetup', () => {
  it('has nothing done for a provider without settings, customers or bindings', () => {
    expect(judgeSetup(none)).toEqual({
      psa: { done: false, saved: false, checkFailed: false },
      customers: { done: false, count: 0 },
      bindings: { done: false, count: 0, nextCustomerId: null },
      complete: false,
      hasData: false,
    });
  });

  it('counts the PSA connected only when saved, enabled and the last preflight passed', () => {
    const psa = (integration: SetupFacts['integration']) => judgeSetup({ ...none, integration }).psa;
    expect(psa(connected)).toEqual({ done: true, saved: true, checkFailed: false });
    expect(psa({ ...connected, enabled: false })).toEqual({ done: false, saved: true, checkFailed: false });
    expect(psa({ ...connected, preflightOk: null })).toEqual({
      done: false,
      saved: true,
      checkFailed: false,
    });
    expect(psa({ ...connected, preflightOk: false })).toEqual({
      done: false,
      saved: true,
      checkFailed: true,
    });
    // A preflight that passed before a key was removed does not make incomplete settings connected.
    expect(psa({ ...connected, saved: false }).done).toBe(false);
    // A failed check of disabled settings is old news: not reported as failing.
    expect(psa({ enabled: false, saved: true, preflightOk: false }).checkFailed).toBe(false);
  });

  it('is complete with the PSA connected, a customer and a binding; data is reported apart', () => {
    const s = judgeSetup({
      integration: connected,
      customers: 2,
      bindings: 1,
      firstUnboundCustomerId: 7,
      hasData: false,
    });
    expect(s.customers).toEqual({ done: true, count: 2 });
    expect(s.bindings).toEqual({ done: true, count: 1, nextCustomerId: 7 });
    expect(s.complete).toBe(true);
    expect(s.hasData).toBe(false);
    expect(judgeSetup({ ...none, hasData: true })).toMatchObject({ complete: false, hasData: true });
  });
});
