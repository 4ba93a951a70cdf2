// Ticketing, configuration sync and delivery (CON-7 … CON-11) composed on top of the console's
// services: built once per ConsoleServices. Ingestion calls `commitHooks` (ticket decisions inside
// each unit's commit, a wake-up of the workers after it); the route table and the CLI use the rest;
// `start` runs this process's delivery workers and the cluster-wide schedules (daily configuration
// sync, ticket status polling with auto-close, callback registration).
import { hostname } from 'node:os';
import { IntegrationHealth } from '../engine/health.js';
import { OUTBOX_CHANNEL, Outbox } from '../engine/outbox.js';
import { dailyAt, every, Scheduler } from '../engine/scheduler.js';
import type { Effects } from '../engine/types.js';
import { DeliveryWorker } from '../engine/worker.js';
import type { CommitHooks } from '../ingest/store.js';
import { ConsoleError } from '../service/errors.js';
import type { ConsoleServices } from '../service/services.js';
import { ActivityService } from './activity.js';
import { BillingService } from './billing.js';
import { billingEffects } from './billing-effects.js';
import { ConfigSyncService } from './config-sync.js';
import { configSyncEffects } from './config-sync-effects.js';
import { readTypeState } from './config-sync-state.js';
import { TicketDecider } from './ticket-decisions.js';
import { ticketEffects } from './ticket-effects.js';
import { autoCloseQuiet } from './ticket-quiet.js';
import { TicketRuleService } from './ticket-rules.js';
import { TicketSimulator } from './ticket-simulator.js';
import { TicketStatusService } from './ticket-status.js';

export const DELIVERY_EFFECTS: Effects = { ...ticketEffects, ...configSyncEffects, ...billingEffects };

/** When the daily billing reconciliation runs (UTC): after the day's configuration sync. */
export const BILLING_AT = '03:00';

export interface Delivery {
  outbox: Outbox;
  health: IntegrationHealth;
  rules: TicketRuleService;
  decider: TicketDecider;
  configSync: ConfigSyncService;
  billing: BillingService;
  ticketStatus: TicketStatusService;
  simulator: TicketSimulator;
  activity: ActivityService;
  workers: DeliveryWorker[];
  scheduler: Scheduler;
  commitHooks: CommitHooks;
  /** Runs every worker of this process now (after an enqueue, for latency). */
  wake(): void;
  /** Failed writes of the provider (or one customer) back to pending; returns how many. */
  retry(providerId: number, customerId?: number): Promise<number>;
  /** Tracked tickets of the provider, newest first. */
  tracks(
    providerId: number,
    query: { customerId?: number | undefined; state?: string | undefined },
  ): Promise<TrackView[]>;
  /** The configuration type's state and each customer's last sync. */
  configSyncStatus(providerId: number): Promise<ConfigSyncStatus>;
  /** Providers whose PSA integration is enabled. */
  enabledProviders(): Promise<number[]>;
  /** Starts this process's workers and the schedules (idempotent). */
  start(): void;
  stop(): Promise<void>;
}

export interface TrackView {
  id: number;
  ruleId: number;
  customerId: number;
  customerName: string;
  identity: string;
  identityType: string;
  state: string;
  generation: number;
  psaTicketId: number | null;
  openedWindow: string | null;
  lastWindow: string | null;
  lastCount: number;
  closedAt: string | null;
  reason: string | null;
  updatedAt: string;
}

export interface ConfigSyncStatus {
  typeName: string;
  psaTypeId: number | null;
  ensuredAt: string | null;
  customers: Array<{
    customerId: number;
    name: string;
    mappingState: string;
    psaConfigurationId: number | null;
    lastSyncedAt: string | null;
    lastError: string | null;
    lastErrorAt: string | null;
  }>;
}

