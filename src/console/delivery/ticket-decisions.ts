// Streaming ticket evaluation (CON-7): runs INSIDE the transaction that commits an ingested unit's
// aggregates, so a ticket is decided as soon as a batch crosses the threshold, and its outbox items
// commit with the counts that caused them (CON-9) — a crash loses neither, a re-delivered unit
// (already 'done') decides nothing twice.
//
// For each enabled rule, the batch's window rows in the rule's categories name the (customer,
// identity, rule window) keys it touched; their counts are read back from con_agg_window (this
// batch included), the tracks are read (FOR UPDATE on PostgreSQL), `decide` gives the next track and
// its intents, and each intent becomes an outbox item on the track's subject.
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import { type Database, type Dialect, decodeJson } from '../../platform/db-types.js';
import {
  type AggregateDeltas,
  type BlockedSummary,
  type SerializedSummary,
  summarizeBlocked,
  type WindowCountRow,
} from '../aggregate/index.js';
import { MINUTE_MS, windowStartMs } from '../aggregate/windows.js';
import type { Outbox } from '../engine/outbox.js';
import type { OutboxItemInput, Trx } from '../engine/types.js';
import {
  decide,
  effectiveSettings,
  type Intent,
  type TicketRule,
  type TicketRuleSettings,
  TOP_DOMAINS_SHOWN,
  type TrackSnapshot,
} from '../ticketing/index.js';
import { intentItems, type TicketContext } from './ticket-intents.js';
import type { TicketRuleService } from './ticket-rules.js';
import { columnsOf, snapshotOf, type TrackRow, trackColumns } from './ticket-tracks.js';

/** The customer's ticket context, and why nothing may be raised for it now (null: go ahead). */
type CustomerContext = TicketContext & { blocker(intents: readonly Intent[]): string | null };

interface Key {
  customerId: number;
  identity: string;
  identityType: string;
  windowStart: number;
}

const keyText = (k: Key) => `${k.customerId}\u0000${k.identity}\u0000${k.identityType}\u0000${k.windowStart}`;
const iso = (ms: number) => new Date(ms).toISOString();

/** Aggregation window lengths whose rows fall wholly inside a rule window (they divide it). */
function dividingLengths(ruleMinutes: number): number[] {
  const out: number[] = [];
  for (let m = 1; m <= ruleMinutes; m++)
    if (ruleMinutes % m === 0 && (1440 % m === 0 || m % 1440 === 0)) out.push(m);
  return out;
}

/**
 * What a ticket says about one identity in one rule window: its blocked requests in the rule's
 * categories — first, last, top domains with counts — from the blocked details of the aggregation
 * windows inside the rule window (this batch included when called in the commit).
 */
export async function readBlockedSummary(
  db: Trx | Kysely<Database>,
  providerId: number,
  customerId: number,
  settings: Pick<TicketRuleSettings, 'categories' | 'windowMinutes'>,
  key: { identity: string; identityType: string; windowStart: number },
  limit: number = TOP_DOMAINS_SHOWN,
): Promise<BlockedSummary> {
  const rows = await db
    .selectFrom('con_agg_window_blocked')
    .select(['first_blocked', 'last_blocked', 'domains'])
    .where('provider_id', '=', providerId)
    .where('customer_id', '=', customerId)
    .where('identity', '=', key.identity)
    .where('identity_type', '=', key.identityType)
    .where('window_start', '>=', iso(key.windowStart))
    .where('window_start', '<', iso(key.windowStart + settings.windowMinutes * MINUTE_MS))
    .where('category', 'in', settings.categories)
    .where('window_minutes', 'in', dividingLengths(settings.windowMinutes))
    .execute();
  return summarizeBlocked(
    rows.map((r) => ({
      firstBlocked: Date.parse(r.first_blocked),
      lastBlocked: Date.parse(r.last_blocked),
      domains: decodeJson<SerializedSummary>(r.domains),
    })),
    limit,
  );
}

export interface DecisionSummary {
  /** Keys looked at (identity × rule window touched by the batch in a rule's categories). */
  observed: number;
  /** Outbox items enqueued. */
  enqueued: number;
}

/** The track row as upsertTrack left it, kept for the batch's next window (only its lifecycle columns are read). */
function rowAfter(
  row: TrackRow | undefined,
  id: number,
  key: Key,
  next: TrackSnapshot | undefined,
  reason: string | null,
  newTicket: boolean,
): TrackRow {
  const cols = next
    ? columnsOf(next)
    : {
        state: 'none',
        generation: 0,
        opened_window: null,
        last_window: null,
        last_count: 0,
        quiet_windows: 0,
        silenced_until: null,
      };
  return {
    id,
    provider_id: row?.provider_id ?? 0,
    rule_id: row?.rule_id ?? 0,
    customer_id: key.customerId,
    identity: key.identity,
    identity_type: key.identityType,
    closed_at: row?.closed_at ?? null,
    updated_at: row?.updated_at ?? '',
    ...cols,
    psa_ticket_id: newTicket ? null : (row?.psa_ticket_id ?? null),
    reason,
  };
}

