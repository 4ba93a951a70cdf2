// The health of a provider's PSA integration (CON-9, CON-11): its circuit — open when the PSA
// refused the credentials or a permission, so nothing is sent (and nothing is lost) until the PSA
// Integration Details are saved again — and its last success and last error in plain words.
import { type Insertable, type Kysely, sql, type UpdateObject } from 'kysely';
import type { ConIntegrationHealthTable, Database } from '../../platform/db-types.js';
import { notifyOutbox } from './outbox.js';

export interface HealthState {
  providerId: number;
  circuit: 'closed' | 'open';
  circuitReason: string | null;
  circuitOpenedAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  updatedAt: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const MAX_TEXT = 1000;
const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

export class IntegrationHealth {
  constructor(private readonly db: Kysely<Database>) {}

  /** A provider never seen by the engine is healthy (closed circuit, nothing recorded). */
  async get(providerId: number): Promise<HealthState> {
    const r = await this.db
      .selectFrom('con_integration_health')
      .selectAll()
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return {
      providerId,
      circuit: r?.circuit ?? 'closed',
      circuitReason: r?.circuit_reason ?? null,
      circuitOpenedAt: r?.circuit_opened_at ?? null,
      lastSuccessAt: r?.last_success_at ?? null,
      lastError: r?.last_error ?? null,
      lastErrorAt: r?.last_error_at ?? null,
      updatedAt: r?.updated_at ?? null,
    };
  }

  /** Providers whose circuit is open (workers skip their items). */
  async openCircuits(): Promise<number[]> {
    const rows = await this.db
      .selectFrom('con_integration_health')
      .select('provider_id')
      .where('circuit', '=', 'open')
      .execute();
    return rows.map((r) => Number(r.provider_id));
  }

  /** Inserts the provider's row with `fields`, or updates it with `update` (default: the same). */
  private async upsert(
    providerId: number,
    nowMs: number,
    fields: Partial<Omit<Insertable<ConIntegrationHealthTable>, 'provider_id' | 'updated_at'>>,
    update: UpdateObject<Database, 'con_integration_health'> = fields,
  ): Promise<void> {
    const at = iso(nowMs);
    await this.db
      .insertInto('con_integration_health')
      .values({ circuit: 'closed', ...fields, provider_id: providerId, updated_at: at })
      .onConflict((oc) => oc.column('provider_id').doUpdateSet({ ...update, updated_at: at }))
      .execute();
  }

  /**
   * Stops deliveries to the provider's PSA with `reason` (shown to the admin as the integration's
   * status and last error). The first opening time is kept while it stays open.
   */
  async openCircuit(providerId: number, reason: string, nowMs: number): Promise<void> {
    const at = iso(nowMs);
    const text = clip(reason);
    const fields = {
      circuit: 'open' as const,
      circuit_reason: text,
      circuit_opened_at: at,
      last_error: text,
      last_error_at: at,
    };
    await this.upsert(providerId, nowMs, fields, {
      ...fields,
      circuit_opened_at: sql<string>`CASE WHEN con_integration_health.circuit = 'open'
        THEN con_integration_health.circuit_opened_at ELSE ${at} END`,
    });
  }

  /**
   * Resumes deliveries (after the admin saved working credentials): parked items are still pending
   * and are claimed again by the next worker run. Returns whether the circuit was open.
   */
  async closeCircuit(providerId: number, nowMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('con_integration_health')
      .set({ circuit: 'closed', circuit_reason: null, circuit_opened_at: null, updated_at: iso(nowMs) })
      .where('provider_id', '=', providerId)
      .where('circuit', '=', 'open')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    // The parked rows may go out now: other processes' workers hear of it at once.
    await notifyOutbox(this.db);
    return true;
  }

  async recordSuccess(providerId: number, nowMs: number): Promise<void> {
    await this.upsert(providerId, nowMs, { last_success_at: iso(nowMs) });
  }

  async recordError(providerId: number, message: string, nowMs: number): Promise<void> {
    await this.upsert(providerId, nowMs, { last_error: clip(message), last_error_at: iso(nowMs) });
  }
}
