// Activity and health (CON-11, back end): per customer — mapping state, last configuration sync,
// last ticket, the last error in plain language and how many writes wait —; the integration's
// circuit; the log of PSA writes (method, path, status, outcome: nothing else is kept); the retry
// action for failed writes. Every query is scoped to the provider.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db-types.js';
import { ConsoleError } from '../service/errors.js';
import { readWriteDetail } from './write-details.js';

export interface CustomerHealth {
  customerId: number;
  name: string;
  mappingState: 'unmapped' | 'mapped' | 'missing';
  psaCompanyIdentifier: string | null;
  lastConfigSyncAt: string | null;
  psaConfigurationId: number | null;
  lastTicket: { psaTicketId: number; identity: string; state: string; at: string } | null;
  openTickets: number;
  pendingWrites: number;
  failedWrites: number;
  /** The most recent problem, in words an MSP admin can act on; null when all is well. */
  lastError: {
    message: string;
    at: string;
    source: 'mapping' | 'ticket' | 'configuration' | 'delivery';
  } | null;
  /** True when failed writes wait for the retry action. */
  canRetry: boolean;
}

export interface IntegrationHealthView {
  circuit: 'closed' | 'open';
  circuitReason: string | null;
  circuitOpenedAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  callbackUrl: string | null;
  pending: number;
  failed: number;
  oldestPendingAt: string | null;
}

export interface WriteLogEntry {
  id: number;
  at: string;
  customerId: number | null;
  outboxId: number | null;
  method: string;
  path: string;
  status: number | null;
  outcome: string;
  /** The effect's English words, and their key and parameters (write-details.ts) when a template reads them. */
  detail: string;
  key?: string;
  params?: Record<string, string>;
}

const MAPPING_REASON = {
  unmapped: 'Not mapped to a PSA company: no configuration and no tickets are sent. Map the customer.',
  missing: 'The mapped PSA company no longer exists: map the customer to a company again.',
} as const;

/** The newest of the given facts; on a tie, the first given (a stable sort keeps their order). */
const latest = <T extends { at: string }>(...xs: (T | null)[]): T | null =>
  xs.filter((x): x is T => x !== null).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))[0] ?? null;

export class ActivityService {
  constructor(private readonly db: Kysely<Database>) {}

