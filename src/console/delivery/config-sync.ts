// Configuration sync (CON-8), the decision: per provider, read each mapped customer's metrics from the
// aggregates and enqueue — in one transaction — the PSA writes that bring its configuration up to
// date ('config.upsert', one per mapped customer) and, when the PSA type is not known to match the
// current question set, 'config.ensure-type' first. Unmapped customers get no write and a reason.
// The effects are in config-sync-effects.ts; the metric definitions in config-sync/questions.ts.
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Database, Dialect } from '../../platform/db-types.js';
import { decodeJson } from '../../platform/db-types.js';
import { DAY_MS, dayOf, dayStart, parseSummary, type SecurityCategory } from '../aggregate/index.js';
import {
  answerValues,
  assertTypeName,
  type CustomerMetrics,
  DEFAULT_TYPE_NAME,
  type DomainCount,
  questionSetVersion,
  TOP_DOMAINS_SHOWN,
} from '../config-sync/index.js';
import type { OutboxItemInput } from '../engine/types.js';
import { ConsoleError } from '../service/errors.js';
import {
  CONFIG_ENSURE_TYPE,
  CONFIG_UPSERT,
  configSubject,
  ensureTypeQueued,
  readTypeState,
  recordSyncError,
  TYPE_SUBJECT,
  type UpsertPayload,
} from './config-sync-state.js';

type Db = Kysely<Database> | Transaction<Database>;

/** What the service needs of the delivery engine's Outbox. */
export interface OutboxWriter {
  enqueue(trxOrDb: Db, items: readonly OutboxItemInput[], nowMs: number): Promise<number[]>;
}

export interface ConfigSyncOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  outbox: OutboxWriter;
  /** The configuration type's name, for every provider or per provider (default "DNS Security"). */
  typeName?: string | ((providerId: number) => string | Promise<string>);
}

export interface SyncSummary {
  /** The UTC day the counts are for. */
  day: string;
  /** Whether a 'config.ensure-type' item was enqueued. */
  ensureType: boolean;
  /** Customers that got a 'config.upsert' item. */
  enqueued: number;
  /** Customers that did not, with the reason also kept in con_config_sync.last_error. */
  notSynced: Array<{ customerId: number; reason: string }>;
  itemIds: number[];
}

export const REASON_UNMAPPED =
  'Not mapped to a PSA company: map the customer to a company to sync its configuration.';
export const REASON_MISSING =
  'The PSA company this customer was mapped to no longer exists: map the customer again to sync its configuration.';

/**
 * The UTC day a sync at `now` reports: the last COMPLETE day (yesterday, UTC). A finished day gives
 * the same counts at any hour, so a sync on demand after the daily one writes nothing new, and each
 * day's figures are final when written (see config-sync/questions.ts).
 */
export function reportingDay(now: Date): string {
  return dayOf(now.getTime() - DAY_MS);
}

/**
 * When the type must be ensured first, the configuration writes are due this much later, so they
 * normally find it ready instead of failing an attempt (they wait with a retryable error if not).
 */
export const ENSURE_HEAD_START_MS = 10_000;

const CHUNK = 500;

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

function emptyMetrics(day: string): CustomerMetrics {
  return {
    day,
    lastEventAt: null,
    activeIdentities: 0,
    requests: 0,
    blocked: 0,
    securityBlocks: {},
    infectionsContained: 0,
    topBlocked: [],
    topAllowed: [],
  };
}

function topOf(summary: unknown): DomainCount[] {
  if (summary === null || summary === undefined) return [];
  return parseSummary(summary)
    .entries.slice(0, TOP_DOMAINS_SHOWN)
    .map(([domain, count, error]) => ({ domain, count, approximate: error > 0 }));
}

export class ConfigSyncService {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  private readonly clock: Clock;
  private readonly outbox: OutboxWriter;
  private readonly typeName: NonNullable<ConfigSyncOptions['typeName']>;

