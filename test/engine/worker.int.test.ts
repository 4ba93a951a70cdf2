// The delivery worker on SQLite and PostgreSQL, with a ManualClock and the in-memory ConnectWise:
// delivery and the write log, Retry-After and backoff, an ambiguous timeout that is found again
// (no duplicate), 401 → circuit open with nothing lost, permanent failure and the admin's retry,
// lost leases, completions committed in groups, lease renewal, the write rate limit and the polling
// loop.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIALS_REJECTED } from '../../src/console/engine/classify.js';
import type { Effect, EffectContext, Effects, OutboxItem } from '../../src/console/engine/types.js';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../src/console/engine/worker.js';
import { FakeConnectWise } from '../../src/console/psa-client/fake.js';
import { type ConnectWiseApi, ConnectWiseError } from '../../src/console/psa-client/types.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Storage } from '../../src/platform/db.js';
import { createMetrics } from '../../src/platform/metrics.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';
import { addProvider, clearEngineTables, item, type Run, recordingEffect, T0 } from './support.js';

const t0 = Date.parse(T0);

/** Creates a ticket carrying the item's marker; after an ambiguous attempt, looks for it first. */
const createTicket: Effect = async (ctx: EffectContext) => {
  const marker = `parasol:${ctx.item.id}`;
  if (ctx.item.ambiguous) {
    const [found] = await ctx.api.list<{ id: number }>('/service/tickets', {
      conditions: `externalXRef = "${marker}"`,
    });
    if (found) {
      ctx.logWrite({
        method: 'POST',
        path: '/service/tickets',
        status: null,
        outcome: 'found-existing',
        detail: `ticket ${found.id} already existed`,
      });
      return { result: { ticketId: found.id } };
    }
  }
  const t = await ctx.api.post<{ id: number }>('/service/tickets', {
    summary: `item ${ctx.item.id}`,
    externalXRef: marker,
  });
  ctx.logWrite({
    method: 'POST',
    path: '/service/tickets',
    status: 201,
    outcome: 'ok',
    detail: `created ticket ${t.id}`,
  });
  return { result: { ticketId: t.id } };
};

/** A client whose next POST reaches the PSA but whose answer is lost (a timeout after the commit). */
function dropNextPostAnswer(api: ConnectWiseApi): ConnectWiseApi {
  let drop = true;
  return Object.assign(Object.create(api) as ConnectWiseApi, {
    async post<T>(path: string, body: unknown): Promise<T> {
      const r = await api.post<T>(path, body);
      if (!drop) return r;
      drop = false;
      throw new ConnectWiseError({
        kind: 'timeout',
        message: `POST ${path} timed out`,
        method: 'POST',
        path,
        attempts: 1,
      });
    },
  });
}

