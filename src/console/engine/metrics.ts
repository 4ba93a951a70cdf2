// Prometheus metrics of the delivery engine: attempts by outcome, and the outbox's depth and
// the age of its oldest pending item, read from the database when scraped. Registered once per
// registry; several workers in one process share them.
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../../platform/metrics.js';
import type { OutboxStats } from './types.js';

export type AttemptOutcome = 'done' | 'retry' | 'failed' | 'parked' | 'deferred' | 'lost';

export interface EngineMetrics {
  attempts: Counter<'outcome'>;
}

const ATTEMPTS = 'parasol_outbox_attempts_total';
const DEPTH = 'parasol_outbox_items';
const OLDEST = 'parasol_outbox_oldest_pending_seconds';

export function engineMetrics(metrics: Metrics, stats: () => Promise<OutboxStats>): EngineMetrics {
  const { registry } = metrics;
  const existing = registry.getSingleMetric(ATTEMPTS);
  if (existing) return { attempts: existing as Counter<'outcome'> };
  const attempts = new Counter({
    name: ATTEMPTS,
    help: 'Delivery attempts by outcome (done, retry, failed, parked, deferred, lost)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // One query per scrape feeds both gauges.
  let pending: Promise<OutboxStats> | undefined;
  const read = () => {
    pending ??= stats().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  new Gauge({
    name: DEPTH,
    help: 'Outbox items by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const s = await read();
      for (const [state, n] of Object.entries(s.depth)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: OLDEST,
    help: 'Age of the oldest pending outbox item, in seconds',
    registers: [registry],
    async collect() {
      this.set((await read()).oldestPendingAgeMs / 1000);
    },
  });
  return { attempts };
}
