// Callbacks (PSA-8), delivery: sends the rows callbacks.ts wrote to `psa_callback_delivery` the way
// ConnectWise does (connectwise-api.md §6.7):
// * POST to the row's url, body = the payload JSON, `x-content-signature` =
//   base64(HMAC-SHA256(key = SHA-256(signing key) bytes, message = the body)), the signing key being
//   the one the payload's Metadata.key_url names (connectwise-rest's `verifyMessage` accepts it);
// * any 2xx is success; 404/409/419/429, 5xx, network errors and timeouts (5 s) are retried twice,
//   after 2 s and then 4 s; anything else, or the last retry failing, marks the delivery failed;
// * a callback whose deliveries keep failing is deactivated (inactiveFlag = true): when a delivery
//   finally fails and the oldest failed delivery since the callback's last success (or ever, if it
//   never succeeded) finished at least 3 days ago, the callback is switched off.
//
// Claiming: due rows (pending, next_attempt_at <= now, no live lease) get `lease_until` in one
// `UPDATE … RETURNING`, whose pick locks the rows `FOR UPDATE SKIP LOCKED` on PostgreSQL so that
// several dispatchers never take the same row (SQLite has a single writer). A dispatcher
// that dies mid-send leaves a lease that expires, after which the row is claimed again.
//
// Timestamps are ConnectWise's second-precision strings (like every other timestamp in the tables);
// retry times are rounded up to the next whole second so a retry is never early. Once a delivery is
// finished (delivered or failed), its `next_attempt_at` holds when its last attempt was made.
import { createHash, createHmac } from 'node:crypto';
import { type Clock, cwDate } from '../../platform/clock.js';
import type { Storage } from '../../platform/db.js';
import type { PsaCallbackDeliveryTable } from '../../platform/db-types.js';
import type { Logger } from '../../platform/logger.js';
import { RecordStore } from '../store/records.js';
import { CALLBACK_ENTITY } from './callbacks.js';

/** The part of `fetch` the dispatcher uses; the global fetch fits, tests inject their own. */
export type DeliveryFetch = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    redirect: 'manual';
  },
) => Promise<{ status: number; body?: { cancel(): Promise<void> } | null }>;

export interface CallbackDispatcherOptions {
  storage: Storage;
  clock: Clock;
  logger: Logger;
  fetch?: DeliveryFetch;
  /** Waits before each retry; its length is the number of retries. */
  retryDelaysMs?: number[];
  timeoutMs?: number;
  /**
   * How long a claimed row stays reserved for this dispatcher: it must cover sending a whole batch,
   * i.e. exceed ceil(batchSize / concurrency) × timeoutMs (20 s with the defaults).
   */
  leaseMs?: number;
  /** How many deliveries are sent at the same time. */
  concurrency?: number;
  /** How many due rows one `runOnce` claims. */
  batchSize?: number;
}

type Delivery = Pick<PsaCallbackDeliveryTable, 'url' | 'body' | 'attempts'> & {
  id: number;
  callback_id: number;
  lease_until: string | null;
};

type Outcome = { ok: true } | { ok: false; retryable: boolean; error: string };

/** Statuses after which ConnectWise tries again (besides 5xx). */
const RETRYABLE_STATUSES = new Set([404, 409, 419, 429]);
const DAY_MS = 24 * 60 * 60 * 1000;
/** Failing this long without a success deactivates a callback. */
export const DEACTIVATE_AFTER_MS = 3 * DAY_MS;

export class CallbackDispatcher {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly fetch: DeliveryFetch;
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly records: RecordStore;
  /** Signing keys never change once written, so they are cached by id. */
  private readonly keys = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(options: CallbackDispatcherOptions) {
    this.storage = options.storage;
    this.clock = options.clock;
    this.logger = options.logger;
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.retryDelaysMs = options.retryDelaysMs ?? [2000, 4000];
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.batchSize = Math.max(1, options.batchSize ?? 32);
    this.records = new RecordStore(options.storage.db, options.storage.dialect);
  }