describe.each(databaseKinds)('delivery worker on %s', (kind) => {
  let storage: Storage;
  let clock: ManualClock;
  let p1: number;
  let p2: number;
  let psa: Map<number, FakeConnectWise>;
  let opened: number[];
  let closed: number;

  beforeAll(async () => {
    storage = await openTestStorage(kind);
    p1 = await addProvider(storage.db, 'Acme');
    p2 = await addProvider(storage.db, 'Globex');
  });
  afterAll(async () => {
    await storage.close();
  });
  beforeEach(async () => {
    await clearEngineTables(storage.db);
    clock = new ManualClock(T0);
    psa = new Map([
      [p1, new FakeConnectWise({ now: () => clock.now() })],
      [p2, new FakeConnectWise({ now: () => clock.now() })],
    ]);
    opened = [];
    closed = 0;
  });

  function worker(effects: Effects, extra: Partial<DeliveryWorkerOptions> = {}): DeliveryWorker {
    return new DeliveryWorker({
      storage,
      clock,
      effects,
      owner: 'w1',
      random: () => 0.5,
      clientFor: async (providerId) => {
        opened.push(providerId);
        const fake = psa.get(providerId)!;
        return Object.assign(Object.create(fake) as FakeConnectWise, {
          close: async () => {
            closed++;
          },
        });
      },
      ...extra,
    });
  }
  const enqueue = (...items: ReturnType<typeof item>[]) =>
    worker({}).outbox.enqueue(storage.db, items, clock.now().getTime());
  const tickets = (p: number) => psa.get(p)!.records('/service/tickets');

  it('delivers, logs the writes, shares one client per provider per run, records success', async () => {
    const w = worker({ 'ticket.create': createTicket }, { concurrency: 3 });
    const ids = await enqueue(
      item(p1, 'a', { kind: 'ticket.create' }),
      item(p1, 'b', { kind: 'ticket.create' }),
      item(p2, 'a', { kind: 'ticket.create' }),
    );
    expect(await w.runOnce()).toBe(3);
    expect(opened.sort()).toEqual([p1, p2].sort());
    expect(closed).toBe(2);
    expect(tickets(p1)).toHaveLength(2);
    expect(tickets(p2)).toHaveLength(1);
    const entry = await w.outbox.get(p1, ids[0]!);
    expect(entry).toMatchObject({ state: 'done', attempts: 1, result: { ticketId: expect.any(Number) } });
    const writes = await w.outbox.writes(p1, { limit: 10 });
    expect(writes.map((x) => [x.outboxId, x.method, x.path, x.status, x.outcome])).toEqual([
      [ids[1], 'POST', '/service/tickets', 201, 'ok'],
      [ids[0], 'POST', '/service/tickets', 201, 'ok'],
    ]);
    expect(await w.health.get(p1)).toMatchObject({ circuit: 'closed', lastSuccessAt: T0, lastError: null });
    expect(await w.runOnce()).toBe(0);
  });

  it('honours Retry-After, then backs off exponentially with jitter, an ambiguous retry no sooner than a lease', async () => {
    const runs: Run[] = [];
    const fake = psa.get(p1)!;
    const w = worker(
      {
        'test.write': recordingEffect(runs, async (ctx) => {
          await ctx.api.post('/service/tickets', { summary: 'x' });
          return undefined;
        }),
      },
      { leaseMs: 1_500 },
    );
    const [id] = await enqueue(item(p1, 'a'));
    fake.failNext('/service/tickets', { status: 429, retryAfterSeconds: 30 });
    expect(await w.runOnce()).toBe(0);
    // 30 s + up to 10% jitter (random 0.5 → 5%).
    expect(await w.outbox.get(p1, id!)).toMatchObject({
      state: 'pending',
      ambiguous: false,
      notBefore: new Date(t0 + 31_500).toISOString(),
    });
    clock.advance(31_499);
    expect(await w.runOnce()).toBe(0);
    expect(runs).toHaveLength(1);
    clock.advance(1);
    fake.failNext('/service/tickets', { status: 503 }, 2);
    await w.runOnce();
    // Attempt 2 failed: full jitter over [0, 2 s) → 1 s with random 0.5; but a 503 on POST is
    // ambiguous (the PSA may still apply it), so not before one lease (1.5 s).
    expect(await w.outbox.get(p1, id!)).toMatchObject({
      attempts: 2,
      ambiguous: true,
      notBefore: new Date(clock.now().getTime() + 1_500).toISOString(),
    });
    clock.advance(1_500);
    await w.runOnce();
    expect(await w.outbox.get(p1, id!)).toMatchObject({
      attempts: 3,
      notBefore: new Date(clock.now().getTime() + 2_000).toISOString(),
    });
    clock.advance(2_000);
    expect(await w.runOnce()).toBe(1);
    expect(runs.map((r) => [r.attempts, r.ambiguous])).toEqual([
      [1, false],
      [2, false],
      [3, true],
      [4, true],
    ]);
    const writes = await w.outbox.writes(p1, { limit: 10 });
    expect(writes.map((x) => [x.status, x.outcome])).toEqual([
      [503, 'error'],
      [503, 'error'],
      [429, 'error'],
    ]);
    expect((await w.health.get(p1)).lastError).toMatch(/503/);
  });

  it('a timeout after the PSA committed: the retry finds the ticket instead of creating another', async () => {
    const base = psa.get(p1)!;
    let calls = 0;
    const w = worker(
      { 'ticket.create': createTicket },
      { clientFor: async () => (calls++ === 0 ? dropNextPostAnswer(base) : base) },
    );
    const [id] = await enqueue(item(p1, 'track:1', { kind: 'ticket.create' }));
    expect(await w.runOnce()).toBe(0);
    expect(tickets(p1)).toHaveLength(1);
    expect(await w.outbox.get(p1, id!)).toMatchObject({ state: 'pending', ambiguous: true });
    clock.advance(60_000);
    expect(await w.runOnce()).toBe(1);
    expect(tickets(p1)).toHaveLength(1);
    expect(await w.outbox.get(p1, id!)).toMatchObject({
      state: 'done',
      result: { ticketId: tickets(p1)[0]!.id },
    });
    const writes = await w.outbox.writes(p1, { limit: 10 });
    expect(writes.map((x) => x.outcome)).toEqual(['found-existing', 'error']);
  });

  it('401: the circuit opens, the provider’s items are parked, nothing is lost; fixed → all delivered', async () => {
    const fake = psa.get(p1)!;
    const undeny = fake.deny('*', '/service/tickets', 401);
    const w = worker({ 'ticket.create': createTicket }, { concurrency: 1 });
    const mine = await enqueue(
      ...['a', 'b', 'c', 'd', 'e'].map((s) => item(p1, s, { kind: 'ticket.create' })),
      item(p2, 'a', { kind: 'ticket.create' }),
    );
    expect(await w.runOnce()).toBe(1); // only Globex's item is delivered
    expect(tickets(p2)).toHaveLength(1);
    const health = await w.health.get(p1);
    expect(health).toMatchObject({
      circuit: 'open',
      circuitReason: CREDENTIALS_REJECTED,
      circuitOpenedAt: T0,
    });
    const parked = await w.outbox.list(p1, { limit: 10 });
    expect(parked.every((e) => e.state === 'pending' && e.attempts === 0)).toBe(true);
    expect(parked.every((e) => e.lastError === CREDENTIALS_REJECTED)).toBe(true);
    // Only one request reached the PSA: the rest of the batch was parked without trying.
    expect(fake.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    // While open: nothing is claimed, however long it stays open.
    clock.advance(3_600_000);
    expect(await w.runOnce()).toBe(0);
    expect(fake.calls.filter((c) => c.method === 'POST')).toHaveLength(1);

    undeny();
    expect(await w.health.closeCircuit(p1, clock.now().getTime())).toBe(true);
    expect(await w.runOnce()).toBe(5);
    expect(tickets(p1)).toHaveLength(5);
    for (const id of mine.slice(0, 5))
      expect(await w.outbox.get(p1, id)).toMatchObject({ state: 'done', attempts: 1 });
    expect(await w.health.get(p1)).toMatchObject({ circuit: 'closed', circuitReason: null });
  });

  it('a permanent failure stays failed until the admin retries it', async () => {
    const fake = psa.get(p1)!;
    fake.failNext('/service/tickets', { status: 400, message: 'The board is inactive.' });
    const w = worker({ 'ticket.create': createTicket });
    const [id] = await enqueue(item(p1, 'a', { kind: 'ticket.create' }));
    expect(await w.runOnce()).toBe(1);
    const failed = await w.outbox.get(p1, id!);
    expect(failed).toMatchObject({
      state: 'failed',
      lastError: 'the PSA refused POST /service/tickets (400): The board is inactive.',
    });
    expect((await w.health.get(p1)).lastError).toBe(failed!.lastError);
    clock.advance(86_400_000);
    expect(await w.runOnce()).toBe(0);
    expect(await w.outbox.retry(p1, id!, clock.now().getTime())).toBe(true);
    expect(await w.runOnce()).toBe(1);
    expect(await w.outbox.get(p1, id!)).toMatchObject({ state: 'done', attempts: 1 });
    expect(tickets(p1)).toHaveLength(1);
  });

  it('gives up after maxAttempts, and fails an unknown kind at once', async () => {
    const fake = psa.get(p1)!;
    fake.failNext('/service/tickets', { status: 502 }, 5);
    const w = worker({ 'ticket.create': createTicket }, { maxAttempts: 2 });
    const [retried, unknown] = await enqueue(
      item(p1, 'a', { kind: 'ticket.create' }),
      item(p1, 'b', { kind: 'ticket.teleport' }),
    );
    expect(await w.runOnce()).toBe(1);
    expect(await w.outbox.get(p1, unknown!)).toMatchObject({
      state: 'failed',
      lastError: "no effect for outbox item kind 'ticket.teleport' in this version of Parasol",
    });
    clock.advance(60_000);
    expect(await w.runOnce()).toBe(1);
    expect(await w.outbox.get(p1, retried!)).toMatchObject({
      state: 'failed',
      attempts: 2,
      lastError: expect.stringMatching(/^gave up after 2 attempts; last error: .*502/),
    });
  });

  it('when clientFor fails, retries without marking the item ambiguous', async () => {
    const w = worker(
      { 'ticket.create': createTicket },
      {
        clientFor: () => Promise.reject(new Error('no PSA integration saved for this provider')),
      },
    );
    const [id] = await enqueue(
      item(p1, 'a', { kind: 'ticket.create' }),
      item(p1, 'b', { kind: 'ticket.create' }),
    );
    expect(await w.runOnce()).toBe(0);
    expect(await w.outbox.get(p1, id!)).toMatchObject({
      state: 'pending',
      ambiguous: false,
      lastError: 'unexpected error: no PSA integration saved for this provider',
    });
  });

  it('a worker that lost its lease completes nothing: no apply, no follow-ups, no writes', async () => {
    let applied = false;
    let stolen: OutboxItem[] = [];
    const w = worker({
      'test.write': async (ctx) => {
        clock.advance(31_000); // the effect outlives its lease…
        stolen = await w.outbox.claim('w2', 10, clock.now().getTime(), 30_000);
        ctx.logWrite({ method: 'POST', path: '/x', status: 201, outcome: 'ok', detail: '' });
        return {
          apply: async () => {
            applied = true;
          },
          followUps: [item(p1, 'next')],
        };
      },
    });
    const [id] = await enqueue(item(p1, 'a'));
    expect(await w.runOnce()).toBe(0);
    expect(stolen.map((i) => [i.id, i.ambiguous])).toEqual([[id, true]]);
    expect(applied).toBe(false);
    expect(await w.outbox.list(p1, { limit: 10 })).toHaveLength(1);
    expect(await w.outbox.writes(p1, { limit: 10 })).toEqual([]);
    expect(await w.outbox.get(p1, id!)).toMatchObject({ state: 'running', leaseOwner: 'w2' });
  });

  it('commits finished items within a few ms or every few items, not at the end of the batch', async () => {
    const until = async (done: () => Promise<boolean>) => {
      const deadline = Date.now() + 5_000;
      while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      return done();
    };
    const { outbox } = worker({});
    const isDone = async (id: number) => (await outbox.get(p1, id))?.state === 'done';
    // By time: a's completion commits while b, later in the same batch, is still running.
    let ids: number[] = [];
    let seen: boolean[] = [];
    const effects: Effects = {
      'test.write': async () => ({}),
      'test.wait': async () => {
        seen = [await until(() => isDone(ids[0]!))];
        return {};
      },
    };
    ids = await enqueue(item(p1, 'a'), item(p1, 'b', { kind: 'test.wait' }));
    expect(await worker(effects, { concurrency: 2 }).runOnce()).toBe(2);
    expect(seen).toEqual([true]);
    // By count: with a window longer than the test, the second finished item commits both.
    ids = await enqueue(item(p1, 'c'), item(p1, 'd'), item(p1, 'e', { kind: 'test.wait' }));
    const w = worker(effects, { concurrency: 3, completeEveryItems: 2, completeWithinMs: 600_000 });
    expect(await w.runOnce()).toBe(3);
    expect(seen).toEqual([true]);
    expect(await isDone(ids[1]!)).toBe(true);
  });

  it('a failing completion in a group fails only its own item; the others stay done', async () => {
    const runs: Run[] = [];
    const w = worker(
      {
        'test.write': recordingEffect(runs, (ctx) => {
          ctx.logWrite({ method: 'POST', path: '/x', status: 201, outcome: 'ok', detail: ctx.item.subject });
          return ctx.item.subject === 'b'
            ? { apply: () => Promise.reject(new Error('apply broke')) }
            : undefined;
        }),
      },
      // One group: every completion waits for the end of the batch.
      { concurrency: 3, completeWithinMs: 600_000, leaseMs: 10_000 },
    );
    const [a, b, c] = await enqueue(item(p1, 'a'), item(p1, 'b'), item(p1, 'c'));
    expect(await w.runOnce()).toBe(2);
    expect(runs).toHaveLength(3);
    expect(await w.outbox.get(p1, a!)).toMatchObject({ state: 'done', result: { ran: a } });
    expect(await w.outbox.get(p1, c!)).toMatchObject({ state: 'done', result: { ran: c } });
    // b's write went through: it runs again as ambiguous, no sooner than one lease later.
    expect(await w.outbox.get(p1, b!)).toMatchObject({
      state: 'pending',
      ambiguous: true,
      lastError: 'the PSA write went through but recording it failed: apply broke',
      notBefore: new Date(t0 + 10_000).toISOString(),
    });
    const writes = await w.outbox.writes(p1, { limit: 10 });
    expect(writes.map((x) => [x.outboxId, x.detail]).sort()).toEqual(
      [
        [a, 'a'],
        [b, 'b'],
        [c, 'c'],
      ].sort(),
    );
  });

  it('a lease taken over while the completion waits: nothing is recorded, the new holder finds the ticket', async () => {
    let stolen: OutboxItem[] = [];
    const w = worker(
      {
        'ticket.create': createTicket,
        'test.write': async (ctx) => {
          if (ctx.item.ambiguous) return {};
          // The ticket is in the PSA; its completion waits for the end of the batch. The worker
          // stalls past its lease (as a crashed one would), and another takes both items.
          while (tickets(p1).length === 0) await new Promise((r) => setImmediate(r));
          clock.advance(31_000);
          stolen = await w.outbox.claim('w2', 10, clock.now().getTime(), 30_000);
          return {};
        },
      },
      { concurrency: 2, completeWithinMs: 600_000 },
    );
    const [created, other] = await enqueue(
      item(p1, 'track:1', { kind: 'ticket.create' }),
      item(p1, 'track:2'),
    );
    expect(await w.runOnce()).toBe(0);
    expect(stolen.map((i) => [i.id, i.ambiguous])).toEqual([
      [created, true],
      [other, true],
    ]);
    expect(await w.outbox.get(p1, created!)).toMatchObject({
      state: 'running',
      leaseOwner: 'w2',
      result: null,
    });
    expect(await w.outbox.writes(p1, { limit: 10 })).toEqual([]);
    // w2 never finishes either; after its lease the item runs once more and finds its marker.
    clock.advance(30_000);
    expect(await w.runOnce()).toBe(2);
    expect(tickets(p1)).toHaveLength(1);
    expect(await w.outbox.get(p1, created!)).toMatchObject({
      state: 'done',
      result: { ticketId: tickets(p1)[0]!.id },
    });
    const writes = await w.outbox.writes(p1, { limit: 10 });
    expect(writes.map((x) => [x.outboxId, x.outcome])).toEqual([[created, 'found-existing']]);
  });

  it('three workers completing in groups keep each subject in order and deliver every write once in effect', async () => {
    // 6 subjects × 5 items, interleaved; three workers share the outbox, each completing in groups
    // (every 3 items or 5 ms). Every item creates a ticket with its marker (an ambiguous attempt
    // looks for it first) and its apply inserts a row whose key is the item: a second apply of one
    // item would fail on the key. Some applies fail once (their group rolls back and is completed
    // one by one), some twice (the item comes back ambiguous one lease later).
    const subjects = ['s0', 's1', 's2', 's3', 's4', 's5'];
    const ids = await enqueue(...Array.from({ length: 30 }, (_, i) => item(p1, subjects[i % 6]!)));
    const failApply = new Map(ids.map((id, i) => [id, i % 7 === 3 ? 1 : i % 11 === 5 ? 2 : 0]));
    const outOfOrder: string[] = [];
    const effect: Effect = async (ctx) => {
      // Every earlier item of the subject is done before this one runs.
      const open = await storage.db
        .selectFrom('con_outbox')
        .select('id')
        .where('subject', '=', ctx.item.subject)
        .where('id', '<', ctx.item.id)
        .where('state', '!=', 'done')
        .execute();
      if (open.length > 0) outOfOrder.push(`${ctx.item.id} before ${open.map((r) => r.id).join(',')}`);
      const done = await createTicket(ctx);
      return {
        ...done,
        apply: async (trx) => {
          const left = failApply.get(ctx.item.id) ?? 0;
          if (left > 0) {
            failApply.set(ctx.item.id, left - 1);
            throw new Error(`apply of ${ctx.item.id} failed`);
          }
          await trx
            .insertInto('con_schedule')
            .values({ name: `applied ${ctx.item.id}`, next_run_at: T0, runs: 0 })
            .execute();
        },
      };
    };
    const workers = ['w1', 'w2', 'w3'].map((owner) =>
      worker(
        { 'test.write': effect },
        { owner, batchSize: 4, concurrency: 3, completeEveryItems: 3, completeWithinMs: 5, leaseMs: 10_000 },
      ),
    );
    for (let round = 0; round < 20; round++) {
      const finished = await Promise.all(workers.map((w) => w.runOnce()));
      const { depth } = await workers[0]!.outbox.stats(clock.now().getTime());
      if (depth.pending + depth.running === 0) break;
      // Nothing ready now: the ambiguous ones wait one lease.
      if (finished.every((n) => n === 0)) clock.advance(10_000);
    }
    expect(outOfOrder).toEqual([]);
    const items = await storage.db.selectFrom('con_outbox').select(['id', 'state']).orderBy('id').execute();
    expect(items.map((r) => [Number(r.id), r.state])).toEqual(ids.map((id) => [id, 'done']));
    // One ticket per item, one apply per item.
    const markers = tickets(p1).map((t) => (t as { externalXRef: string }).externalXRef);
    expect(markers.sort()).toEqual(ids.map((id) => `parasol:${id}`).sort());
    const applied = await storage.db.selectFrom('con_schedule').select('name').execute();
    expect(applied.map((r) => r.name).sort()).toEqual(ids.map((id) => `applied ${id}`).sort());
    // Only items whose apply failed ran again (ambiguous, finding their ticket); those that failed
    // twice always did (a group's rollback absorbs at most one failure: the item is then completed
    // alone); one that failed once did only when it had been alone in its group.
    const found = new Set(
      (await workers[0]!.outbox.writes(p1, { limit: 1000 }))
        .filter((w) => w.outcome === 'found-existing')
        .map((w) => w.outboxId!),
    );
    const failing = ids.filter((_, i) => i % 7 === 3 || i % 11 === 5);
    const twice = ids.filter((_, i) => i % 7 !== 3 && i % 11 === 5);
    expect([...found].filter((id) => !failing.includes(id))).toEqual([]);
    expect(twice.filter((id) => !found.has(id))).toEqual([]);
  });

  it('renews leases while an effect runs longer than half the lease', async () => {
    const leaseMs = 200;
    let stolen: OutboxItem[] | undefined;
    const w = worker(
      {
        'test.write': async (ctx) => {
          clock.advance(150);
          await new Promise((r) => setTimeout(r, 400)); // renewals fire every ~100 ms meanwhile
          clock.advance(150); // 300 ms since the claim: past the first lease, not the renewed one
          stolen = await w.outbox.claim('w2', 10, clock.now().getTime(), leaseMs);
          return ctx.item.ambiguous ? {} : { result: 'kept' };
        },
      },
      { leaseMs },
    );
    const [id] = await enqueue(item(p1, 'a'));
    expect(await w.runOnce()).toBe(1);
    expect(stolen).toEqual([]);
    expect(await w.outbox.get(p1, id!)).toMatchObject({ state: 'done', result: 'kept', leaseOwner: 'w1' });
  });

  it('keeps to the write rate limit per provider, deferring without counting attempts', async () => {
    const runs: Run[] = [];
    const w = worker({ 'test.write': recordingEffect(runs) }, { writesPerMinute: 2 });
    await enqueue(...['a', 'b', 'c', 'd', 'e'].map((s) => item(p1, s)), item(p2, 'a'));
    expect(await w.runOnce()).toBe(3); // two of Acme's, Globex's one
    const waiting = await w.outbox.list(p1, { state: 'pending', limit: 10 });
    expect(waiting).toHaveLength(3);
    expect(
      waiting.every((e) => e.attempts === 0 && e.notBefore === new Date(t0 + 30_000).toISOString()),
    ).toBe(true);
    expect(await w.runOnce()).toBe(0);
    clock.advance(30_000);
    expect(await w.runOnce()).toBe(1);
    clock.advance(60_000);
    expect(await w.runOnce()).toBe(2);
    expect(runs).toHaveLength(6);
  });

  it('polls: start delivers everything in subject order, wake runs at once, stop waits', async () => {
    const runs: Run[] = [];
    const metrics = createMetrics();
    const w = worker(
      {
        'test.write': recordingEffect(runs, async () => {
          await new Promise((r) => setTimeout(r, 2));
          return undefined;
        }),
      },
      { batchSize: 3, concurrency: 2, pollMs: 10_000, metrics },
    );
    await enqueue(...Array.from({ length: 12 }, (_, i) => item(p1, `s${i % 3}`)));
    w.start();
    const until = async (done: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };
    await until(() => runs.length === 12);
    expect(runs).toHaveLength(12);
    for (const s of ['s0', 's1', 's2']) {
      const ids = runs.filter((r) => r.subject === s).map((r) => r.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    // Idle with a 10 s poll: an enqueue followed by wake() is delivered at once.
    await enqueue(item(p1, 'late'));
    w.wake();
    await until(() => runs.length === 13);
    expect(runs.at(-1)?.subject).toBe('late');
    await w.stop();
    expect((await w.outbox.stats(clock.now().getTime())).depth).toEqual({
      pending: 0,
      running: 0,
      done: 13,
      failed: 0,
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('parasol_outbox_attempts_total{outcome="done"} 13');
    expect(text).toContain('parasol_outbox_items{state="done"} 13');
    expect(text).toContain('parasol_outbox_oldest_pending_seconds 0');
  });

  it('polls with one client per provider across back-to-back batches; idle or an opened circuit closes it', async () => {
    const runs: Run[] = [];
    const w = worker(
      { 'test.write': recordingEffect(runs), 'ticket.create': createTicket },
      { batchSize: 2, concurrency: 1, pollMs: 10_000 },
    );
    const until = async (done: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };
    await enqueue(...Array.from({ length: 6 }, (_, i) => item(p1, `s${i}`)));
    w.start();
    await until(() => runs.length === 6 && closed === 1);
    // Three batches, one client, closed once the loop found nothing more to do.
    expect(runs).toHaveLength(6);
    expect(opened).toEqual([p1]);
    expect(closed).toBe(1);

    // Globex refuses the credentials: its client goes with the batch in which its circuit opened.
    const undeny = psa.get(p2)!.deny('*', '/service/tickets', 401);
    await enqueue(item(p2, 'x', { kind: 'ticket.create' }), item(p1, 'y'), item(p1, 'z'), item(p1, 'w'));
    w.wake();
    await until(() => runs.length === 9 && closed === 3);
    await w.stop();
    expect(runs.map((r) => r.subject).slice(6)).toEqual(['y', 'z', 'w']);
    expect(opened).toEqual([p1, p2, p1]);
    expect(closed).toBe(3);
    expect(await w.health.get(p2)).toMatchObject({ circuit: 'open' });
    undeny();
  });

  it('refuses bad options, naming them', () => {
    expect(() => worker({}, { leaseMs: 0 })).toThrow(/leaseMs must be a positive integer, got 0/);
    expect(() => worker({}, { concurrency: 1.5 })).toThrow(/concurrency must be a positive integer/);
  });
});