  async customers(providerId: number): Promise<CustomerHealth[]> {
    const [customers, syncs, tracks, writes] = await Promise.all([
      this.db
        .selectFrom('con_customer')
        .select(['id', 'name', 'mapping_state', 'psa_company_identifier', 'updated_at'])
        .where('provider_id', '=', providerId)
        .orderBy('name')
        .execute(),
      this.db.selectFrom('con_config_sync').selectAll().where('provider_id', '=', providerId).execute(),
      this.db
        .selectFrom('con_ticket_track')
        .select(['customer_id', 'psa_ticket_id', 'identity', 'state', 'reason', 'updated_at'])
        .where('provider_id', '=', providerId)
        .execute(),
      this.db
        .selectFrom('con_outbox')
        .select(['customer_id', 'state', 'last_error', 'created_at', 'done_at'])
        .where('provider_id', '=', providerId)
        .where('state', 'in', ['pending', 'running', 'failed'])
        .execute(),
    ]);
    // Grouped once: per-customer filtering of the whole provider's rows was customers × rows.
    const syncOf = new Map(syncs.map((s) => [Number(s.customer_id), s]));
    const tracksOf = byCustomer(tracks);
    const writesOf = byCustomer(writes);
    return customers.map((c) => {
      const id = Number(c.id);
      const sync = syncOf.get(id);
      const mine = tracksOf.get(id) ?? [];
      const ticketed = mine
        .filter((t) => t.psa_ticket_id !== null)
        .sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1))[0];
      const waiting = writesOf.get(id) ?? [];
      const failed = waiting.filter((w) => w.state === 'failed');
      const erroring = waiting
        .filter((w) => w.last_error)
        .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0];
      const blockedTrack = mine
        .filter((t) => t.reason && t.state === 'none')
        .sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1))[0];
      const mappingState = c.mapping_state as CustomerHealth['mappingState'];
      const lastError = latest(
        mappingState !== 'mapped'
          ? { message: MAPPING_REASON[mappingState], at: c.updated_at, source: 'mapping' as const }
          : null,
        blockedTrack?.reason
          ? {
              message: `${blockedTrack.reason} (identity ${blockedTrack.identity})`,
              at: blockedTrack.updated_at,
              source: 'ticket' as const,
            }
          : null,
        sync?.last_error && sync.last_error_at
          ? { message: sync.last_error, at: sync.last_error_at, source: 'configuration' as const }
          : null,
        erroring?.last_error
          ? { message: erroring.last_error, at: erroring.created_at, source: 'delivery' as const }
          : null,
      );
      return {
        customerId: id,
        name: c.name,
        mappingState,
        psaCompanyIdentifier: c.psa_company_identifier,
        lastConfigSyncAt: sync?.last_synced_at ?? null,
        psaConfigurationId: sync?.psa_configuration_id == null ? null : Number(sync.psa_configuration_id),
        lastTicket: ticketed
          ? {
              psaTicketId: Number(ticketed.psa_ticket_id),
              identity: ticketed.identity,
              state: ticketed.state,
              at: ticketed.updated_at,
            }
          : null,
        openTickets: mine.filter((t) => t.state === 'open').length,
        pendingWrites: waiting.length - failed.length,
        failedWrites: failed.length,
        lastError,
        canRetry: failed.length > 0,
      };
    });
  }

  async integration(providerId: number): Promise<IntegrationHealthView> {
    const h = await this.db
      .selectFrom('con_integration_health')
      .selectAll()
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    const counts = await this.db
      .selectFrom('con_outbox')
      .select(['state'])
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('provider_id', '=', providerId)
      .where('state', 'in', ['pending', 'running', 'failed'])
      .groupBy('state')
      .execute();
    const n = (state: string) => Number(counts.find((c) => c.state === state)?.n ?? 0);
    const oldest = counts
      .filter((c) => c.state !== 'failed')
      .map((c) => c.oldest as string | null)
      .filter((x): x is string => Boolean(x))
      .sort()[0];
    return {
      circuit: h?.circuit ?? 'closed',
      circuitReason: h?.circuit_reason ?? null,
      circuitOpenedAt: h?.circuit_opened_at ?? null,
      lastSuccessAt: h?.last_success_at ?? null,
      lastError: h?.last_error ?? null,
      lastErrorAt: h?.last_error_at ?? null,
      callbackUrl: h?.callback_url ?? null,
      pending: n('pending') + n('running'),
      failed: n('failed'),
      oldestPendingAt: oldest ?? null,
    };
  }

  async writeLog(
    providerId: number,
    query: { customerId?: number | undefined; beforeId?: number | undefined; limit?: number | undefined },
  ): Promise<WriteLogEntry[]> {
    let q = this.db.selectFrom('con_psa_write').selectAll().where('provider_id', '=', providerId);
    if (query.customerId !== undefined) q = q.where('customer_id', '=', query.customerId);
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(query.limit ?? 100, 1), 1000))
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      customerId: r.customer_id === null ? null : Number(r.customer_id),
      outboxId: r.outbox_id === null ? null : Number(r.outbox_id),
      method: r.method,
      path: r.path,
      status: r.status === null ? null : Number(r.status),
      outcome: r.outcome,
      detail: r.detail,
      ...readWriteDetail(r.detail),
    }));
  }

  /** Failed writes of a customer (or of the provider) back to pending: the retry action. */
  async failedIds(providerId: number, customerId?: number): Promise<number[]> {
    if (customerId !== undefined) {
      const c = await this.db
        .selectFrom('con_customer')
        .select('id')
        .where('provider_id', '=', providerId)
        .where('id', '=', customerId)
        .executeTakeFirst();
      if (!c) throw new ConsoleError('not-found', 'customer not found');
    }
    let q = this.db
      .selectFrom('con_outbox')
      .select('id')
      .where('provider_id', '=', providerId)
      .where('state', '=', 'failed');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.orderBy('id').execute()).map((r) => Number(r.id));
  }
}

/** Rows by their customer id. */
function byCustomer<T extends { customer_id: unknown }>(rows: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const id = Number(row.customer_id);
    const list = out.get(id);
    if (list) list.push(row);
    else out.set(id, [row]);
  }
  return out;
}