  constructor(options: ConfigSyncOptions) {
    this.db = options.db;
    this.dialect = options.dialect;
    this.clock = options.clock;
    this.outbox = options.outbox;
    this.typeName = options.typeName ?? DEFAULT_TYPE_NAME;
    if (typeof this.typeName === 'string') assertTypeName(this.typeName);
  }

  async typeNameFor(providerId: number): Promise<string> {
    const name = typeof this.typeName === 'string' ? this.typeName : await this.typeName(providerId);
    assertTypeName(name);
    return name;
  }

  /** One customer's metrics for `day` (default: the reporting day of now). */
  async metricsFor(providerId: number, customerId: number, day?: string): Promise<CustomerMetrics> {
    const all = await this.metricsForMany(providerId, [customerId], day);
    return all.get(customerId) ?? emptyMetrics(day ?? reportingDay(this.clock.now()));
  }

  /** Metrics of many customers with a handful of grouped queries (per 500 customers). */
  async metricsForMany(
    providerId: number,
    customerIds: readonly number[],
    day: string = reportingDay(this.clock.now()),
  ): Promise<Map<number, CustomerMetrics>> {
    const from = new Date(dayStart(day)).toISOString();
    const to = new Date(dayStart(day) + DAY_MS).toISOString();
    const out = new Map<number, CustomerMetrics>();
    for (const id of customerIds) out.set(id, emptyMetrics(day));
    const of = (id: unknown) => out.get(Number(id));
    for (const ids of chunks([...new Set(customerIds)], CHUNK)) {
      const daily = await this.db
        .selectFrom('con_agg_daily')
        .select(['customer_id', 'requests', 'blocked', 'by_category'])
        .where('provider_id', '=', providerId)
        .where('day', '=', day)
        .where('customer_id', 'in', ids)
        .execute();
      for (const r of daily) {
        const m = of(r.customer_id);
        if (!m) continue;
        m.requests = Number(r.requests);
        m.blocked = Number(r.blocked);
        const byCategory = decodeJson<Partial<Record<SecurityCategory, { blocked: number }>>>(r.by_category);
        for (const [category, counts] of Object.entries(byCategory ?? {}))
          m.securityBlocks[category as SecurityCategory] = Number(counts?.blocked ?? 0);
      }

      const top = await this.db
        .selectFrom('con_agg_top_domains')
        .select(['customer_id', 'action', 'summary'])
        .where('provider_id', '=', providerId)
        .where('day', '=', day)
        .where('customer_id', 'in', ids)
        .execute();
      for (const r of top) {
        const m = of(r.customer_id);
        if (!m) continue;
        const domains = topOf(decodeJson<unknown>(r.summary));
        if (r.action === 'blocked') m.topBlocked = domains;
        else if (r.action === 'allowed') m.topAllowed = domains;
      }

      const last = await this.db
        .selectFrom('con_agg_identity')
        .select(['customer_id', (eb) => eb.fn.max('last_seen').as('last')])
        .where('provider_id', '=', providerId)
        .where('customer_id', 'in', ids)
        .groupBy('customer_id')
        .execute();
      for (const r of last) {
        const m = of(r.customer_id);
        if (m && r.last) m.lastEventAt = r.last;
      }

      // Distinct identities with window rows of the day: every request ('*') for active identities,
      // blocked command-and-control for infections contained. Windows of a day or less tile the day.
      const distinctIdentities = async (category: string, blockedOnly: boolean) => {
        let inner = this.db
          .selectFrom('con_agg_window')
          .select(['customer_id', 'identity', 'identity_type'])
          .distinct()
          .where('provider_id', '=', providerId)
          .where('customer_id', 'in', ids)
          .where('category', '=', category)
          .where('window_minutes', '<=', 1440)
          .where('window_start', '>=', from)
          .where('window_start', '<', to);
        if (blockedOnly) inner = inner.where('blocked', '>', 0);
        return this.db
          .selectFrom(inner.as('w'))
          .select(['w.customer_id', (eb) => eb.fn.countAll().as('n')])
          .groupBy('w.customer_id')
          .execute();
      };
      for (const r of await distinctIdentities('*', false)) {
        const m = of(r.customer_id);
        if (m) m.activeIdentities = Number(r.n);
      }
      for (const r of await distinctIdentities('command-and-control', true)) {
        const m = of(r.customer_id);
        if (m) m.infectionsContained = Number(r.n);
      }
    }
    return out;
  }

