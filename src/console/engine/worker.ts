// The delivery worker (CON-9, X-2): claims a batch of outbox items, runs each item's effect against
// its provider's PSA, and ends every attempt — done (with the effect's console-side changes), retried
// later with backoff, failed for good, or parked behind an open circuit. Any number of workers, in
// any number of processes, may share one outbox.
//
// Items whose effect succeeded are marked done together: a lane hands its item's completion over and
// goes on with the next item, and what has finished is committed in one transaction every few items
// or few milliseconds, whichever comes first (a commit per item cost about half as much as the PSA
// write itself). Until its completion commits an item stays running under this worker's lease,
// renewed as any other: a crash in between is a crash during the effect — after the lease the item
// runs again marked ambiguous and its effect finds its own marker — and the item is still unfinished,
// so the next item of its subject is not ready before it is done. A batch ends once its completions
// have committed. A completion transaction that fails rolls back as a whole; its items are then
// completed one by one, so one item's failing apply fails that item alone.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../platform/clock.js';
import type { Database, Dialect } from '../../platform/db-types.js';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import { type ConnectWiseApi, ConnectWiseError } from '../psa-client/types.js';
import { retryDelay } from './backoff.js';
import { classifyFailure, DEFAULT_MAX_ATTEMPTS } from './classify.js';
import { IntegrationHealth } from './health.js';
import { type AttemptOutcome, type EngineMetrics, engineMetrics } from './metrics.js';
import { type Completion, Outbox } from './outbox.js';
import { WriteRateLimit, type WritesPerMinute } from './rate-limit.js';
import type { EffectDone, Effects, FailureClass, OutboxItem, PsaWrite } from './types.js';

/**
 * A provider's PSA client: opened for a batch, kept by the polling loop for its next batches while
 * there is work (see CLIENT_REUSE_MS), closed when the worker goes idle.
 */
export type PsaClientHandle = ConnectWiseApi & { close?(): Promise<void> };

export interface DeliveryWorkerOptions {
  storage: { db: import('kysely').Kysely<Database>; dialect: Dialect };
  clock: Clock;
  /** Effects by item kind. */
  effects: Effects;
  /** The provider's PSA client (from its saved PSA Integration Details). */
  clientFor: (providerId: number) => Promise<PsaClientHandle>;
  /** This worker's name in leases; unique per worker (default: host, pid and a random part). */
  owner?: string;
  /**
   * How long a claim lasts without renewal (renewed every half lease while effects run); also the
   * least delay before an ambiguous item runs again. Keep it above the longest time the PSA may take
   * to apply a request the client gave up on.
   */
  leaseMs?: number;
  /** Items claimed at once. */
  batchSize?: number;
  /** Effects running at once. */
  concurrency?: number;
  /**
   * Items whose effect succeeded are marked done together, once this many have finished or
   * `completeWithinMs` after the first of them, whichever comes first (defaults 8 and 5 ms). Keep
   * the window short: an item waiting in it that a crash catches runs again, ambiguous.
   */
  completeEveryItems?: number;
  completeWithinMs?: number;
  /** PSA writes per minute per provider in this process; 0 or undefined: no limit. */
  writesPerMinute?: WritesPerMinute;
  /** Retryable failures turn permanent after this many attempts. */
  maxAttempts?: number;
  /** [0, 1) for backoff jitter. */
  random?: () => number;
  logger?: Logger;
  metrics?: Metrics;
  /** How often an idle worker looks for work (ms). */
  pollMs?: number;
  /**
   * True while other processes' enqueues wake this worker (PostgreSQL notifications, see
   * delivery/index.ts): an idle worker then looks for work only every `notifiedPollMs` — for rows
   * that come due by themselves (retries, deferred writes).
   */
  notified?: () => boolean;
  /** Default 2,000. */
  notifiedPollMs?: number;
}

interface PooledClient {
  client: Promise<PsaClientHandle>;
  openedAt: number;
  /** clientFor rejected: the next batch asks again. */
  failed: boolean;
}

/** Open PSA clients by provider. */
type ClientPool = Map<number, PooledClient>;

