// Helpers for the delivery engine's tests: providers to deliver for, items to enqueue, and effects
// that record what they did.
import type { Kysely } from 'kysely';
import type { EffectContext, EffectDone, OutboxItemInput } from '../../src/console/engine/types.js';
import type { Database } from '../../src/platform/db-types.js';

export const T0 = '2026-03-02T10:00:00.000Z';

export async function addProvider(db: Kysely<Database>, name: string): Promise<number> {
  const r = await db
    .insertInto('con_provider')
    .values({ name, kind: 'MSP', created_at: T0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Empties the engine's tables between the tests of one file (one database per file, not per test). */
export async function clearEngineTables(db: Kysely<Database>): Promise<void> {
  for (const table of ['con_psa_write', 'con_outbox', 'con_integration_health', 'con_schedule'] as const)
    await db.deleteFrom(table).execute();
}

export function item(
  providerId: number,
  subject: string,
  extra: Partial<OutboxItemInput> = {},
): OutboxItemInput {
  return { providerId, customerId: null, kind: 'test.write', subject, payload: { subject }, ...extra };
}

export interface Run {
  id: number;
  subject: string;
  attempts: number;
  ambiguous: boolean;
}

/** An effect that records each run; `behave` may throw or return what the item's completion gets. */
export function recordingEffect(
  runs: Run[],
  behave: (ctx: EffectContext) => Promise<EffectDone | undefined> | EffectDone | undefined = () => undefined,
) {
  return async (ctx: EffectContext): Promise<EffectDone> => {
    runs.push({
      id: ctx.item.id,
      subject: ctx.item.subject,
      attempts: ctx.item.attempts,
      ambiguous: ctx.item.ambiguous,
    });
    return (await behave(ctx)) ?? { result: { ran: ctx.item.id } };
  };
}
