import { utils } from 'connectwise-rest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestStorage } from '../../../test/support/databases.js';
import { cwDate, ManualClock } from '../../platform/clock.js';
import type { Storage } from '../../platform/db.js';
import { createLogger } from '../../platform/logger.js';
import { RecordStore } from '../store/records.js';
import { CallbackDispatcher, type DeliveryFetch } from './callback-dispatcher.js';
import { CALLBACK_ENTITY } from './callbacks.js';

const START = '2026-03-02T10:00:00Z';
const SIGNING_KEY = 'k3y-for-the-dispatcher-tests-0123456789abcdefghij';
const logger = createLogger('silent');

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** A fetch that records every request and answers with what `answer` says for it. */
function fakeFetch(answer: (sent: Sent, n: number) => number | Promise<number>) {
  const sent: Sent[] = [];
  const fetch: DeliveryFetch = async (url, init) => {
    const request = { url, headers: init.headers, body: init.body, signal: init.signal };
    sent.push(request);
    return { status: await answer(request, sent.length), body: null };
  };
  return { fetch, sent };
}

describe.each(databaseKinds)('CallbackDispatcher on %s', (kind) => {
  let storage: Storage;
  let keyId: number;
  let clock: ManualClock;

  beforeAll(async () => {
    storage = await openTestStorage(kind);
    const key = await storage.db
      .insertInto('psa_signing_key')
      .values({ signing_key: SIGNING_KEY, created_at: START })
      .returning('id')
      .executeTakeFirstOrThrow();
    keyId = Number(key.id);
  });
  afterAll(async () => storage?.close());
  beforeEach(async () => {
    await storage.db.deleteFrom('psa_callback_delivery').execute();
    clock = new ManualClock(START);
  });

  const payload = (id: number) => ({
    Action: 'added',
    CompanyId: 'parasol',
    Entity: JSON.stringify({ id, summary: `Ticket ${id} — "quoted" ünïcode` }),
    FromUrl: `https://psa.test/v4_6_release/apis/3.0/service/tickets/${id}`,
    ID: id,
    MemberId: 'integrator',
    Metadata: { key_url: `https://psa.test/v4_6_release/apis/3.0/system/callbacks/signingKeys/${keyId}` },
    Type: 'ticket',
  });

  async function enqueue(count = 1, callbackId = 1): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const row = await storage.db
        .insertInto('psa_callback_delivery')
        .values({
          callback_id: callbackId,
          url: `http://receiver.test/cw?recordId=${100 + i}&action=added&id=${100 + i}`,
          body: JSON.stringify(payload(100 + i)),
          status: 'pending',
          attempts: 0,
          next_attempt_at: cwDate(clock.now()),
          lease_until: null,
          last_error: null,
          created_at: cwDate(clock.now()),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(Number(row.id));
    }
    return ids;
  }

  const row = (id: number) =>
    storage.db.selectFrom('psa_callback_delivery').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  const dispatcher = (fetch: DeliveryFetch, extra: { timeoutMs?: number; batchSize?: number } = {}) =>
    new CallbackDispatcher({ storage, clock, logger, fetch, ...extra });

  it('delivers on the first try with a signature connectwise-rest verifies', async () => {
    const [id] = await enqueue();
    const { fetch, sent } = fakeFetch(() => 200);
    const d = dispatcher(fetch);
    expect(await d.runOnce()).toBe(1);
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request!.url).toBe('http://receiver.test/cw?recordId=100&action=added&id=100');
    expect(request!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request!.body);
    expect(body).toEqual(payload(100));
    const signature = request!.headers['x-content-signature']!;
    expect(utils.Callback.verifyMessage(body, signature, SIGNING_KEY)).toBe(true);
    expect(utils.Callback.verifyMessage(body, signature, `${SIGNING_KEY}x`)).toBe(false);
    expect(utils.Callback.verifyMessage({ ...body, ID: 101 }, signature, SIGNING_KEY)).toBe(false);
    expect(await row(id!)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lease_until: null,
      last_error: null,
    });
    expect(await d.runOnce()).toBe(0);
    expect(sent).toHaveLength(1);
  });

  it('retries after 2 s and then 4 s, not before, and delivers on the third try', async () => {
    const [id] = await enqueue();
    const { fetch, sent } = fakeFetch((_s, n) => (n < 3 ? 500 : 204));
    const d = dispatcher(fetch);
    expect(await d.runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'HTTP 500',
      next_attempt_at: '2026-03-02T10:00:02Z',
    });
    expect(await d.runOnce()).toBe(0);
    clock.advance(1999);
    expect(await d.runOnce()).toBe(0);
    clock.advance(1);
    expect(await d.runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'pending', attempts: 2, last_error: 'HTTP 500' });
    clock.advance(3999);
    expect(await d.runOnce()).toBe(0);
    clock.advance(1);
    expect(await d.runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
    expect(sent).toHaveLength(3);
    // Every retry carries the same body and signature.
    expect(new Set(sent.map((s) => s.body)).size).toBe(1);
    expect(new Set(sent.map((s) => s.headers['x-content-signature'])).size).toBe(1);
  });

  it('marks a delivery failed after three failing tries, and retries 404/409/419/429 and network errors', async () => {
    const answers: Array<number | Error> = [429, new TypeError('fetch failed'), 503];
    const [id] = await enqueue();
    const { fetch, sent } = fakeFetch((_s, n) => {
      const a = answers[n - 1]!;
      if (a instanceof Error) throw a;
      return a;
    });
    const d = dispatcher(fetch);
    expect(await d.runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 429' });
    clock.advance(2000);
    expect(await d.runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({
      status: 'pending',
      attempts: 2,
      last_error: expect.stringContaining('network error: fetch failed'),
    });
    clock.advance(4000);
    expect(await d.runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'HTTP 503' });
    clock.advance(60_000);
    expect(await d.runOnce()).toBe(0);
    expect(sent).toHaveLength(3);

    for (const status of [404, 409, 419]) {
      const [retried] = await enqueue();
      const once = dispatcher(fakeFetch(() => status).fetch);
      expect(await once.runOnce()).toBe(1);
      expect(await row(retried!)).toMatchObject({
        status: 'pending',
        attempts: 1,
        last_error: `HTTP ${status}`,
      });
    }
  });

  it('fails at once on a status that is not retried (400, 401, a redirect)', async () => {
    for (const status of [400, 401, 302]) {
      const [id] = await enqueue();
      const { fetch, sent } = fakeFetch(() => status);
      expect(await dispatcher(fetch).runOnce()).toBe(1);
      expect(sent).toHaveLength(1);
      expect(await row(id!)).toMatchObject({ status: 'failed', attempts: 1, last_error: `HTTP ${status}` });
    }
  });

  it('aborts a request that outlives the timeout and retries it', async () => {
    const [id] = await enqueue();
    const signals: AbortSignal[] = [];
    const hanging: DeliveryFetch = async (_url, init) => {
      signals.push(init.signal);
      // A receiver that never answers: only the abort ends the request.
      return new Promise((_resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    };
    const started = Date.now();
    expect(await dispatcher(hanging, { timeoutMs: 50 }).runOnce()).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(signals[0]?.aborted).toBe(true);
    expect(await row(id!)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'timeout after 50 ms',
    });

    // A fetch that ignores the abort signal is given up on all the same.
    const deaf: DeliveryFetch = () => new Promise(() => undefined);
    clock.advance(2000);
    expect(await dispatcher(deaf, { timeoutMs: 50 }).runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({
      status: 'pending',
      attempts: 2,
      last_error: 'timeout after 50 ms',
    });

    clock.advance(4000);
    const { fetch } = fakeFetch(() => 200);
    expect(await dispatcher(fetch, { timeoutMs: 50 }).runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('does not hand a leased delivery to another dispatcher until the lease expires', async () => {
    const [id] = await enqueue();
    let release!: (status: number) => void;
    const slow = fakeFetch(() => new Promise<number>((resolve) => (release = resolve)));
    const first = dispatcher(slow.fetch).runOnce();
    await expect.poll(() => slow.sent.length).toBe(1);
    const other = fakeFetch(() => 200);
    expect(await dispatcher(other.fetch).runOnce()).toBe(0);
    // The first dispatcher is presumed dead once its 30 s lease has run out: the row is taken again.
    clock.advance(30_000);
    expect(await dispatcher(other.fetch).runOnce()).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'delivered', attempts: 1 });
    // The late answer of the first dispatcher no longer changes the row.
    release(500);
    expect(await first).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
  });

  it('deactivates a callback whose deliveries have failed for 3 days with no success', async () => {
    const records = new RecordStore(storage.db, storage.dialect);
    const callbackId = await records.insert(CALLBACK_ENTITY, {
      data: {
        url: 'http://receiver.test/cw',
        type: 'ticket',
        level: 'owner',
        objectId: 1,
        inactiveFlag: false,
      },
      at: START,
    });
    const inactive = async () => (await records.get(CALLBACK_ENTITY, callbackId))?.data.inactiveFlag;
    const failing = fakeFetch(() => 400);

    // A first failure starts the streak; failing again 2 days later keeps the callback active.
    await enqueue(1, callbackId);
    expect(await dispatcher(failing.fetch).runOnce()).toBe(1);
    clock.advance(2 * 24 * 3600_000);
    await enqueue(1, callbackId);
    expect(await dispatcher(failing.fetch).runOnce()).toBe(1);
    expect(await inactive()).toBe(false);

    // A success resets the streak: 3 days after the first failure, failing again is not enough.
    await enqueue(1, callbackId);
    expect(await dispatcher(fakeFetch(() => 200).fetch).runOnce()).toBe(1);
    clock.advance(1 * 24 * 3600_000);
    await enqueue(1, callbackId);
    expect(await dispatcher(failing.fetch).runOnce()).toBe(1);
    expect(await inactive()).toBe(false);

    // 3 days of failures since that success: the callback is switched off.
    clock.advance(3 * 24 * 3600_000);
    await enqueue(1, callbackId);
    expect(await dispatcher(failing.fetch).runOnce()).toBe(1);
    expect(await inactive()).toBe(true);
    const stored = await records.get(CALLBACK_ENTITY, callbackId);
    expect(stored?.data).toMatchObject({ url: 'http://receiver.test/cw', type: 'ticket', level: 'owner' });
  });

  it('runs in the background until stopped, and stop waits for the run in flight', async () => {
    const [id] = await enqueue();
    let release!: (status: number) => void;
    const { fetch, sent } = fakeFetch(() => new Promise<number>((resolve) => (release = resolve)));
    const d = dispatcher(fetch);
    d.start(10);
    await expect.poll(() => sent.length).toBe(1);
    const stopping = d.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release(200);
    await stopping;
    expect(await row(id!)).toMatchObject({ status: 'delivered' });
    // Nothing runs after stop().
    await enqueue();
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toHaveLength(1);
  });

  it.runIf(kind === 'postgres')('never sends a delivery twice when two dispatchers run at once', async () => {
    const ids = await enqueue(40);
    const sentBy = new Map<string, number>();
    const slowOk: DeliveryFetch = async (url) => {
      sentBy.set(url, (sentBy.get(url) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 5)));
      return { status: 200, body: null };
    };
    const drain = async (d: CallbackDispatcher) => {
      let total = 0;
      for (;;) {
        const n = await d.runOnce();
        if (n === 0) return total;
        total += n;
      }
    };
    const a = dispatcher(slowOk, { batchSize: 5 });
    const b = dispatcher(slowOk, { batchSize: 5 });
    const [byA, byB] = await Promise.all([drain(a), drain(b)]);
    expect(byA + byB).toBe(40);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(sentBy.size).toBe(40);
    expect([...sentBy.values()].every((n) => n === 1)).toBe(true);
    const rows = await storage.db
      .selectFrom('psa_callback_delivery')
      .select(['id', 'status', 'attempts'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
  });
});
