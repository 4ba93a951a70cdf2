// Cluster-wide schedules on SQLite and PostgreSQL: two Scheduler instances ticking on one database
// (as two processes would) run each due schedule once; a run missed while everyone was down fires
// once; a failing run does not stop the others.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dailyAt, Scheduler } from '../../src/console/engine/scheduler.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Storage } from '../../src/platform/db.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';
import { clearEngineTables } from './support.js';

describe.each(databaseKinds)('scheduler on %s', (kind) => {
  let storage: Storage;
  let clock: ManualClock;

  beforeAll(async () => {
    storage = await openTestStorage(kind);
  });
  afterAll(async () => {
    await storage.close();
  });
  beforeEach(async () => {
    await clearEngineTables(storage.db);
    clock = new ManualClock('2026-03-02T01:00:00Z');
  });

  const row = async (name: string) =>
    storage.db.selectFrom('con_schedule').selectAll().where('name', '=', name).executeTakeFirst();

  it('fires once per cluster when two schedulers tick on the same database', async () => {
    const fired: Array<{ by: string; at: string }> = [];
    const make = (owner: string) => {
      const s = new Scheduler({ db: storage.db, clock, owner });
      s.register({
        name: 'config-sync:1',
        next: dailyAt('02:00'),
        run: async (nowMs) => {
          fired.push({ by: owner, at: new Date(nowMs).toISOString() });
        },
      });
      return s;
    };
    const a = make('a');
    const b = make('b');
    expect(await Promise.all([a.tick(), b.tick()])).toEqual([[], []]);
    expect(await row('config-sync:1')).toMatchObject({ next_run_at: '2026-03-02T02:00:00.000Z', runs: 0 });

    clock.set('2026-03-02T02:00:00Z');
    const [ranA, ranB] = await Promise.all([a.tick(), b.tick()]);
    expect([...ranA, ...ranB]).toEqual(['config-sync:1']);
    expect(fired).toHaveLength(1);
    expect(await Promise.all([a.tick(), b.tick()])).toEqual([[], []]);
    expect(await row('config-sync:1')).toMatchObject({
      next_run_at: '2026-03-03T02:00:00.000Z',
      last_run_at: '2026-03-02T02:00:00.000Z',
      last_run_by: fired[0]!.by,
      runs: 1,
    });

    // Everyone was down for three days: the missed runs fire once, not three times.
    clock.set('2026-03-05T09:00:00Z');
    for (let i = 0; i < 5; i++) await Promise.all([a.tick(), b.tick()]);
    expect(fired.map((f) => f.at)).toEqual(['2026-03-02T02:00:00.000Z', '2026-03-05T09:00:00.000Z']);
    expect(await row('config-sync:1')).toMatchObject({ next_run_at: '2026-03-06T02:00:00.000Z', runs: 2 });
  });

  it('many schedulers racing on one due schedule: exactly one runs it', async () => {
    let runs = 0;
    const schedulers = Array.from({ length: 6 }, (_, i) => {
      const s = new Scheduler({ db: storage.db, clock, owner: `p${i}` });
      s.register({
        name: 'poll',
        next: (after) => after + 60_000,
        run: async () => {
          runs++;
        },
      });
      return s;
    });
    await schedulers[0]!.tick();
    clock.advance(60_000);
    await Promise.all(schedulers.map((s) => s.tick()));
    expect(runs).toBe(1);
  });

  it('a failing run is logged and does not stop the other schedules; reschedule moves a run', async () => {
    const s = new Scheduler({ db: storage.db, clock, owner: 'a' });
    const ran: string[] = [];
    s.register({
      name: 'broken',
      next: (after) => after + 1_000,
      run: () => Promise.reject(new Error('PSA down')),
    });
    s.register({
      name: 'fine',
      next: (after) => after + 1_000,
      run: async () => {
        ran.push('fine');
      },
    });
    expect(() => s.register({ name: 'fine', next: (x) => x + 1, run: async () => {} })).toThrow(
      "schedule 'fine' is registered already",
    );
    await s.tick();
    clock.advance(1_000);
    expect(await s.tick()).toEqual(['broken', 'fine']);
    expect(ran).toEqual(['fine']);
    expect(await row('broken')).toMatchObject({ runs: 1 });

    await s.reschedule('fine', clock.now().getTime() + 10_000);
    clock.advance(1_000);
    expect(await s.tick()).toEqual(['broken']);
    clock.advance(9_000);
    expect(await s.tick()).toEqual(['broken', 'fine']);
  });

  it('start ticks until stop', async () => {
    const s = new Scheduler({ db: storage.db, clock, owner: 'a' });
    let runs = 0;
    s.register({
      name: 'loop',
      next: (after) => after + 1,
      run: async () => {
        runs++;
        clock.advance(1);
      },
    });
    await s.tick();
    clock.advance(1);
    s.start(5);
    const deadline = Date.now() + 5_000;
    while (runs < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await s.stop();
    const after = runs;
    expect(after).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
  });
});
