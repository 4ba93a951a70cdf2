// Ticket rules and per-customer overrides (CON-7): stored per provider, validated by the pure rules
// of console/ticketing, every change in the admin audit log. A provider without rules gets
// Umbrella's default rule the first time its rules are read.
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import { type Database, decodeJson } from '../../platform/db-types.js';
import { DEFAULT_WINDOW_MINUTES } from '../aggregate/windows.js';
import { parse } from '../service/accounts.js';
import { ConsoleError, notFound } from '../service/errors.js';
import type { ConsoleStore, Db } from '../store/console-store.js';
import {
  DEFAULT_RULE_SETTINGS,
  parseRuleOverride,
  parseRuleSettings,
  type TicketRule,
  TicketRuleError,
  type TicketRuleOverride,
  type TicketRuleSettings,
  ticketRuleOverrideObject,
} from '../ticketing/index.js';

export const DEFAULT_RULE_NAME = 'Command-and-control activity';

/** The window length ingestion aggregates with; rule windows are whole multiples of it. */
export const AGGREGATION_WINDOW_MINUTES = DEFAULT_WINDOW_MINUTES;

export interface RuleOverrideView {
  ruleId: number;
  customerId: number;
  settings: TicketRuleOverride;
  updatedAt: string;
}

function invalid(e: unknown, what: string): never {
  if (e instanceof TicketRuleError) {
    throw ConsoleError.keyed(
      'invalid',
      'ticketRule.invalid',
      { what, detail: e.issues.map((i) => `${i.path || '(rule)'}: ${i.message}`).join('; ') },
      e.issues.map((i) => ({
        path: i.path,
        message: i.message,
        key: 'field.invalid',
        params: { detail: i.message },
      })),
    );
  }
  throw e;
}

/** Bodies of the rule routes; the service validates with these same schemas. */
export const ruleCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    enabled: z.boolean().optional(),
    settings: ticketRuleOverrideObject(AGGREGATION_WINDOW_MINUTES).optional(),
  })
  .strict();
export const ruleUpdateSchema = ruleCreateSchema.partial().strict();
export const ruleOverrideSchema = ticketRuleOverrideObject(AGGREGATION_WINDOW_MINUTES);

