// What a provider's setup steps are judged by (model/setup-steps.ts): its customers, their source
// bindings and whether any DNS data is counted yet. Reads only, each filtered by the provider id.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db-types.js';
import type { SetupFacts } from '../model/setup-steps.js';

export type SetupCounts = Omit<SetupFacts, 'integration'>;

export async function readSetupCounts(db: Kysely<Database>, providerId: number): Promise<SetupCounts> {
  const [customers, bindings, unbound, data] = await Promise.all([
    db
      .selectFrom('con_customer')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('provider_id', '=', providerId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('con_source_binding')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('provider_id', '=', providerId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('con_customer as c')
      .select('c.id')
      .where('c.provider_id', '=', providerId)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('con_source_binding as b')
              .select('b.id')
              .whereRef('b.provider_id', '=', 'c.provider_id')
              .whereRef('b.customer_id', '=', 'c.id'),
          ),
        ),
      )
      .orderBy('c.id')
      .limit(1)
      .executeTakeFirst(),
    // Aggregates stay when a customer is removed (bindings go with it): only current customers count,
    // as only theirs are drawn.
    db
      .selectFrom('con_agg_daily as d')
      .innerJoin('con_customer as c', (j) =>
        j.onRef('c.id', '=', 'd.customer_id').onRef('c.provider_id', '=', 'd.provider_id'),
      )
      .select('d.day')
      .where('d.provider_id', '=', providerId)
      .limit(1)
      .executeTakeFirst(),
  ]);
  return {
    customers: Number(customers.n),
    bindings: Number(bindings.n),
    firstUnboundCustomerId: unbound ? Number(unbound.id) : null,
    hasData: data !== undefined,
  };
}