export class TicketDecider {
  constructor(
    readonly _db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly rules: TicketRuleService,
    private readonly outbox: Outbox,
  ) {}

  /** Evaluates the rules for what `deltas` touched; call inside the commit transaction. */
  async evaluate(
    trx: Trx,
    providerId: number,
    deltas: Pick<AggregateDeltas, 'windowCounts'>,
  ): Promise<DecisionSummary> {
    const summary: DecisionSummary = { observed: 0, enqueued: 0 };
    const blockedRows = deltas.windowCounts.filter((r) => r.blocked > 0 && r.category !== '*');
    if (blockedRows.length === 0) return summary;
    const rules = (await this.rules.listRules(providerId, trx)).filter((r) => r.enabled);
    if (rules.length === 0) return summary;
    const overrides = await this.rules.listOverrides(providerId, undefined, trx);
    const nowMs = this.clock.now().getTime();
    const items: OutboxItemInput[] = [];
    for (const rule of rules) {
      // Each customer's effective settings, computed once per batch (not once per window row).
      const settingsOf = new Map<number, TicketRuleSettings>();
      const settingsFor = (customerId: number): TicketRuleSettings => {
        let settings = settingsOf.get(customerId);
        if (!settings) {
          const override = overrides.find((o) => o.ruleId === rule.id && o.customerId === customerId);
          settings = effectiveSettings(rule.settings, override?.settings);
          settingsOf.set(customerId, settings);
        }
        return settings;
      };
      const byCustomer = this.keysFor(blockedRows, settingsFor);
      for (const [customerId, keys] of byCustomer) {
        const settings = settingsFor(customerId);
        summary.observed += keys.length;
        items.push(...(await this.decideCustomer(trx, providerId, rule, settings, customerId, keys, nowMs)));
      }
    }
    if (items.length > 0) await this.outbox.enqueue(trx, items, nowMs);
    summary.enqueued = items.length;
    return summary;
  }

  /** The (identity, rule window) keys of each customer whose rows count for the rule. */
  private keysFor(
    rows: readonly WindowCountRow[],
    settingsFor: (customerId: number) => TicketRuleSettings,
  ): Map<number, Key[]> {
    const out = new Map<number, Map<string, Key>>();
    for (const r of rows) {
      const settings = settingsFor(r.customerId);
      if (!(settings.categories as readonly string[]).includes(r.category)) continue;
      const windowStart = windowStartMs(r.windowStart, settings.windowMinutes * MINUTE_MS);
      const key = {
        customerId: r.customerId,
        identity: r.identity,
        identityType: r.identityType,
        windowStart,
      };
      const keys = out.get(r.customerId) ?? new Map<string, Key>();
      out.set(r.customerId, keys);
      keys.set(keyText(key), key);
    }
    return new Map([...out].map(([c, m]) => [c, [...m.values()]]));
  }

  private async decideCustomer(
    trx: Trx,
    providerId: number,
    rule: TicketRule,
    settings: TicketRuleSettings,
    customerId: number,
    keys: Key[],
    nowMs: number,
  ): Promise<OutboxItemInput[]> {
    const counts = await this.countsFor(trx, providerId, settings, customerId, keys);
    const tracks = await this.tracksFor(trx, providerId, rule.id, customerId, keys);
    const items: OutboxItemInput[] = [];
    let context: CustomerContext | undefined;
    // Keys in a stable order, so concurrent commits lock tracks in the same order.
    keys.sort((a, b) => (keyText(a) < keyText(b) ? -1 : 1));
    for (const key of keys) {
      const count = counts.get(keyText(key)) ?? 0;
      const trackKey = `${key.identity}\u0000${key.identityType}`;
      const row = tracks.get(trackKey);
      const before: TrackSnapshot | undefined = row ? snapshotOf(row) : undefined;
      const decision = decide(before, { windowStart: key.windowStart, count, now: nowMs }, settings);
      if (decision.intents.length === 0 && decision.next === before) continue;
      if (decision.intents.length === 0 && !row) continue;
      context ??= await this.context(trx, providerId, customerId, rule, settings);
      const blocker = context.blocker(decision.intents);
      if (blocker) {
        // Nothing is raised for this customer now (unmapped, integration off): the reason is kept on
        // the track, visible in the customer's health, and the next activity decides again.
        const id = await this.upsertTrack(
          trx,
          providerId,
          rule.id,
          customerId,
          key,
          row,
          before,
          blocker,
          nowMs,
        );
        tracks.set(trackKey, rowAfter(row, id, key, before, blocker, false));
        continue;
      }
      const trackId = await this.upsertTrack(
        trx,
        providerId,
        rule.id,
        customerId,
        key,
        row,
        decision.next,
        decision.reason ?? null,
        nowMs,
        decision.intents.some((i) => i.kind === 'create'),
      );
      // A batch may hold several windows of one identity: the next one decides on this state.
      tracks.set(
        trackKey,
        rowAfter(
          row,
          trackId,
          key,
          decision.next,
          decision.reason ?? null,
          decision.intents.some((i) => i.kind === 'create'),
        ),
      );
      items.push(
        ...(await intentItems(decision.intents, {
          ...context,
          providerId,
          trackId,
          generation: decision.next.generation,
          identity: key.identity,
          identityType: key.identityType,
        })),
      );
    }
    return items;
  }

