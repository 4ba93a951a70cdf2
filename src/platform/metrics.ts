// Prometheus metrics: one registry per running Parasol, so tests and several instances
// in one process never share counters. Bad input is counted here by kind.
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'product' | 'route' | 'method' | 'status'>;
  errors: Counter<'product' | 'code'>;
  authFailures: Counter<'reason'>;
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
  };
}
