// One delivery worker process for multi-process.int.test.ts: a DeliveryWorker over the outbox of
// DATABASE_URL whose effect records (item, owner, ambiguous, time) in engine_test_run, then sleeps a
// little as a PSA call would. Prints 'ready' once polling; SIGTERM stops it after the items in flight.
// Usage: node --import tsx test/engine/worker-child.ts <owner> <leaseMs>
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { DeliveryWorker } from '../../src/console/engine/worker.js';
import { FakeConnectWise } from '../../src/console/psa-client/fake.js';
import { systemClock } from '../../src/platform/clock.js';
import { openStorage } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/logger.js';

const [owner, lease] = process.argv.slice(2);
if (!owner || !process.env.DATABASE_URL)
  throw new Error('usage: DATABASE_URL=… worker-child.ts <owner> <leaseMs>');
const storage = await openStorage({
  dataDir: tmpdir(),
  databaseUrl: process.env.DATABASE_URL,
  migrate: false,
});
const worker = new DeliveryWorker({
  storage,
  clock: systemClock,
  owner,
  leaseMs: Number(lease ?? 1_500),
  batchSize: 5,
  concurrency: 2,
  pollMs: 50,
  logger: createLogger('warn', process.stderr),
  clientFor: async () => new FakeConnectWise(),
  effects: {
    'test.write': async (ctx) => {
      await sql`INSERT INTO engine_test_run (item_id, owner, ambiguous, at_ms)
                VALUES (${ctx.item.id}, ${owner}, ${ctx.item.ambiguous ? 1 : 0}, ${Date.now()})`.execute(
        ctx.db,
      );
      await new Promise((r) => setTimeout(r, 15 + Math.floor(Math.random() * 10)));
      return { result: { by: owner } };
    },
  },
});
worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker
    .stop()
    .then(() => storage.close())
    .then(() => process.exit(0));
});