  /** Claims the deliveries that are due, sends them, records the outcomes; returns how many. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const delivery = claimed[next++]!;
        try {
          await this.deliver(delivery);
        } catch (err) {
          // Only storage errors get here; the lease expires and the row is tried again later.
          this.logger.error({ err, deliveryId: delivery.id }, 'callback delivery could not be recorded');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, claimed.length) }, worker));
    return claimed.length;
  }

  /** Runs `runOnce` every `intervalMs` (at once again after a full batch) until `stop()`. */
  start(intervalMs = 500): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      this.timer = undefined;
      if (this.stopped) return;
      let processed = 0;
      const run = this.runOnce();
      this.running = run;
      try {
        processed = await run;
      } catch (err) {
        this.logger.error({ err }, 'callback dispatcher run failed');
      } finally {
        this.running = undefined;
      }
      if (this.stopped) return;
      this.timer = setTimeout(tick, processed >= this.batchSize ? 0 : intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, intervalMs);
    this.timer.unref();
  }

  /** Stops the background loop and waits for the run in flight, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async claim(): Promise<Delivery[]> {
    const now = this.clock.now();
    const nowText = cwDate(now);
    const lease = cwDate(new Date(now.getTime() + this.leaseMs));
    const columns = ['id', 'callback_id', 'url', 'body', 'attempts', 'lease_until'] as const;
    const db = this.storage.db;
    const postgres = this.storage.dialect === 'postgres';
    // One statement (an idle worker process runs it twice a second): the rows are picked and leased
    // at once.
    return db
      .updateTable('psa_callback_delivery')
      .set({ lease_until: lease })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('psa_callback_delivery')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', nowText)
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', nowText)]))
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(this.batchSize)
          // PostgreSQL: rows another dispatcher is taking are skipped, not waited for.
          .$if(postgres, (q) => q.forUpdate().skipLocked()),
      )
      .returning(columns)
      .execute();
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const outcome = await this.send(delivery);
    const attempts = delivery.attempts + 1;
    const now = this.clock.now();
    const nowText = cwDate(now);
    const row = this.storage.db
      .updateTable('psa_callback_delivery')
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      // The lease we claimed with: if it expired and another dispatcher took the row, it records.
      .where('lease_until', '=', delivery.lease_until ?? '');
    if (outcome.ok) {
      await row
        .set({ status: 'delivered', attempts, next_attempt_at: nowText, lease_until: null, last_error: null })
        .execute();
      this.logger.debug({ deliveryId: delivery.id, callbackId: delivery.callback_id }, 'callback delivered');
      return;
    }
    const delay = this.retryDelaysMs[attempts - 1];
    if (outcome.retryable && delay !== undefined) {
      const due = new Date(Math.ceil((now.getTime() + delay) / 1000) * 1000);
      await row
        .set({ attempts, next_attempt_at: cwDate(due), lease_until: null, last_error: outcome.error })
        .execute();
      this.logger.info(
        { deliveryId: delivery.id, callbackId: delivery.callback_id, attempts, error: outcome.error },
        'callback delivery will be retried',
      );
      return;
    }
    const res = await row
      .set({
        status: 'failed',
        attempts,
        next_attempt_at: nowText,
        lease_until: null,
        last_error: outcome.error,
      })
      .executeTakeFirst();
    this.logger.warn(
      { deliveryId: delivery.id, callbackId: delivery.callback_id, attempts, error: outcome.error },
      'callback delivery failed',
    );
    if (Number(res.numUpdatedRows) > 0) await this.deactivateIfFailingLong(delivery.callback_id, now);
  }

  /** One attempt: never throws, tells whether it worked and, if not, whether to try again. */
  private async send(delivery: Delivery): Promise<Outcome> {
    let signature: string;
    try {
      const key = await this.signingKey(delivery.body);
      if (key === undefined) return { ok: false, retryable: false, error: 'signing key not found' };
      const hmacKey = createHash('sha256').update(key).digest();
      signature = createHmac('sha256', hmacKey).update(delivery.body).digest('base64');
    } catch (err) {
      return { ok: false, retryable: false, error: `cannot sign payload: ${messageOf(err)}` };
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('timeout');
      }, this.timeoutMs);
    });
    try {
      const response = await Promise.race([
        this.fetch(delivery.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-content-signature': signature },
          body: delivery.body,
          signal: controller.signal,
          redirect: 'manual',
        }),
        timeout,
      ]);
      if (response === 'timeout')
        return { ok: false, retryable: true, error: `timeout after ${this.timeoutMs} ms` };
      // The receiver's answer is not read; releasing it frees the connection.
      response.body?.cancel().catch(() => undefined);
      const status = response.status;
      if (status >= 200 && status < 300) return { ok: true };
      return {
        ok: false,
        retryable: RETRYABLE_STATUSES.has(status) || status >= 500,
        error: `HTTP ${status}`,
      };
    } catch (err) {
      if (controller.signal.aborted)
        return { ok: false, retryable: true, error: `timeout after ${this.timeoutMs} ms` };
      return { ok: false, retryable: true, error: `network error: ${messageOf(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The signing key named by the payload's Metadata.key_url (`…/signingKeys/{id}`). */
  private async signingKey(body: string): Promise<string | undefined> {
    const payload = JSON.parse(body) as { Metadata?: { key_url?: unknown } };
    const match = /\/signingKeys\/(\d+)$/i.exec(String(payload.Metadata?.key_url ?? ''));
    if (!match) return undefined;
    const id = Number(match[1]);
    const cached = this.keys.get(id);
    if (cached !== undefined) return cached;
    const row = await this.storage.db
      .selectFrom('psa_signing_key')
      .select('signing_key')
      .where('id', '=', id)
      .executeTakeFirst();
    if (row) this.keys.set(id, row.signing_key);
    return row?.signing_key;
  }

  /** Deactivates the callback when its deliveries have failed, with no success, for 3 days. */
  private async deactivateIfFailingLong(callbackId: number, now: Date): Promise<void> {
    const db = this.storage.db;
    const lastSuccess = await db
      .selectFrom('psa_callback_delivery')
      .select((eb) => eb.fn.max('next_attempt_at').as('at'))
      .where('callback_id', '=', callbackId)
      .where('status', '=', 'delivered')
      .executeTakeFirst();
    let failures = db
      .selectFrom('psa_callback_delivery')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('callback_id', '=', callbackId)
      .where('status', '=', 'failed');
    if (lastSuccess?.at) failures = failures.where('next_attempt_at', '>', lastSuccess.at);
    const firstFailure = (await failures.executeTakeFirst())?.at;
    if (!firstFailure) return;
    if (now.getTime() - new Date(firstFailure).getTime() < DEACTIVATE_AFTER_MS) return;
    const deactivated = await this.records.transaction(async (trx) => {
      const callback = await this.records.get(CALLBACK_ENTITY, callbackId, trx);
      if (!callback || callback.data.inactiveFlag === true) return false;
      const info = { ...((callback.data._info as Record<string, unknown> | undefined) ?? {}) };
      info.lastUpdated = cwDate(now);
      const data = { ...callback.data, inactiveFlag: true, _info: info };
      await this.records.update(CALLBACK_ENTITY, callbackId, data, cwDate(now), undefined, trx);
      return true;
    });
    if (deactivated)
      this.logger.warn(
        { callbackId, failingSince: firstFailure },
        'callback deactivated after 3 days of failures',
      );
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