/** State shared by the items of one batch. */
interface Batch {
  /** Items whose lease this worker still holds and has not ended yet. */
  held: Set<number>;
  clients: ClientPool;
  /** Providers whose circuit opened during this batch, with the reason. */
  circuitOpened: Map<number, string>;
  /** Providers with at least one delivered item. */
  delivered: Set<number>;
  /** Items of this batch that ended done or failed for good. */
  finished: number;
  completions: Completions;
}

const ERROR_PAUSE_MS = 2_000;

/**
 * The completions of one batch waiting for their commit: committed once `everyItems` are waiting or
 * `withinMs` after the first of them, whichever comes first. `commit` runs for at most one group at
 * a time, in the order the items finished, and never throws.
 */
class Completions {
  private waiting: Completion[] = [];
  private timer: NodeJS.Timeout | undefined;
  private committed: Promise<void> = Promise.resolve();

  constructor(
    private readonly everyItems: number,
    private readonly withinMs: number,
    private readonly commit: (group: Completion[]) => Promise<void>,
  ) {}

  add(completion: Completion): void {
    this.waiting.push(completion);
    if (this.waiting.length >= this.everyItems) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.withinMs);
  }

  /** Commits what is waiting; resolves once every completion handed over so far is committed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.waiting;
    this.waiting = [];
    if (group.length > 0) this.committed = this.committed.then(() => this.commit(group));
    return this.committed;
  }
}

/**
 * How long the polling loop keeps using a provider's client across back-to-back batches. Opening one
 * costs a discovery request and new TLS connections, which is most of a batch's overhead; the limit
 * makes PSA settings saved while the worker stays busy apply within a minute (going idle, or the
 * circuit opening, drops the client at once).
 */
const CLIENT_REUSE_MS = 60_000;

async function eachConcurrently<T>(items: readonly T[], lanes: number, work: (t: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`DeliveryWorker: ${name} must be a positive integer, got ${value}`);
  return value;
}

export class DeliveryWorker {
  readonly owner: string;
  readonly outbox: Outbox;
  readonly health: IntegrationHealth;
  private readonly db: import('kysely').Kysely<Database>;
  private readonly clock: Clock;
  private readonly effects: Effects;
  private readonly clientFor: DeliveryWorkerOptions['clientFor'];
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly completeEveryItems: number;
  private readonly completeWithinMs: number;
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  private readonly notified: () => boolean;
  private readonly notifiedPollMs: number;
  private readonly random: () => number;
  private readonly rateLimit: WriteRateLimit;
  private readonly logger: Logger | undefined;
  private readonly metrics: EngineMetrics | undefined;

  private loop: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private wakeUp: (() => void) | undefined;
  private readonly running = new Set<Promise<unknown>>();