  /** Blocked requests per key in the rule's categories, from the stored windows (this batch included). */
  private async countsFor(
    trx: Trx,
    providerId: number,
    settings: TicketRuleSettings,
    customerId: number,
    keys: readonly Key[],
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const lengthMs = settings.windowMinutes * MINUTE_MS;
    const byWindow = new Map<number, Key[]>();
    for (const k of keys) {
      const list = byWindow.get(k.windowStart);
      if (list) list.push(k);
      else byWindow.set(k.windowStart, [k]);
    }
    for (const [windowStart, list] of byWindow) {
      for (let i = 0; i < list.length; i += 200) {
        const part = list.slice(i, i + 200);
        const rows = await trx
          .selectFrom('con_agg_window')
          .select(['identity', 'identity_type'])
          .select((eb) => eb.fn.sum<number | string>('blocked').as('blocked'))
          .where('provider_id', '=', providerId)
          .where('customer_id', '=', customerId)
          .where('category', 'in', settings.categories)
          .where('window_minutes', 'in', dividingLengths(settings.windowMinutes))
          .where('window_start', '>=', iso(windowStart))
          .where('window_start', '<', iso(windowStart + lengthMs))
          .where(
            'identity',
            'in',
            part.map((k) => k.identity),
          )
          .groupBy(['identity', 'identity_type'])
          .execute();
        for (const r of rows) {
          const key = { customerId, identity: r.identity, identityType: r.identity_type, windowStart };
          out.set(keyText(key), Number(r.blocked));
        }
      }
    }
    return out;
  }

  private async tracksFor(
    trx: Trx,
    providerId: number,
    ruleId: number,
    customerId: number,
    keys: readonly Key[],
  ): Promise<Map<string, TrackRow>> {
    const identities = [...new Set(keys.map((k) => k.identity))];
    const out = new Map<string, TrackRow>();
    for (let i = 0; i < identities.length; i += 200) {
      let q = trx
        .selectFrom('con_ticket_track')
        .select(trackColumns)
        .where('provider_id', '=', providerId)
        .where('rule_id', '=', ruleId)
        .where('customer_id', '=', customerId)
        .where('identity', 'in', identities.slice(i, i + 200))
        .orderBy('id');
      if (this.dialect === 'postgres') q = q.forUpdate();
      for (const r of await q.execute()) out.set(`${r.identity}\u0000${r.identity_type}`, r as TrackRow);
    }
    return out;
  }

  /** Writes the track's next state; returns its id (inserted on the first decision). */
  private async upsertTrack(
    trx: Trx,
    providerId: number,
    ruleId: number,
    customerId: number,
    key: Key,
    row: TrackRow | undefined,
    next: TrackSnapshot | undefined,
    reason: string | null,
    nowMs: number,
    newTicket = false,
  ): Promise<number> {
    const at = iso(nowMs);
    const state = next
      ? { ...columnsOf(next), ...(newTicket ? { psa_ticket_id: null } : {}) }
      : { state: 'none' as const, generation: 0, last_count: 0, quiet_windows: 0 };
    if (row) {
      await trx
        .updateTable('con_ticket_track')
        .set({ ...state, reason, updated_at: at })
        .where('id', '=', row.id)
        .execute();
      return row.id;
    }
    const inserted = await trx
      .insertInto('con_ticket_track')
      .values({
        provider_id: providerId,
        rule_id: ruleId,
        customer_id: customerId,
        identity: key.identity,
        identity_type: key.identityType,
        ...state,
        reason,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(inserted.id);
  }

  /** What the templates and the ticket need about the customer; read once per customer and batch. */
  private async context(
    trx: Trx,
    providerId: number,
    customerId: number,
    rule: TicketRule,
    settings: TicketRuleSettings,
  ): Promise<CustomerContext> {
    const customer = await trx
      .selectFrom('con_customer')
      .select(['name', 'psa_company_id', 'mapping_state'])
      .where('provider_id', '=', providerId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    const integration = await trx
      .selectFrom('con_psa_integration')
      .select(['enabled'])
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    const companyId = customer?.mapping_state === 'mapped' ? customer.psa_company_id : null;
    const blocked = (identity: string, identityType: string, windowStart: number) =>
      readBlockedSummary(trx, providerId, customerId, settings, { identity, identityType, windowStart });
    return {
      customerId,
      customerName: customer?.name ?? `customer ${customerId}`,
      psaCompanyId: companyId ?? null,
      rule,
      settings,
      blocked,
      blocker(intents) {
        if (intents.length === 0) return null;
        if (!integration || Number(integration.enabled) !== 1)
          return 'PSA integration is not enabled: no ticket was raised.';
        if (companyId === null || companyId === undefined)
          return customer?.mapping_state === 'missing'
            ? "The customer's PSA company no longer exists: map the customer again; no ticket was raised."
            : 'The customer is not mapped to a PSA company: no ticket was raised.';
        return null;
      },
    };
  }
}
