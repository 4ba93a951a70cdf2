// One delivery worker process for delivery-faults.int.test.ts: the real DeliveryWorker with the
// project's effects (DELIVERY_EFFECTS), on the test's database, reaching the PSA through the fault
// proxy with a real ConnectWiseClient (short timeout, few client-level retries, so the engine's own
// retries do the work). Prints 'loaded', waits for 'start' on stdin (so a spare can replace a killed
// worker at once), then prints 'ready' once polling; SIGTERM stops it after the items in flight.
// Usage: DELIVERY_WORKER='<json of WorkerSettings>' node --import tsx test/faults/delivery-worker.ts
import { tmpdir } from 'node:os';
import { DELIVERY_EFFECTS } from '../../src/console/delivery/index.js';
import { DeliveryWorker } from '../../src/console/engine/worker.js';
import { ConnectWiseClient } from '../../src/console/psa-client/client.js';
import type { PsaConnection } from '../../src/console/psa-client/types.js';
import { systemClock } from '../../src/platform/clock.js';
import { openStorage } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/logger.js';

export interface WorkerSettings {
  owner: string;
  /** A PostgreSQL URL (with its schema) or `sqlite:<file>`. */
  databaseUrl: string;
  /** The proxy's site and certificate, the integration's keys. */
  connection: PsaConnection;
  leaseMs: number;
  timeoutMs: number;
  clientAttempts: number;
}

const raw = process.env.DELIVERY_WORKER;
if (!raw) throw new Error('DELIVERY_WORKER (JSON worker settings) is required');
const settings = JSON.parse(raw) as WorkerSettings;

const storage = await openStorage({ dataDir: tmpdir(), databaseUrl: settings.databaseUrl, migrate: false });
const worker = new DeliveryWorker({
  storage,
  clock: systemClock,
  owner: settings.owner,
  effects: DELIVERY_EFFECTS,
  clientFor: async () =>
    new ConnectWiseClient(settings.connection, {
      maxAttempts: settings.clientAttempts,
      baseDelayMs: 50,
      maxDelayMs: 500,
      timeoutMs: settings.timeoutMs,
      maxRetryAfterMs: 2_000,
    }),
  leaseMs: settings.leaseMs,
  batchSize: 5,
  concurrency: 4,
  pollMs: 250,
  logger: createLogger('warn', process.stderr),
});
process.stdout.write('loaded\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  if (!text.includes('start')) return;
  worker.start();
  process.stdout.write('ready\n');
});
// The test process is gone (its end of stdin closed): nothing is left to work for.
process.stdin.on('end', () => process.exit(1));
process.on('SIGTERM', () => {
  void worker
    .stop()
    .then(() => storage.close())
    .then(() => process.exit(0));
});
