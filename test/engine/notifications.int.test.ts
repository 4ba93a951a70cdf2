// Wake-ups between processes on PostgreSQL: an outbox row enqueued in one process's transaction is
// heard of in another once it commits (not before); a listener whose connection is lost connects
// again and looks for work at once; a worker hearing of it delivers without waiting for its poll.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_CHANNEL, Outbox } from '../../src/console/engine/outbox.js';
import { DeliveryWorker } from '../../src/console/engine/worker.js';
import { FakeConnectWise } from '../../src/console/psa-client/fake.js';
import { systemClock } from '../../src/platform/clock.js';
import { openStorage, type Storage } from '../../src/platform/db.js';
import { openTestStorage, postgresUrl } from '../support/databases.js';
import { addProvider, item, type Run, recordingEffect } from './support.js';

const until = async (done: () => boolean | Promise<boolean>, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return done();
};

describe.runIf(postgresUrl?.startsWith('postgres'))('outbox notifications on postgres', () => {
  let enqueuer: Storage;
  let listener: Storage;
  let providerId: number;

  beforeAll(async () => {
    enqueuer = await openTestStorage('postgres');
    // Another process: its own pool and its own listening connection on the same schema.
    const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(enqueuer.db);
    const url = new URL(postgresUrl!);
    url.searchParams.set('options', `-c search_path=${rows[0]!.schema}`);
    listener = await openStorage({ databaseUrl: url.toString(), dataDir: '.', migrate: false });
    providerId = await addProvider(enqueuer.db, 'Acme');
  });
  afterAll(async () => {
    await listener?.close();
    await enqueuer?.close();
  });

  it('hears of an enqueue when its transaction commits, not before', async () => {
    let heard = 0;
    const stop = await listener.notifications!.listen(OUTBOX_CHANNEL, () => heard++);
    expect(listener.notifications!.listening).toBe(true);
    heard = 0;
    const outbox = new Outbox(enqueuer.db, enqueuer.dialect);
    let before = -1;
    await enqueuer.db.transaction().execute(async (trx) => {
      await outbox.enqueue(trx, [item(providerId, 'a'), item(providerId, 'b')], Date.now());
      await new Promise((r) => setTimeout(r, 200));
      before = heard;
    });
    expect(before).toBe(0);
    expect(await until(() => heard > 0)).toBe(true);
    await stop();
  });

  it('listens again after its connection is lost, and looks for work at once', async () => {
    let heard = 0;
    const stop = await listener.notifications!.listen(OUTBOX_CHANNEL, () => heard++);
    heard = 0;
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        AND datname = current_database()`.execute(enqueuer.db);
    expect(await until(() => !listener.notifications!.listening, 2_000)).toBe(true);
    // Connected again: the handler runs once without a notification (what came meanwhile was missed).
    expect(await until(() => listener.notifications!.listening && heard > 0)).toBe(true);
    const after = heard;
    await new Outbox(enqueuer.db, enqueuer.dialect).enqueue(enqueuer.db, [item(providerId, 'c')], Date.now());
    expect(await until(() => heard > after)).toBe(true);
    await stop();
  });

  it('a worker with a long poll delivers another process’s enqueue at once', async () => {
    await enqueuer.db.deleteFrom('con_outbox').execute();
    const runs: Run[] = [];
    const worker = new DeliveryWorker({
      storage: listener,
      clock: systemClock,
      effects: { 'test.write': recordingEffect(runs) },
      clientFor: async () => new FakeConnectWise(),
      pollMs: 60_000,
      notified: () => listener.notifications!.listening,
    });
    const stop = await listener.notifications!.listen(OUTBOX_CHANNEL, () => worker.wake());
    worker.start();
    try {
      // The first poll finds nothing; the worker then sleeps a minute unless woken.
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await new Outbox(enqueuer.db, enqueuer.dialect).enqueue(enqueuer.db, [item(providerId, 'd')], t0);
      expect(await until(() => runs.length === 1)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await worker.stop();
      await stop();
    }
  });
});
