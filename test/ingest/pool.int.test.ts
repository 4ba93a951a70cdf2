// Worker threads are kept between files and between ingest calls (starting one costs ~0.3 s), do not
// keep the process alive while idle, and end after their idle time.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { umbrellaLines, writeLines } from '../../src/console/ingest/generate.js';
import { WorkerOutOfMemory, WorkerPool } from '../../src/console/ingest/pool.js';
import { buildRoutingTable } from '../../src/console/ingest/routing.js';
import { openTestStorage } from '../support/databases.js';
import { makeWorld, tempDir, writeLogFiles } from './support.js';

const task = {
  sourceKey: 'f',
  routeKey: 'f',
  routing: buildRoutingTable([]),
  aggregate: { windowMinutes: 240, heavyHitterCapacity: 256 },
};

describe('ingestion worker threads', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('fail a file whose aggregates outgrow their heap limit as out of memory (not to be read again)', async () => {
    const pool = new WorkerPool(1, { oldGenerationMb: 16 });
    cleanup.push(() => pool.close());
    const file = path.join(tempDir(), 'many.csv.gz');
    await writeLines(file, umbrellaLines({ rows: 300_000, identities: 150_000, domains: 50_000 }));
    const routing = buildRoutingTable([{ customerId: 1, kind: 'umbrella-org', value: '1000001' }]);
    const run = pool.run({ kind: 'file', path: file }, { ...task, routing });
    await expect(run).rejects.toBeInstanceOf(WorkerOutOfMemory);
    await expect(run).rejects.toThrow(/more than an ingestion thread's 16 MB/);
  }, 120_000);

  it('are reused by the next ingest call of the same service', async () => {
    const storage = await openTestStorage('sqlite');
    const w = await makeWorld(storage);
    cleanup.push(async () => {
      await w.service.close();
      await storage.close();
    });
    const dir = tempDir();
    await writeLogFiles(dir, { files: 4, rows: 200 });
    expect((await w.service.ingestPath(w.providerId, dir, { concurrency: 2 })).ingested).toBe(4);
    const pool = w.service.pool(2);
    expect(pool.threadCount).toBe(2);
    const more = tempDir();
    await writeLogFiles(more, { files: 3, rows: 200, seed: 7, day: 6 });
    expect((await w.service.ingestPath(w.providerId, more, { concurrency: 2 })).ingested).toBe(3);
    expect(pool.threadsStarted).toBe(2);
    await w.service.close();
    expect(pool.threadCount).toBe(0);
  });

  it('start on warm(), and end after their idle time', async () => {
    // Idle time well above a thread's start on a loaded machine (0.2–0.6 s): a first thread must not
    // end while warm() still waits for the second.
    const pool = new WorkerPool(2, { idleMs: 1500 });
    cleanup.push(() => pool.close());
    await pool.warm();
    expect(pool.threadCount).toBe(2);
    const dir = tempDir();
    const [file] = await writeLogFiles(dir, { files: 1, rows: 50 });
    const r = await pool.run({ kind: 'file', path: file! }, task);
    expect(r).toMatchObject({ ok: true, rows: 50, unrouted: 50 });
    expect(pool.threadsStarted).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(pool.threadCount).toBe(0);
    // A new file starts a new thread.
    expect(await pool.run({ kind: 'file', path: file! }, task)).toMatchObject({ ok: true, rows: 50 });
    expect(pool.threadsStarted).toBe(3);
  });
});