export class TicketRuleService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: ConsoleStore,
    private readonly clock: Clock,
  ) {}

  private at(): string {
    return cwDate(this.clock.now());
  }

  /** The provider's rules, oldest first; creates the default rule when there is none. */
  async listRules(providerId: number, db: Db = this.db): Promise<TicketRule[]> {
    let rows = await db
      .selectFrom('con_ticket_rule')
      .selectAll()
      .where('provider_id', '=', providerId)
      .orderBy('id')
      .execute();
    if (rows.length === 0) {
      const at = this.at();
      await db
        .insertInto('con_ticket_rule')
        .values({
          provider_id: providerId,
          name: DEFAULT_RULE_NAME,
          enabled: 1,
          settings: JSON.stringify(DEFAULT_RULE_SETTINGS),
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) => oc.columns(['provider_id', 'name']).doNothing())
        .execute();
      rows = await db
        .selectFrom('con_ticket_rule')
        .selectAll()
        .where('provider_id', '=', providerId)
        .orderBy('id')
        .execute();
    }
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      enabled: Number(r.enabled) === 1,
      // Stored settings were validated on the way in; defaults fill settings added later.
      settings: { ...DEFAULT_RULE_SETTINGS, ...decodeJson<Partial<TicketRuleSettings>>(r.settings) },
    }));
  }

  async getRule(providerId: number, ruleId: number): Promise<TicketRule> {
    const rule = (await this.listRules(providerId)).find((r) => r.id === ruleId);
    if (!rule) throw notFound('ticket rule');
    return rule;
  }

  async createRule(providerId: number, input: unknown, actor: string): Promise<TicketRule> {
    const body = parse(ruleCreateSchema, input, 'ticket rule');
    const name = body.name;
    let settings: TicketRuleSettings;
    try {
      settings = parseRuleSettings(
        { ...DEFAULT_RULE_SETTINGS, ...body.settings },
        AGGREGATION_WINDOW_MINUTES,
      );
    } catch (e) {
      invalid(e, 'The ticket rule');
    }
    const at = this.at();
    const existing = await this.db
      .selectFrom('con_ticket_rule')
      .select('id')
      .where('provider_id', '=', providerId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) throw ConsoleError.keyed('conflict', 'ticketRule.nameInUse', { name });
    const row = await this.db
      .insertInto('con_ticket_rule')
      .values({
        provider_id: providerId,
        name,
        enabled: body.enabled === false ? 0 : 1,
        settings: JSON.stringify(settings),
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.store.audit({ providerId, at, actor, action: 'ticket-rule.created', detail: name });
    return this.getRule(providerId, Number(row.id));
  }

  /** Replaces the settings given (others keep their value); name and enabled optional. */
  async updateRule(providerId: number, ruleId: number, input: unknown, actor: string): Promise<TicketRule> {
    const current = await this.getRule(providerId, ruleId);
    const body = parse(ruleUpdateSchema, input, 'ticket rule');
    const name = body.name ?? current.name;
    let settings: TicketRuleSettings;
    try {
      settings = parseRuleSettings({ ...current.settings, ...body.settings }, AGGREGATION_WINDOW_MINUTES);
    } catch (e) {
      invalid(e, 'The ticket rule');
    }
    const at = this.at();
    // Renaming onto another rule's name is the same conflict as creating it (not a constraint error).
    const clash = await this.db
      .selectFrom('con_ticket_rule')
      .select('id')
      .where('provider_id', '=', providerId)
      .where('name', '=', name)
      .where('id', '!=', ruleId)
      .executeTakeFirst();
    if (clash) throw new ConsoleError('conflict', `A ticket rule named '${name}' already exists.`);
    await this.db
      .updateTable('con_ticket_rule')
      .set({
        name,
        enabled: (body.enabled ?? current.enabled) ? 1 : 0,
        settings: JSON.stringify(settings),
        updated_at: at,
      })
      .where('provider_id', '=', providerId)
      .where('id', '=', ruleId)
      .execute();
    const changed = Object.keys(body.settings ?? {});
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'ticket-rule.updated',
      detail: `${name}: ${[...(body.enabled !== undefined ? ['enabled'] : []), ...changed].join(', ') || 'no change'}`,
    });
    return this.getRule(providerId, ruleId);
  }

  async deleteRule(providerId: number, ruleId: number, actor: string): Promise<void> {
    const rule = await this.getRule(providerId, ruleId);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('con_ticket_override')
        .where('provider_id', '=', providerId)
        .where('rule_id', '=', ruleId)
        .execute();
      await trx
        .deleteFrom('con_ticket_rule')
        .where('provider_id', '=', providerId)
        .where('id', '=', ruleId)
        .execute();
    });
    await this.store.audit({
      providerId,
      at: this.at(),
      actor,
      action: 'ticket-rule.deleted',
      detail: rule.name,
    });
  }

  async listOverrides(providerId: number, ruleId?: number, db: Db = this.db): Promise<RuleOverrideView[]> {
    let q = db.selectFrom('con_ticket_override').selectAll().where('provider_id', '=', providerId);
    if (ruleId !== undefined) q = q.where('rule_id', '=', ruleId);
    const rows = await q.orderBy('rule_id').orderBy('customer_id').execute();
    return rows.map((r) => ({
      ruleId: Number(r.rule_id),
      customerId: Number(r.customer_id),
      settings: decodeJson<TicketRuleOverride>(r.settings),
      updatedAt: r.updated_at,
    }));
  }

  /** Sets (or, with null, removes) a customer's override of a rule. */
  async setOverride(
    providerId: number,
    ruleId: number,
    customerId: number,
    input: unknown,
    actor: string,
  ): Promise<RuleOverrideView | null> {
    const rule = await this.getRule(providerId, ruleId);
    const customer = await this.store.getCustomer(providerId, customerId);
    if (!customer) throw notFound('customer');
    const at = this.at();
    if (input === null) {
      await this.db
        .deleteFrom('con_ticket_override')
        .where('provider_id', '=', providerId)
        .where('rule_id', '=', ruleId)
        .where('customer_id', '=', customerId)
        .execute();
      await this.store.audit({
        providerId,
        at,
        actor,
        action: 'ticket-rule.override-removed',
        detail: `${rule.name} for ${customer.name}`,
      });
      return null;
    }
    parse(ruleOverrideSchema, input, 'ticket rule override');
    let settings: TicketRuleOverride;
    try {
      settings = parseRuleOverride(input, AGGREGATION_WINDOW_MINUTES);
    } catch (e) {
      invalid(e, 'The override');
    }
    await this.db
      .insertInto('con_ticket_override')
      .values({
        provider_id: providerId,
        rule_id: ruleId,
        customer_id: customerId,
        settings: JSON.stringify(settings),
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.columns(['provider_id', 'rule_id', 'customer_id']).doUpdateSet({
          settings: sql`${sql.ref('excluded.settings')}`,
          updated_at: at,
        }),
      )
      .execute();
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'ticket-rule.override-set',
      detail: `${rule.name} for ${customer.name}: ${Object.keys(settings).join(', ')}`,
    });
    return { ruleId, customerId, settings, updatedAt: at };
  }
}
