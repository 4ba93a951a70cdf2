// A new provider's three setup steps (issue 18), which the dashboard shows until DNS data arrives:
// connect the PSA (PSA Integration Details saved, enabled, and its last preflight passed), add or
// import customers (at least one), bind their logs (at least one source binding). Pure: the
// provider's stored state in, each step's state out (service/setup.ts reads the state).

/** What the steps are judged by. */
export interface SetupFacts {
  integration: {
    enabled: boolean;
    /** Site, company id, client id and both keys are saved. */
    saved: boolean;
    /** The last preflight's verdict; null when none ran. */
    preflightOk: boolean | null;
  } | null;
  customers: number;
  bindings: number;
  /** The first customer (by id) with no source binding; null when every customer has one. */
  firstUnboundCustomerId: number | null;
  /** Daily totals exist for a customer of the provider (what the dashboard's charts draw). */
  hasData: boolean;
}

export interface SetupProgress {
  psa: {
    done: boolean;
    saved: boolean;
    /** Enabled and checked, and the last preflight failed: its fixes are on the settings page. */
    checkFailed: boolean;
  };
  customers: { done: boolean; count: number };
  bindings: {
    done: boolean;
    count: number;
    /** The customer whose page to bind logs on next (the first without a binding), if any. */
    nextCustomerId: number | null;
  };
  /** Every step is done. */
  complete: boolean;
  /** DNS data is counted for a customer: the dashboard shows its charts instead of the steps. */
  hasData: boolean;
}

export function judgeSetup(facts: SetupFacts): SetupProgress {
  const i = facts.integration;
  const psa = {
    done: Boolean(i?.saved && i.enabled && i.preflightOk === true),
    saved: i?.saved ?? false,
    checkFailed: Boolean(i?.enabled && i.preflightOk === false),
  };
  const customers = { done: facts.customers > 0, count: facts.customers };
  const bindings = {
    done: facts.bindings > 0,
    count: facts.bindings,
    nextCustomerId: facts.firstUnboundCustomerId,
  };
  return {
    psa,
    customers,
    bindings,
    complete: psa.done && customers.done && bindings.done,
    hasData: facts.hasData,
  };
}