  constructor(options: DeliveryWorkerOptions) {
    this.db = options.storage.db;
    this.outbox = new Outbox(options.storage.db, options.storage.dialect);
    this.health = new IntegrationHealth(options.storage.db);
    this.clock = options.clock;
    this.effects = options.effects;
    this.clientFor = options.clientFor;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = positiveInteger('leaseMs', options.leaseMs ?? 30_000);
    this.batchSize = positiveInteger('batchSize', options.batchSize ?? 20);
    this.concurrency = positiveInteger('concurrency', options.concurrency ?? 4);
    this.completeEveryItems = positiveInteger('completeEveryItems', options.completeEveryItems ?? 8);
    this.completeWithinMs = positiveInteger('completeWithinMs', options.completeWithinMs ?? 5);
    this.maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.pollMs = positiveInteger('pollMs', options.pollMs ?? 250);
    this.notified = options.notified ?? (() => false);
    this.notifiedPollMs = positiveInteger('notifiedPollMs', options.notifiedPollMs ?? 2_000);
    this.random = options.random ?? Math.random;
    this.rateLimit = new WriteRateLimit(options.writesPerMinute, () => this.nowMs());
    this.logger = options.logger;
    this.metrics = options.metrics
      ? engineMetrics(options.metrics, () => this.outbox.stats(this.nowMs()))
      : undefined;
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private count(outcome: AttemptOutcome): void {
    this.metrics?.attempts.inc({ outcome });
  }

  /**
   * Claims one batch and delivers it; returns how many items finished (done or failed for good). Its
   * clients are closed when it ends.
   */
  async runOnce(): Promise<number> {
    return (await this.tracked(this.runBatch())).finished;
  }

  private tracked<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => {});
    return p;
  }

  /** `pool`: the polling loop's clients, kept for its next batch; without one, all close at the end. */
  private async runBatch(pool?: ClientPool): Promise<{ claimed: number; finished: number }> {
    const items = await this.outbox.claim(this.owner, this.batchSize, this.nowMs(), this.leaseMs);
    if (items.length === 0) return { claimed: 0, finished: 0 };
    const batch: Batch = {
      held: new Set(items.map((i) => i.id)),
      clients: pool ?? new Map(),
      circuitOpened: new Map(),
      delivered: new Set(),
      finished: 0,
      completions: new Completions(this.completeEveryItems, this.completeWithinMs, (group) =>
        this.completeGroup(group, batch),
      ),
    };
    let renewing = false;
    const renewer = setInterval(
      () => {
        if (renewing) return;
        renewing = true;
        void this.renew(batch.held).finally(() => {
          renewing = false;
        });
      },
      Math.max(10, Math.floor(this.leaseMs / 2)),
    );
    renewer.unref();
    try {
      await eachConcurrently(items, this.concurrency, async (item) => {
        // A lease lost while the item waited for a lane: its new holder runs it.
        if (!batch.held.has(item.id)) return this.count('lost');
        await this.ended(item, batch, () => this.deliver(item, batch));
      });
    } finally {
      // The leases stay renewed until the last completion has committed.
      await batch.completions.flush();
      clearInterval(renewer);
      const nowMs = this.nowMs();
      await this.closeClients(
        batch.clients,
        pool
          ? (providerId, c) =>
              c.failed || batch.circuitOpened.has(providerId) || nowMs - c.openedAt >= CLIENT_REUSE_MS
          : () => true,
      );
    }
    const nowMs = this.nowMs();
    for (const providerId of batch.delivered)
      await this.health.recordSuccess(providerId, nowMs).catch((e) => {
        this.logger?.warn({ providerId, err: messageOf(e) }, 'delivery: could not record success');
      });
    return { claimed: items.length, finished: batch.finished };
  }

  /**
   * Runs `attempt` and counts its outcome; the item leaves `held` unless its completion was handed
   * over (that item leaves when it commits).
   */
  private async ended(
    item: OutboxItem,
    batch: Batch,
    attempt: () => Promise<AttemptOutcome | 'completing'>,
  ): Promise<void> {
    let outcome: AttemptOutcome | 'completing' | undefined;
    try {
      outcome = await attempt();
      if (outcome === 'completing') return;
      this.count(outcome);
      if (outcome === 'done' || outcome === 'failed') batch.finished++;
    } catch (e) {
      // Ending the attempt failed (database unreachable): the lease runs out and another
      // attempt, marked ambiguous, follows.
      this.logger?.error({ item: item.id, err: messageOf(e) }, 'delivery: could not record an attempt');
    } finally {
      if (outcome !== 'completing') batch.held.delete(item.id);
    }
  }

  /** Commits a group of completions in one transaction, or item by item when that fails. */
  private async completeGroup(group: Completion[], batch: Batch): Promise<void> {
    if (group.length > 1) {
      let held: boolean[] | undefined;
      try {
        held = await this.outbox.completeMany(this.owner, this.nowMs(), group);
      } catch (e) {
        this.logger?.debug(
          { items: group.map((c) => c.item.id), err: messageOf(e) },
          'delivery: completing a group failed; completing its items one by one',
        );
      }
      if (held) {
        for (const [i, c] of group.entries())
          await this.ended(c.item, batch, async () => this.completed(c, batch, held[i] === true));
        return;
      }
    }
    for (const c of group) await this.ended(c.item, batch, () => this.completeOne(c, batch));
  }

  private completed(c: Completion, batch: Batch, held: boolean): AttemptOutcome {
    const { item } = c;
    if (held) {
      batch.delivered.add(item.providerId);
      this.logger?.debug({ item: item.id, kind: item.kind }, 'delivery: done');
      return 'done';
    }
    this.logger?.warn(
      { item: item.id, kind: item.kind },
      'delivery: lease lost before completion; its new holder will find what this attempt did',
    );
    return 'lost';
  }

  /** Completes one item in its own transaction; a failure ends the attempt as ambiguous. */
  private async completeOne(c: Completion, batch: Batch): Promise<AttemptOutcome> {
    const { item, done, writes } = c;
    try {
      return this.completed(
        c,
        batch,
        await this.outbox.complete(item, this.owner, this.nowMs(), done, writes),
      );
    } catch (e) {
      // The PSA write went through but recording it failed (apply threw, database trouble): the next
      // attempt must look for what this one did.
      const failure = classifyFailure(e, item.attempts, this.maxAttempts);
      const reason = `the PSA write went through but recording it failed: ${messageOf(e)}`;
      return this.endFailed(
        item,
        batch,
        failure.kind === 'permanent'
          ? { kind: 'permanent', reason }
          : { kind: 'retry', ambiguous: true, reason },
        writes,
      );
    }
  }

  /** Extends the leases still held; items whose lease was taken over are dropped from `held`. */
  private async renew(held: Set<number>): Promise<void> {
    const ids = [...held];
    if (ids.length === 0) return;
    try {
      const still = new Set(await this.outbox.renew(this.owner, ids, this.nowMs() + this.leaseMs));
      for (const id of ids) if (!still.has(id)) held.delete(id);
    } catch (e) {
      this.logger?.warn({ err: messageOf(e) }, 'delivery: could not renew leases');
    }
  }

  private client(providerId: number, batch: Batch): Promise<PsaClientHandle> {
    let pooled = batch.clients.get(providerId);
    if (!pooled) {
      const entry: PooledClient = {
        client: this.clientFor(providerId),
        openedAt: this.nowMs(),
        failed: false,
      };
      // Each item awaiting it handles the rejection.
      entry.client.catch(() => {
        entry.failed = true;
      });
      batch.clients.set(providerId, entry);
      pooled = entry;
    }
    return pooled.client;
  }

  /** Closes (and forgets) the clients `which` picks. */
  private async closeClients(
    pool: ClientPool,
    which: (providerId: number, client: PooledClient) => boolean,
  ): Promise<void> {
    for (const [providerId, entry] of [...pool]) {
      if (!which(providerId, entry)) continue;
      pool.delete(providerId);
      const client = await entry.client.catch(() => undefined); // never opened: nothing to close
      try {
        await client?.close?.();
      } catch (e) {
        this.logger?.warn({ providerId, err: messageOf(e) }, 'delivery: closing a PSA client failed');
      }
    }
  }

  /** Runs the item's effect; 'completing' once its completion is handed to the batch's completions. */
  private async deliver(item: OutboxItem, batch: Batch): Promise<AttemptOutcome | 'completing'> {
    const nowMs = this.nowMs();
    const parked = batch.circuitOpened.get(item.providerId);
    if (parked !== undefined) {
      await this.outbox.park(item, this.owner, parked);
      return 'parked';
    }
    const effect = Object.hasOwn(this.effects, item.kind) ? this.effects[item.kind] : undefined;
    if (!effect) {
      const reason = `no effect for outbox item kind '${item.kind}' in this version of Parasol`;
      await this.outbox.fail(item, this.owner, nowMs, reason, []);
      await this.health.recordError(item.providerId, reason, nowMs);
      this.logger?.error({ item: item.id, kind: item.kind }, 'delivery: unknown item kind');
      return 'failed';
    }
    const wait = this.rateLimit.take(item.providerId);
    if (wait > 0) {
      await this.outbox.defer(item, this.owner, nowMs + wait);
      return 'deferred';
    }

    let api: PsaClientHandle;
    try {
      api = await this.client(item.providerId, batch);
    } catch (e) {
      // No request was sent: whatever the error, this attempt wrote nothing.
      const c = classifyFailure(e, item.attempts, this.maxAttempts);
      return this.endFailed(item, batch, c.kind === 'retry' ? { ...c, ambiguous: false } : c, []);
    }
    const writes: PsaWrite[] = [];
    let done: EffectDone;
    try {
      done = await effect({
        item,
        api,
        now: new Date(nowMs),
        db: this.db,
        logWrite: (w) => writes.push(w),
      });
    } catch (e) {
      const c = classifyFailure(e, item.attempts, this.maxAttempts);
      return this.endFailed(item, batch, c, [...writes, ...refusedWrite(e, c, writes)]);
    }
    batch.completions.add({ item, done, writes });
    return 'completing';
  }

  private async endFailed(
    item: OutboxItem,
    batch: Batch,
    c: FailureClass,
    writes: readonly PsaWrite[],
  ): Promise<AttemptOutcome> {
    const nowMs = this.nowMs();
    const log = { item: item.id, kind: item.kind, providerId: item.providerId, reason: c.reason };
    switch (c.kind) {
      case 'circuit':
        batch.circuitOpened.set(item.providerId, c.reason);
        await this.health.openCircuit(item.providerId, c.reason, nowMs);
        await this.outbox.park(item, this.owner, c.reason, { nowMs, writes });
        this.logger?.warn(log, 'delivery: circuit opened; deliveries to this PSA wait until it is fixed');
        return 'parked';
      case 'retry': {
        // An ambiguous attempt's request may still be in the PSA (a slow PSA commits after the client
        // gave up): looking for its marker at once would miss it and write twice. Like a crashed
        // worker's item, it runs again no sooner than one lease later.
        const backoff = retryDelay(item.attempts, this.random, c.retryAfterMs);
        const delay = c.ambiguous ? Math.max(backoff, this.leaseMs) : backoff;
        await this.outbox.retryLater(item, this.owner, nowMs, delay, c.reason, c.ambiguous, writes);
        await this.health.recordError(item.providerId, c.reason, nowMs);
        this.logger?.info({ ...log, delayMs: delay, ambiguous: c.ambiguous }, 'delivery: retry later');
        return 'retry';
      }
      case 'permanent':
        await this.outbox.fail(item, this.owner, nowMs, c.reason, writes);
        await this.health.recordError(item.providerId, c.reason, nowMs);
        this.logger?.warn(log, 'delivery: failed');
        return 'failed';
    }
  }

  /** Starts polling: every pollMs while idle, at once again while there is work. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.poll();
  }

  /** Looks for work now (after an enqueue), instead of at the next poll. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** Stops polling and waits for the items in flight to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loop;
    this.loop = undefined;
    await Promise.allSettled([...this.running]);
  }

  private async poll(): Promise<void> {
    // Back-to-back batches share their clients; going idle closes them.
    const pool: ClientPool = new Map();
    const closeAll = () => this.closeClients(pool, () => true);
    try {
      while (!this.stopping) {
        let claimed = 0;
        let failed = false;
        this.woken = false;
        try {
          claimed = (await this.tracked(this.runBatch(pool))).claimed;
        } catch (e) {
          failed = true;
          this.logger?.error({ err: messageOf(e) }, 'delivery: claiming work failed');
        }
        if (this.stopping) break;
        if (claimed > 0 && !failed) continue;
        await closeAll();
        if (this.woken) continue;
        await new Promise<void>((resolve) => {
          const idle = this.notified() ? Math.max(this.pollMs, this.notifiedPollMs) : this.pollMs;
          const timer = setTimeout(resolve, failed ? ERROR_PAUSE_MS : idle);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    } finally {
      await closeAll();
    }
  }
}

/** The refused request itself, for the write log, unless the effect logged it already. */
function refusedWrite(error: unknown, c: FailureClass, logged: readonly PsaWrite[]): PsaWrite[] {
  if (!(error instanceof ConnectWiseError) || !error.method || error.method.toUpperCase() === 'GET')
    return [];
  const method = error.method.toUpperCase();
  const path = error.path ?? '';
  if (logged.some((w) => w.outcome === 'error' && w.method.toUpperCase() === method && w.path === path))
    return [];
  return [{ method, path, status: error.status ?? null, outcome: 'error', detail: c.reason }];
}
