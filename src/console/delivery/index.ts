// Ticketing, configuration sync and delivery (CON-7 … CON-11) composed on top of the console's
// services: built once per ConsoleServices. Ingestion calls `commitHooks` (ticket decisions inside
// each unit's commit, a wake-up of the workers after it); the route table and the CLI use the rest;
// `start` runs this process's delivery workers and the cluster-wide schedules (daily configuration
// sync, ticket status polling with auto-close, callback registration).

import { IntegrationHealth } from '../engine/health.js';
import { Outbox } from '../engine/outbox.js';
import { dailyAt, every, Scheduler } from '../engine/scheduler.js';
import type { Effects } from '../engine/types.js';
import { DeliveryWorker } from '../engine/worker.js';
import type { CommitHooks } from '../ingest/store.js';
import type { ConsoleServices } from '../service/services.js';
import { ActivityService } from './activity.js';
import { ConfigSyncService } from './config-sync.js';
import { configSyncEffects } from './config-sync-effects.js';
import { TicketDecider } from './ticket-decisions.js';
import { ticketEffects } from './ticket-effects.js';
import { autoCloseQuiet } from './ticket-quiet.js';
import { TicketRuleService } from './ticket-rules.js';
import { TicketStatusService } from './ticket-status.js';

export const DELIVERY_EFFECTS: Effects = { ...ticketEffects, ...configSyncEffects };

export interface Delivery {
  outbox: Outbox;
  health: IntegrationHealth;
  rules: TicketRuleService;
  decider: TicketDecider;
  configSync: ConfigSyncService;
  ticketStatus: TicketStatusService;
  activity: ActivityService;
  workers: DeliveryWorker[];
  scheduler: Scheduler;
  commitHooks: CommitHooks;
  /** Runs every worker of this process now (after an enqueue, for latency). */
  wake(): void;
  /** Failed writes of the provider (or one customer) back to pending; returns how many. */
  retry(providerId: number, customerId?: number): Promise<number>;
  /** Providers whose PSA integration is enabled. */
  enabledProviders(): Promise<number[]>;
  /** Starts this process's workers and the schedules (idempotent). */
  start(): void;
  stop(): Promise<void>;
}

const built = new WeakMap<ConsoleServices, Delivery>();

export function delivery(services: ConsoleServices): Delivery {
  const existing = built.get(services);
  if (existing) return existing;
  const { db, dialect } = services.storage;
  const { clock, config, logger } = services;
  const outbox = new Outbox(db, dialect);
  const health = new IntegrationHealth(db);
  const rules = new TicketRuleService(db, services.store, clock);
  const decider = new TicketDecider(db, dialect, clock, rules, outbox);
  const configSync = new ConfigSyncService({ db, dialect, clock, outbox });
  const clientFor = (providerId: number) => services.integration.client(providerId);
  const ticketStatus = new TicketStatusService({ db, clock, clientFor });
  const workers = Array.from(
    { length: config.console.deliveryWorkers },
    () =>
      new DeliveryWorker({
        storage: services.storage,
        clock,
        effects: DELIVERY_EFFECTS,
        clientFor,
        writesPerMinute: config.console.psaWritesPerMinute,
        logger,
        metrics: services.metrics,
      }),
  );
  const scheduler = new Scheduler({ db, clock, owner: `${process.pid}` });
  const wake = () => {
    for (const w of workers) w.wake();
  };
  const enabledProviders = async () =>
    (await db.selectFrom('con_psa_integration').select('provider_id').where('enabled', '=', 1).execute()).map(
      (r) => Number(r.provider_id),
    );
  const eachProvider = async (what: string, work: (providerId: number) => Promise<unknown>) => {
    for (const providerId of await enabledProviders()) {
      try {
        await work(providerId);
      } catch (e) {
        logger.warn({ providerId, err: e instanceof Error ? e.message : String(e) }, `${what} failed`);
      }
    }
  };
  const publicUrl = config.console.publicUrl;

  // Credentials that pass the preflight again close the circuit: parked writes resume, none lost.
  services.integration.onPreflight(async (providerId, result) => {
    if (!result.ok) return;
    if (await health.closeCircuit(providerId, clock.now().getTime())) wake();
    if (publicUrl) await ticketStatus.ensureCallback(providerId, publicUrl).catch(() => undefined);
  });

  let started = false;
  const d: Delivery = {
    outbox,
    health,
    rules,
    decider,
    configSync,
    ticketStatus,
    activity: new ActivityService(db),
    workers,
    scheduler,
    commitHooks: {
      inCommit: async (trx, providerId, deltas) => {
        await decider.evaluate(trx, providerId, deltas);
      },
      afterCommit: () => wake(),
    },
    wake,
    async retry(providerId, customerId) {
      const ids = await d.activity.failedIds(providerId, customerId);
      let n = 0;
      for (const id of ids) if (await outbox.retry(providerId, id, clock.now().getTime())) n++;
      if (n > 0) wake();
      return n;
    },
    enabledProviders,
    start() {
      if (started) return;
      started = true;
      scheduler.register({
        name: 'config-sync',
        next: dailyAt(config.console.configSyncAt),
        run: () =>
          eachProvider('daily configuration sync', async (p) => {
            await configSync.syncProvider(p);
            wake();
          }),
      });
      scheduler.register({
        name: 'ticket-status',
        next: every(config.console.ticketPollMinutes * 60_000),
        run: () =>
          eachProvider('ticket status poll', async (p) => {
            if ((await health.get(p)).circuit === 'open') return;
            await ticketStatus.pollProvider(p);
            if ((await autoCloseQuiet(db, dialect, clock, rules, outbox, p)) > 0) wake();
          }),
      });
      if (publicUrl)
        void eachProvider('callback registration', (p) => ticketStatus.ensureCallback(p, publicUrl));
      scheduler.start();
      for (const w of workers) w.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      await scheduler.stop();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
  built.set(services, d);
  return d;
}