const TRACK_STATES = new Set(['none', 'open', 'closed', 'silenced']);

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
  const billing = new BillingService(db, services.store, clock, outbox, clientFor);
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
        notified: () => services.storage.notifications?.listening === true,
      }),
  );
  const scheduler = new Scheduler({ db, clock, owner: `${hostname()}#${process.pid}`, logger });
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
  /** Stops listening for other processes' enqueues (PostgreSQL). */
  let unlisten: Promise<(() => Promise<void>) | undefined> = Promise.resolve(undefined);
  const d: Delivery = {
    outbox,
    health,
    rules,
    decider,
    configSync,
    billing,
    ticketStatus,
    simulator: new TicketSimulator(db, clock, rules),
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
    async tracks(providerId, query) {
      if (query.state !== undefined && !TRACK_STATES.has(query.state))
        throw new ConsoleError('invalid', `state must be one of ${[...TRACK_STATES].join(', ')}`);
      let q = db
        .selectFrom('con_ticket_track as t')
        .innerJoin('con_customer as c', (j) =>
          j.onRef('c.id', '=', 't.customer_id').onRef('c.provider_id', '=', 't.provider_id'),
        )
        .selectAll('t')
        .select('c.name as customer_name')
        .where('t.provider_id', '=', providerId);
      if (query.customerId !== undefined) q = q.where('t.customer_id', '=', query.customerId);
      if (query.state !== undefined) q = q.where('t.state', '=', query.state);
      const rows = await q.orderBy('t.updated_at', 'desc').orderBy('t.id', 'desc').limit(1000).execute();
      return rows.map((r) => ({
        id: Number(r.id),
        ruleId: Number(r.rule_id),
        customerId: Number(r.customer_id),
        customerName: r.customer_name,
        identity: r.identity,
        identityType: r.identity_type,
        state: r.state,
        generation: Number(r.generation),
        psaTicketId: r.psa_ticket_id === null ? null : Number(r.psa_ticket_id),
        openedWindow: r.opened_window,
        lastWindow: r.last_window,
        lastCount: Number(r.last_count),
        closedAt: r.closed_at,
        reason: r.reason,
        updatedAt: r.updated_at,
      }));
    },
    async configSyncStatus(providerId) {
      const type = await readTypeState(db, providerId);
      const rows = await db
        .selectFrom('con_customer as c')
        .leftJoin('con_config_sync as s', (j) =>
          j.onRef('s.customer_id', '=', 'c.id').onRef('s.provider_id', '=', 'c.provider_id'),
        )
        .select([
          'c.id',
          'c.name',
          'c.mapping_state',
          's.psa_configuration_id',
          's.last_synced_at',
          's.last_error',
          's.last_error_at',
        ])
        .where('c.provider_id', '=', providerId)
        .orderBy('c.name')
        .execute();
      return {
        typeName: type?.typeName ?? (await configSync.typeNameFor(providerId)),
        psaTypeId: type?.typeId ?? null,
        ensuredAt: type?.ensuredAt ?? null,
        customers: rows.map((r) => ({
          customerId: Number(r.id),
          name: r.name,
          mappingState: r.mapping_state,
          psaConfigurationId: r.psa_configuration_id == null ? null : Number(r.psa_configuration_id),
          lastSyncedAt: r.last_synced_at ?? null,
          lastError: r.last_error ?? null,
          lastErrorAt: r.last_error_at ?? null,
        })),
      };
    },
    enabledProviders,
    start() {
      if (started) return;
      started = true;
      for (const w of workers) w.start();
      // Rows enqueued by other processes (an API process's ingest or sync, another worker's
      // follow-ups) wake this process's workers at once; idle, they poll only now and then.
      if (workers.length > 0 && services.storage.notifications)
        unlisten = services.storage.notifications.listen(OUTBOX_CHANNEL, wake).catch((e) => {
          logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'delivery: cannot listen');
          return undefined;
        });
      if (!config.console.schedules) return;
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
        name: 'billing',
        next: dailyAt(BILLING_AT),
        run: async () => {
          const on = new Set(await billing.providersOn());
          await eachProvider('daily billing reconciliation', async (p) => {
            if (!on.has(p)) return;
            await billing.run(p);
            wake();
          });
        },
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
    },
    async stop() {
      if (!started) return;
      started = false;
      await (await unlisten)?.();
      unlisten = Promise.resolve(undefined);
      await scheduler.stop();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
  built.set(services, d);
  return d;
}
