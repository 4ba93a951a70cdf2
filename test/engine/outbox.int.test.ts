// The outbox on SQLite and PostgreSQL: per-subject order, circuit skipping, leases (expired →
// ambiguous), no double claim under concurrency, completion guarded by the lease (one item or a
// group in one transaction), the write log, failure and the admin's retry.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IntegrationHealth } from '../../src/console/engine/health.js';
import { Outbox } from '../../src/console/engine/outbox.js';
import type { Storage } from '../../src/platform/db.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';
import { addProvider, clearEngineTables, item, T0 } from './support.js';

const t0 = Date.parse(T0);
const LEASE = 30_000;

describe.each(databaseKinds)('outbox on %s', (kind) => {
  let storage: Storage;
  let outbox: Outbox;
  let p1: number;
  let p2: number;

  beforeAll(async () => {
    storage = await openTestStorage(kind);
    outbox = new Outbox(storage.db, storage.dialect);
    p1 = await addProvider(storage.db, 'Acme');
    p2 = await addProvider(storage.db, 'Globex');
  });
  beforeEach(() => clearEngineTables(storage.db));
  afterAll(async () => {
    await storage.close();
  });

  it('enqueues in the caller’s transaction: a rolled-back decision leaves no item', async () => {
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await outbox.enqueue(trx, [item(p1, 'track:1')], t0);
        throw new Error('decision failed');
      }),
    ).rejects.toThrow('decision failed');
    expect(await outbox.list(p1, { limit: 10 })).toEqual([]);
    const ids = await storage.db
      .transaction()
      .execute((trx) => outbox.enqueue(trx, [item(p1, 'a'), item(p1, 'b'), item(p1, 'c')], t0));
    expect(ids).toHaveLength(3);
    expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
    const listed = await outbox.list(p1, { limit: 10 });
    expect(listed.map((e) => e.subject)).toEqual(['c', 'b', 'a']);
    expect(listed[2]).toMatchObject({
      state: 'pending',
      attempts: 0,
      payload: { subject: 'a' },
      notBefore: T0,
    });
  });

  it('refuses bad items, naming the item and the field', async () => {
    await expect(outbox.enqueue(storage.db, [item(p1, 'a'), item(p1, '')], t0)).rejects.toThrow(
      /outbox item 1: subject must be a non-empty string/,
    );
    await expect(outbox.enqueue(storage.db, [item(0, 'a')], t0)).rejects.toThrow(
      /outbox item 0: providerId must be a positive integer/,
    );
    await expect(outbox.enqueue(storage.db, [item(p1, 'a', { payload: { n: 1n } })], t0)).rejects.toThrow(
      /outbox item 0: payload is not JSON/,
    );
    expect(await outbox.list(p1, { limit: 10 })).toEqual([]);
  });

  it('hands out only the first unfinished item of each subject, in id order', async () => {
    const [a1, b1, a2, a3, b2] = await outbox.enqueue(
      storage.db,
      [item(p1, 'a'), item(p1, 'b'), item(p1, 'a'), item(p1, 'a'), item(p1, 'b')],
      t0,
    );
    const first = await outbox.claim('w1', 10, t0, LEASE);
    expect(first.map((i) => i.id)).toEqual([a1, b1]);
    expect(first[0]).toMatchObject({
      attempts: 1,
      ambiguous: false,
      kind: 'test.write',
      payload: { subject: 'a' },
    });
    // While a1 and b1 run, nothing else of their subjects is ready.
    expect(await outbox.claim('w2', 10, t0, LEASE)).toEqual([]);
    expect(await outbox.complete(first[0]!, 'w1', t0, {}, [])).toBe(true);
    expect((await outbox.claim('w2', 10, t0, LEASE)).map((i) => i.id)).toEqual([a2]);
    // A failed item no longer holds its subject back.
    expect(await outbox.fail(first[1]!, 'w1', t0, 'refused', [])).toBe(true);
    expect((await outbox.claim('w2', 10, t0, LEASE)).map((i) => i.id)).toEqual([b2]);
    expect(a3).toBeGreaterThan(a2!);
  });

  it('waits for not_before; JSON scalars survive the round trip', async () => {
    const [later] = await outbox.enqueue(
      storage.db,
      [item(p1, 'a', { notBefore: t0 + 5_000, payload: '42' })],
      t0,
    );
    expect(await outbox.claim('w', 10, t0, LEASE)).toEqual([]);
    const [claimed] = await outbox.claim('w', 10, t0 + 5_000, LEASE);
    expect(claimed).toMatchObject({ id: later, payload: '42' });
    await outbox.complete(claimed!, 'w', t0, { result: 'plain text' }, []);
    expect(await outbox.get(p1, later!)).toMatchObject({ payload: '42', result: 'plain text' });
  });

  it('skips providers whose circuit is open', async () => {
    const health = new IntegrationHealth(storage.db);
    const [x, y] = await outbox.enqueue(storage.db, [item(p1, 'a'), item(p2, 'a')], t0);
    await health.openCircuit(p1, 'credentials rejected', t0);
    expect((await outbox.claim('w', 10, t0, LEASE)).map((i) => i.id)).toEqual([y]);
    await health.closeCircuit(p1, t0);
    expect((await outbox.claim('w', 10, t0, LEASE)).map((i) => i.id)).toEqual([x]);
  });

  it('re-claims an item whose lease expired, as ambiguous; the old holder can no longer end it', async () => {
    const [id] = await outbox.enqueue(storage.db, [item(p1, 'a')], t0);
    const [mine] = await outbox.claim('crashed', 10, t0, LEASE);
    expect(await outbox.claim('w2', 10, t0 + LEASE - 1, LEASE)).toEqual([]);
    const [again] = await outbox.claim('w2', 10, t0 + LEASE, LEASE);
    expect(again).toMatchObject({ id, attempts: 2, ambiguous: true });
    let applied = false;
    const done = {
      result: { by: 'crashed' },
      apply: async () => {
        applied = true;
      },
      followUps: [item(p1, 'b')],
    };
    const write = {
      method: 'POST',
      path: '/service/tickets',
      status: 201,
      outcome: 'ok' as const,
      detail: 'x',
    };
    expect(await outbox.complete(mine!, 'crashed', t0 + LEASE, done, [write])).toBe(false);
    expect(applied).toBe(false);
    expect(await outbox.list(p1, { limit: 10 })).toHaveLength(1);
    expect(await outbox.writes(p1, { limit: 10 })).toEqual([]);
    expect(await outbox.retryLater(mine!, 'crashed', t0, 0, 'x', false, [])).toBe(false);
    expect(await outbox.fail(mine!, 'crashed', t0, 'x', [])).toBe(false);
    expect(await outbox.park(mine!, 'crashed', 'x')).toBe(false);
    expect(await outbox.get(p1, id!)).toMatchObject({ state: 'running', leaseOwner: 'w2' });
  });

  it('renews only the leases it still holds', async () => {
    const [a, b] = await outbox.enqueue(storage.db, [item(p1, 'a'), item(p1, 'b')], t0);
    await outbox.claim('w1', 10, t0, LEASE);
    expect((await outbox.renew('w1', [a!, b!], t0 + 20_000 + LEASE)).sort()).toEqual([a, b].sort());
    expect(await outbox.claim('w2', 10, t0 + LEASE + 1, LEASE)).toEqual([]);
    expect(await outbox.renew('w2', [a!], t0 + 99_000)).toEqual([]);
  });

  it('completes in one transaction: state, result, apply, follow-ups and the write log', async () => {
    const [id] = await outbox.enqueue(storage.db, [item(p1, 'track:1', { customerId: null })], t0);
    const [claimed] = await outbox.claim('w', 10, t0, LEASE);
    const ok = await outbox.complete(
      claimed!,
      'w',
      t0 + 10,
      {
        result: { ticketId: 123 },
        apply: async (trx) => {
          await trx
            .insertInto('con_schedule')
            .values({ name: 'applied', next_run_at: T0, runs: 0 })
            .execute();
        },
        followUps: [item(p1, 'track:1', { kind: 'note.append' })],
      },
      [
        {
          method: 'post',
          path: '/service/tickets?conditions=secret%3D1',
          status: 201,
          outcome: 'ok',
          detail: 'created ticket 123',
        },
      ],
    );
    expect(ok).toBe(true);
    expect(await outbox.get(p1, id!)).toMatchObject({
      state: 'done',
      result: { ticketId: 123 },
      leaseOwner: 'w',
      leaseUntil: null,
      doneAt: new Date(t0 + 10).toISOString(),
    });
    expect(await storage.db.selectFrom('con_schedule').select('name').execute()).toEqual([
      { name: 'applied' },
    ]);
    const [next] = await outbox.claim('w', 10, t0 + 10, LEASE);
    expect(next).toMatchObject({ kind: 'note.append', subject: 'track:1' });
    const writes = await outbox.writes(p1, { limit: 10 });
    expect(writes).toEqual([
      {
        id: expect.any(Number),
        providerId: p1,
        customerId: null,
        outboxId: id,
        at: new Date(t0 + 10).toISOString(),
        method: 'POST',
        path: '/service/tickets',
        status: 201,
        outcome: 'ok',
        detail: 'created ticket 123',
      },
    ]);
  });

  it('rolls the whole completion back when apply throws', async () => {
    const [id] = await outbox.enqueue(storage.db, [item(p1, 'a')], t0);
    const [claimed] = await outbox.claim('w', 10, t0, LEASE);
    const write = { method: 'POST', path: '/x', status: 201, outcome: 'ok' as const, detail: '' };
    await expect(
      outbox.complete(claimed!, 'w', t0, { apply: () => Promise.reject(new Error('apply broke')) }, [write]),
    ).rejects.toThrow('apply broke');
    expect(await outbox.get(p1, id!)).toMatchObject({ state: 'running', leaseOwner: 'w' });
    expect(await outbox.writes(p1, { limit: 10 })).toEqual([]);
  });

  it('completes several items in one transaction, each only while its lease is held', async () => {
    const [a, b, c] = await outbox.enqueue(
      storage.db,
      [item(p1, 'track:1'), item(p1, 'track:2'), item(p2, 'track:3')],
      t0,
    );
    const claimed = await outbox.claim('w', 10, t0, LEASE);
    // Another worker took b over (its lease ran out): w's completion of b must write nothing.
    await storage.db.updateTable('con_outbox').set({ lease_owner: 'w2' }).where('id', '=', b!).execute();
    const applied: number[] = [];
    const write = (detail: string) => ({
      method: 'POST',
      path: '/service/tickets',
      status: 201,
      outcome: 'ok' as const,
      detail,
    });
    const held = await outbox.completeMany(
      'w',
      t0 + 10,
      claimed.map((i) => ({
        item: i,
        done: {
          result: { noteId: i.id },
          apply: async (trx) => {
            applied.push(i.id);
            await trx
              .insertInto('con_schedule')
              .values({ name: `applied ${i.id}`, next_run_at: T0, runs: 0 })
              .execute();
          },
          followUps: [item(i.providerId, i.subject, { kind: 'note.append' })],
        },
        writes: [write(`item ${i.id}`)],
      })),
    );
    expect(claimed.map((i) => i.id)).toEqual([a, b, c]);
    expect(held).toEqual([true, false, true]);
    expect(applied).toEqual([a, c]);
    expect(await outbox.get(p1, a!)).toMatchObject({ state: 'done', result: { noteId: a } });
    expect(await outbox.get(p1, b!)).toMatchObject({ state: 'running', leaseOwner: 'w2', result: null });
    expect(await outbox.get(p2, c!)).toMatchObject({ state: 'done', result: { noteId: c } });
    const schedules = await storage.db.selectFrom('con_schedule').select('name').orderBy('name').execute();
    expect(schedules.map((r) => r.name)).toEqual([`applied ${a}`, `applied ${c}`]);
    const followUps = await storage.db
      .selectFrom('con_outbox')
      .select('subject')
      .where('kind', '=', 'note.append')
      .orderBy('id')
      .execute();
    expect(followUps.map((r) => r.subject)).toEqual(['track:1', 'track:3']);
    expect((await outbox.writes(p1, { limit: 10 })).map((w) => [w.outboxId, w.detail])).toEqual([
      [a, `item ${a}`],
    ]);
    expect((await outbox.writes(p2, { limit: 10 })).map((w) => [w.outboxId, w.detail])).toEqual([
      [c, `item ${c}`],
    ]);
  });

  it('rolls every item of a group back when one item’s apply throws', async () => {
    const ids = await outbox.enqueue(storage.db, [item(p1, 'a'), item(p1, 'b')], t0);
    const claimed = await outbox.claim('w', 10, t0, LEASE);
    const write = { method: 'POST', path: '/x', status: 201, outcome: 'ok' as const, detail: '' };
    await expect(
      outbox.completeMany('w', t0, [
        { item: claimed[0]!, done: { result: 1 }, writes: [write] },
        { item: claimed[1]!, done: { apply: () => Promise.reject(new Error('apply broke')) }, writes: [] },
      ]),
    ).rejects.toThrow('apply broke');
    for (const id of ids)
      expect(await outbox.get(p1, id)).toMatchObject({ state: 'running', leaseOwner: 'w', result: null });
    expect(await outbox.writes(p1, { limit: 10 })).toEqual([]);
  });

  it('retries later (sticky ambiguity), parks without counting, fails, and the admin retries', async () => {
    const [id] = await outbox.enqueue(storage.db, [item(p1, 'a', { customerId: null })], t0);
    let [c] = await outbox.claim('w', 10, t0, LEASE);
    expect(await outbox.retryLater(c!, 'w', t0, 4_000, 'ConnectWise answered 500', true, [])).toBe(true);
    expect(await outbox.get(p1, id!)).toMatchObject({
      state: 'pending',
      ambiguous: true,
      attempts: 1,
      lastError: 'ConnectWise answered 500',
      notBefore: new Date(t0 + 4_000).toISOString(),
    });
    expect(await outbox.claim('w', 10, t0 + 3_999, LEASE)).toEqual([]);
    [c] = await outbox.claim('w', 10, t0 + 4_000, LEASE);
    expect(c).toMatchObject({ attempts: 2, ambiguous: true });
    expect(await outbox.retryLater(c!, 'w', t0 + 4_000, 0, '429', false, [])).toBe(true);
    [c] = await outbox.claim('w', 10, t0 + 4_000, LEASE);
    expect(c).toMatchObject({ attempts: 3, ambiguous: true });
    expect(await outbox.park(c!, 'w', 'credentials rejected')).toBe(true);
    expect(await outbox.get(p1, id!)).toMatchObject({
      state: 'pending',
      attempts: 2,
      lastError: 'credentials rejected',
    });
    [c] = await outbox.claim('w', 10, t0 + 4_000, LEASE);
    expect(
      await outbox.fail(c!, 'w', t0 + 5_000, 'the PSA refused POST /service/tickets (400): bad board', []),
    ).toBe(true);
    expect(await outbox.claim('w', 10, t0 + 10_000, LEASE)).toEqual([]);
    expect((await outbox.list(p1, { state: 'failed', limit: 10 })).map((e) => e.id)).toEqual([id]);
    // The admin's retry: another provider's id is not found; a pending item is not "retried".
    expect(await outbox.retry(p2, id!, t0 + 20_000)).toBe(false);
    expect(await outbox.retry(p1, id!, t0 + 20_000)).toBe(true);
    expect(await outbox.retry(p1, id!, t0 + 20_000)).toBe(false);
    expect(await outbox.get(p1, id!)).toMatchObject({ state: 'pending', attempts: 0, doneAt: null });
    expect(await outbox.claim('w', 10, t0 + 20_000, LEASE)).toMatchObject([{ id, attempts: 1 }]);
  });

  it('lists per provider and customer with paging, and reports depth and the oldest pending age', async () => {
    const customer = Number(
      (
        await storage.db
          .insertInto('con_customer')
          .values({
            provider_id: p1,
            name: 'Initech',
            seats: 10,
            psa_company_identifier: null,
            psa_company_id: null,
            mapping_checked_at: null,
            mapping_state: 'unmapped',
            created_at: T0,
            updated_at: T0,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    const ids = await outbox.enqueue(
      storage.db,
      [
        item(p1, 'a'),
        item(p1, 'b', { customerId: customer }),
        item(p1, 'c', { customerId: customer }),
        item(p2, 'a'),
      ],
      t0,
    );
    await outbox.enqueue(storage.db, [item(p2, 'z')], t0 + 60_000);
    expect((await outbox.list(p1, { customerId: customer, limit: 10 })).map((e) => e.id)).toEqual([
      ids[2],
      ids[1],
    ]);
    expect((await outbox.list(p1, { limit: 2 })).map((e) => e.id)).toEqual([ids[2], ids[1]]);
    expect((await outbox.list(p1, { limit: 2, beforeId: ids[1]! })).map((e) => e.id)).toEqual([ids[0]]);
    expect((await outbox.list(p2, { limit: 10 })).map((e) => e.subject)).toEqual(['z', 'a']);
    await expect(outbox.list(p1, { limit: 0 })).rejects.toThrow(/limit must be an integer from 1 to 1000/);
    const [claimed] = await outbox.claim('w', 1, t0, LEASE);
    await outbox.complete(claimed!, 'w', t0, {}, []);
    expect(await outbox.stats(t0 + 90_000)).toEqual({
      depth: { pending: 4, running: 0, done: 1, failed: 0 },
      oldestPendingAgeMs: 90_000,
    });
  });

  it('never hands one item to two concurrent claimers', async () => {
    const inputs = Array.from({ length: 120 }, (_, i) => item(i % 2 ? p1 : p2, `s${i}`));
    await outbox.enqueue(storage.db, inputs, t0);
    const claimers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        const got: number[] = [];
        for (;;) {
          const batch = await outbox.claim(`w${w}`, 7, t0, LEASE);
          if (batch.length === 0) return got;
          got.push(...batch.map((i) => i.id));
        }
      })(),
    );
    const all = (await Promise.all(claimers)).flat();
    expect(all).toHaveLength(120);
    expect(new Set(all).size).toBe(120);
  });
});
