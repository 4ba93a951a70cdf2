// Prometheus metrics: one registry per running Parasol, so tests and several instances
// in one process never share counters. Bad input is counted here by kind. Counters count what this
// process did; the cluster gauges (ingest totals, circuits) are read from the shared database when
// scraped, so every process reports the same cluster-wide figures.
import type { Kysely } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Database } from './db-types.js';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'product' | 'route' | 'method' | 'status'>;
  errors: Counter<'product' | 'code'>;
  authFailures: Counter<'reason'>;
  /** Calls of the console's ConnectWise client, by HTTP status or, without a response, error kind. */
  psaCalls: Counter<'method' | 'status'>;
}

export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'parasol_http_requests_total',
      help: 'HTTP requests by product, route template, method and status',
      labelNames: ['product', 'route', 'method', 'status'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'parasol_http_errors_total',
      help: 'Requests answered with an error, by error code (bad input is counted here)',
      labelNames: ['product', 'code'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'parasol_psa_auth_failures_total',
      help: 'Refused PSA credentials by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    psaCalls: new Counter({
      name: 'parasol_psa_client_requests_total',
      help: "Requests of the console's ConnectWise client (each attempt), by method and status or error kind",
      labelNames: ['method', 'status'],
      registers: [registry],
    }),
  };
}

const INGEST_UNITS = 'parasol_ingest_units';

/**
 * Gauges read from the database at scrape time (one query each): ingested units by status, rows by
 * kind (accepted, bad, unrouted) over the units done, and each provider's PSA circuit (1 = open:
 * nothing is sent until its PSA Integration Details are saved again). Registered once per registry.
 */
export function registerClusterGauges(metrics: Metrics, db: Kysely<Database>): void {
  const { registry } = metrics;
  if (registry.getSingleMetric(INGEST_UNITS)) return;
  new Gauge({
    name: INGEST_UNITS,
    help: 'Ingested units (files, pages, requests) by status, cluster-wide',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('con_ingest_unit')
        .select(['status', db.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      this.reset();
      for (const status of ['claimed', 'done', 'failed']) this.set({ status }, 0);
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'parasol_ingest_rows',
    help: 'Rows of the units ingested, by kind (accepted, bad, unrouted), cluster-wide',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const r = await db
        .selectFrom('con_ingest_unit')
        .select([
          db.fn.sum<number | null>('rows').as('rows'),
          db.fn.sum<number | null>('bad_rows').as('bad'),
          db.fn.sum<number | null>('unrouted').as('unrouted'),
        ])
        .where('status', '=', 'done')
        .executeTakeFirst();
      this.set({ kind: 'accepted' }, Number(r?.rows ?? 0));
      this.set({ kind: 'bad' }, Number(r?.bad ?? 0));
      this.set({ kind: 'unrouted' }, Number(r?.unrouted ?? 0));
    },
  });
  new Gauge({
    name: 'parasol_psa_circuit_open',
    help: "Whether a provider's PSA circuit is open (1) or closed (0)",
    labelNames: ['provider_id'],
    registers: [registry],
    async collect() {
      // Every provider with PSA Integration Details; one the engine never saw is closed.
      const rows = await db
        .selectFrom('con_psa_integration as i')
        .leftJoin('con_integration_health as h', 'h.provider_id', 'i.provider_id')
        .select(['i.provider_id', 'h.circuit'])
        .execute();
      this.reset();
      for (const r of rows) this.set({ provider_id: String(r.provider_id) }, r.circuit === 'open' ? 1 : 0);
    },
  });
}
