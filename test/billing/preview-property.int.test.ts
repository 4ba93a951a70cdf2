// Preview equals what "on" then writes (issue 17): over random seat histories — configured seats,
// identities of every kind seen at random times, every seat basis — the preview taken just before a
// run names exactly the lines the run then creates or changes, with the quantities it writes, and the
// PSA's writes (its API Logs) are exactly the preview's count.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEAT_BASES } from '../../src/console/billing/index.js';
import { databaseKinds } from '../support/databases.js';
import { type BillingEnv, startBillingEnv } from './support.js';

const PRODUCT = 'DNS-SECURITY-SEAT';
const DAY_MS = 86_400_000;
const COMPANIES = ['AcmeCorp', 'Globex', 'Initech'] as const;
const TYPES = ['roaming-computer', 'ad-user', 'network', 'site', 'internal-network'] as const;

const identity = fc.record({ type: fc.constantFrom(...TYPES), daysAgo: fc.integer({ min: 0, max: 60 }) });
const customerDay = fc.record({
  seats: fc.integer({ min: 0, max: 40 }),
  identities: fc.array(identity, { maxLength: 25 }),
});
const history = fc.record({
  basis: fc.constantFrom(...SEAT_BASES),
  days: fc.integer({ min: 1, max: 45 }),
  steps: fc.array(fc.tuple(customerDay, customerDay, customerDay), { minLength: 1, maxLength: 3 }),
});

describe.each(databaseKinds)('billing preview = what "on" writes on %s', (db) => {
  let env: BillingEnv;
  const agreement = new Map<string, number>();
  const customers: number[] = [];

  beforeAll(async () => {
    env = await startBillingEnv(db);
    for (const id of COMPANIES) {
      const companyId = await env.companyId(id);
      const a = await env.rest('GET', `/finance/agreements?conditions=company/id=${companyId}&pageSize=10`);
      agreement.set(id, a.body[0].id);
      customers.push(await env.addCustomer(id, 1, { id: companyId, identifier: id }));
    }
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  const linesOf = async (identifier: string): Promise<Array<{ id: number; quantity: number }>> =>
    (
      await env.rest(
        'GET',
        `/finance/agreements/${agreement.get(identifier)}/additions?conditions=${encodeURIComponent(`product/identifier="${PRODUCT}"`)}`,
      )
    ).body;

  it('over random seat histories', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        run++;
        await env.billing.saveSettings(
          env.providerId,
          {
            mode: 'on',
            productIdentifier: PRODUCT,
            agreementType: 'Managed Services',
            seatBasis: h.basis,
            identityDays: h.days,
          },
          'test',
        );
        for (const step of h.steps) {
          const now = env.clock.now().getTime();
          for (const [i, day] of step.entries()) {
            const customerId = customers[i]!;
            await env.db
              .updateTable('con_customer')
              .set({ seats: day.seats })
              .where('id', '=', customerId)
              .execute();
            await env.db
              .deleteFrom('con_agg_identity')
              .where('provider_id', '=', env.providerId)
              .where('customer_id', '=', customerId)
              .execute();
            if (day.identities.length > 0)
              await env.db
                .insertInto('con_agg_identity')
                .values(
                  day.identities.map((x, k) => {
                    const seen = new Date(now - x.daysAgo * DAY_MS - 1000).toISOString();
                    return {
                      provider_id: env.providerId,
                      customer_id: customerId,
                      label: `r${run}-host-${k}`,
                      type: x.type,
                      first_seen: seen,
                      last_seen: seen,
                      requests: 1,
                    };
                  }),
                )
                .execute();
          }
          const preview = await env.billing.preview(env.providerId);
          const mark = await env.logMark();
          await env.billing.run(env.providerId);
          const { failed } = await env.drain();
          expect(failed).toEqual([]);
          const writes = await env.requestsSince(mark);
          expect((writes.byMethod.POST ?? 0) + (writes.byMethod.PATCH ?? 0)).toBe(preview.totals.writes);
          for (const [i, id] of COMPANIES.entries()) {
            const row = preview.rows.find((r) => r.customerId === customers[i])!;
            const day = step[i]!;
            const seen = day.identities.filter(
              (x) => (x.type === 'roaming-computer' || x.type === 'ad-user') && x.daysAgo < h.days,
            ).length;
            const expected =
              h.basis === 'configured'
                ? day.seats
                : h.basis === 'identities'
                  ? seen
                  : Math.max(day.seats, seen);
            expect(row.quantity).toBe(expected);
            const lines = await linesOf(id);
            expect(lines).toHaveLength(1);
            expect(lines[0]!.quantity).toBe(row.quantity);
            if (row.action === 'none') expect(row.psaQuantity).toBe(row.quantity);
          }
          env.clock.set(new Date(now + DAY_MS));
        }
      }),
      { numRuns: 12, seed: 17 },
    );
  }, 300_000);
});