  /**
   * Enqueues a provider's configuration writes (all its customers, or `customerIds`), in ONE
   * transaction. Refuses ids that are not customers of the provider (404, like another tenant's).
   */
  async syncProvider(
    providerId: number,
    options: { customerIds?: readonly number[] } = {},
  ): Promise<SyncSummary> {
    const now = this.clock.now();
    const nowMs = now.getTime();
    const at = now.toISOString();
    const day = reportingDay(now);
    const typeName = await this.typeNameFor(providerId);
    const version = questionSetVersion(typeName);

    let q = this.db
      .selectFrom('con_customer')
      .select(['id', 'name', 'mapping_state', 'psa_company_id'])
      .where('provider_id', '=', providerId);
    if (options.customerIds !== undefined) {
      const wanted = [...new Set(options.customerIds)];
      for (const id of wanted)
        if (!Number.isSafeInteger(id) || id <= 0)
          throw new ConsoleError('invalid', `customer id must be a positive integer, not ${String(id)}`);
      if (wanted.length === 0)
        throw new ConsoleError('invalid', 'customerIds must name at least one customer');
      q = q.where('id', 'in', wanted);
    }
    const customers = await q.orderBy('id').execute();
    if (options.customerIds !== undefined) {
      const known = new Set(customers.map((c) => Number(c.id)));
      const unknown = [...new Set(options.customerIds)].filter((id) => !known.has(id));
      if (unknown.length > 0) throw new ConsoleError('not-found', `customer ${unknown.join(', ')} not found`);
    }

    const mapped = customers.filter((c) => c.mapping_state === 'mapped' && c.psa_company_id !== null);
    const metrics = await this.metricsForMany(
      providerId,
      mapped.map((c) => Number(c.id)),
      day,
    );

    const items: OutboxItemInput[] = mapped.map((c) => {
      const customerId = Number(c.id);
      const payload: UpsertPayload = {
        customerName: c.name,
        psaCompanyId: Number(c.psa_company_id),
        values: answerValues(metrics.get(customerId) ?? emptyMetrics(day), now),
      };
      return {
        providerId,
        customerId,
        kind: CONFIG_UPSERT,
        subject: configSubject(customerId),
        payload,
      };
    });
    const notSynced = customers
      .filter((c) => !(c.mapping_state === 'mapped' && c.psa_company_id !== null))
      .map((c) => ({
        customerId: Number(c.id),
        reason: c.mapping_state === 'missing' ? REASON_MISSING : REASON_UNMAPPED,
      }));

    return this.db.transaction().execute(async (trx) => {
      const state = await readTypeState(trx, providerId);
      const stale =
        state === undefined ||
        state.typeId === null ||
        state.ensuredAt === null ||
        state.typeName !== typeName ||
        state.version !== version;
      // Two syncs racing past this check enqueue two ensure items: harmless, the second finds everything.
      const ensureType = stale && !(await ensureTypeQueued(trx, providerId));
      // While the type is not ready the writes would only wait: give the ensure item a head start.
      if (stale) for (const item of items) item.notBefore = nowMs + ENSURE_HEAD_START_MS;
      const all: OutboxItemInput[] = ensureType
        ? [
            {
              providerId,
              customerId: null,
              kind: CONFIG_ENSURE_TYPE,
              subject: TYPE_SUBJECT,
              payload: { typeName },
            },
            ...items,
          ]
        : items;
      const itemIds = all.length > 0 ? await this.outbox.enqueue(trx, all, nowMs) : [];
      for (const n of notSynced) await recordSyncError(trx, providerId, n.customerId, n.reason, at);
      return { day, ensureType, enqueued: items.length, notSynced, itemIds };
    });
  }
}
