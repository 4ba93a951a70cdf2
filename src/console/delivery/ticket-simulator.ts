// The threshold simulator's service (CON-12): reads the stored per-window counts of a period and
// replays them against a proposed rule (a saved rule with changes, or the default rule with
// changes), each customer with its own override, without saving anything. Only mapped customers
// get tickets from the engine, so only theirs are counted; the others are listed as not mapped.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db-types.js';
import { DAY_MS, dayOf, dayStart, SECURITY_CATEGORIES } from '../aggregate/index.js';
import { parse } from '../service/accounts.js';
import { ConsoleError } from '../service/errors.js';
import {
  DEFAULT_RULE_SETTINGS,
  effectiveSettings,
  parseRuleSettings,
  simulateTickets,
  TicketRuleError,
  type TicketRuleSettings,
} from '../ticketing/index.js';
import { AGGREGATION_WINDOW_MINUTES, ruleOverrideSchema, type TicketRuleService } from './ticket-rules.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');

export const simulateSchema = z
  .object({
    ruleId: z.number().int().min(1).optional(),
    settings: ruleOverrideSchema.optional(),
    from: day.optional(),
    to: day.optional(),
  })
  .strict();

/** At most this many days are replayed at once. */
export const MAX_SIMULATED_DAYS = 366;

export interface SimulationResult {
  from: string;
  to: string;
  /** Tickets the rule would have raised for mapped customers. */
  total: number;
  days: Array<{ customerId: number; customerName: string; day: string; tickets: number }>;
  /** Customers with crossings that would raise nothing today because they are not mapped. */
  unmapped: Array<{ customerId: number; customerName: string; tickets: number }>;
}

export class TicketSimulator {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly rules: TicketRuleService,
  ) {}

  async simulate(providerId: number, input: unknown): Promise<SimulationResult> {
    const body = parse(simulateSchema, input, 'simulation');
    const today = dayOf(this.clock.now().getTime());
    const to = body.to ?? today;
    const from = body.from ?? dayOf(dayStart(to) - 29 * DAY_MS);
    const days = (dayStart(to) - dayStart(from)) / DAY_MS + 1;
    if (days < 1 || days > MAX_SIMULATED_DAYS)
      throw new ConsoleError(
        'invalid',
        `from must be on or before to, at most ${MAX_SIMULATED_DAYS} days apart`,
        [{ path: 'from', message: `${from} … ${to}` }],
      );
    const base = body.ruleId === undefined ? undefined : await this.rules.getRule(providerId, body.ruleId);
    let proposed: TicketRuleSettings;
    try {
      proposed = parseRuleSettings(
        { ...(base?.settings ?? DEFAULT_RULE_SETTINGS), ...body.settings },
        AGGREGATION_WINDOW_MINUTES,
      );
    } catch (e) {
      if (!(e instanceof TicketRuleError)) throw e;
      throw new ConsoleError(
        'invalid',
        `The proposed rule is not valid: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        e.issues.map((i) => ({ path: `settings.${i.path}`, message: i.message })),
      );
    }
    const overrides =
      base === undefined ? [] : (await this.rules.listOverrides(providerId, base.id)).map((o) => o);
    const settingsFor = (customerId: number) =>
      effectiveSettings(proposed, overrides.find((o) => o.customerId === customerId)?.settings);
    const rows = await this.db
      .selectFrom('con_agg_window')
      .select(['customer_id', 'identity', 'identity_type', 'category', 'window_start', 'blocked'])
      .where('provider_id', '=', providerId)
      .where('category', 'in', [...SECURITY_CATEGORIES])
      .where('blocked', '>', 0)
      .where('window_start', '>=', new Date(dayStart(from)).toISOString())
      .where('window_start', '<', new Date(dayStart(to) + DAY_MS).toISOString())
      .execute();
    const simulated = simulateTickets(
      rows.map((r) => ({
        customerId: Number(r.customer_id),
        identity: r.identity,
        identityType: r.identity_type,
        category: r.category,
        windowStart: Date.parse(r.window_start),
        blocked: Number(r.blocked),
      })),
      settingsFor,
    );
    const customers = new Map(
      (
        await this.db
          .selectFrom('con_customer')
          .select(['id', 'name', 'mapping_state'])
          .where('provider_id', '=', providerId)
          .execute()
      ).map((c) => [Number(c.id), c]),
    );
    const result: SimulationResult = { from, to, total: 0, days: [], unmapped: [] };
    for (const d of simulated) {
      const c = customers.get(d.customerId);
      if (!c) continue;
      if (c.mapping_state !== 'mapped') {
        const u = result.unmapped.find((x) => x.customerId === d.customerId);
        if (u) u.tickets += d.tickets;
        else result.unmapped.push({ customerId: d.customerId, customerName: c.name, tickets: d.tickets });
        continue;
      }
      result.days.push({ customerId: d.customerId, customerName: c.name, day: d.day, tickets: d.tickets });
      result.total += d.tickets;
    }
    return result;
  }
}
