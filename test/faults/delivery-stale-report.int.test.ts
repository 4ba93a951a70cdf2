// What the fault runs found in the status poll, replayed deterministically: a poll reads the open
// tracks, and before the PSA's answer is applied the track's ticket is closed (by another poll) and a
// new ticket is decided for it (policy 'new'). The stale answer ("ticket 100 is closed") is about
// the previous ticket: it must not close the track's new one, whose later windows would otherwise get
// no note and whose next crossing would raise a second open ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStatusReport, TicketStatusService } from '../../src/console/delivery/ticket-status.js';
import { FakeConnectWise } from '../../src/console/psa-client/fake.js';
import type { ListQuery } from '../../src/console/psa-client/types.js';
import { DEFAULT_RULE_SETTINGS } from '../../src/console/ticketing/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Storage } from '../../src/platform/db.js';
import { addProvider, T0 } from '../engine/support.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';

/** The PSA's answer to the poll arrives after `meanwhile` ran. */
class SlowAnswer extends FakeConnectWise {
  meanwhile: () => Promise<void> = async () => {};
  override async list<T = unknown>(path: string, query: ListQuery = {}): Promise<T[]> {
    const rows = await super.list<T>(path, query);
    await this.meanwhile();
    return rows;
  }
}

describe.each(databaseKinds)('a stale status report (%s)', (kind) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openTestStorage(kind);
  });
  afterAll(() => storage.close());

  it("is about the track's previous ticket: the new ticket stays open", async () => {
    const { db } = storage;
    const providerId = await addProvider(db, `Stale ${kind}`);
    const rule = await db
      .insertInto('con_ticket_rule')
      .values({
        provider_id: providerId,
        name: 'C2',
        enabled: 1,
        settings: JSON.stringify(DEFAULT_RULE_SETTINGS),
        created_at: T0,
        updated_at: T0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const customer = await db
      .insertInto('con_customer')
      .values({
        provider_id: providerId,
        name: 'Acme',
        seats: 5,
        mapping_state: 'unmapped',
        created_at: T0,
        updated_at: T0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const track = await db
      .insertInto('con_ticket_track')
      .values({
        provider_id: providerId,
        rule_id: Number(rule.id),
        customer_id: Number(customer.id),
        identity: 'laptop-1',
        identity_type: 'Network Devices',
        state: 'open',
        generation: 1,
        psa_ticket_id: 100,
        opened_window: '2026-03-02T00:00:00.000Z',
        last_window: '2026-03-02T04:00:00.000Z',
        last_count: 12,
        quiet_windows: 0,
        created_at: T0,
        updated_at: T0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const trackId = Number(track.id);
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const psa = new SlowAnswer();
    psa.seed('/service/tickets', [{ id: 100, closedFlag: true }]);
    const status = new TicketStatusService({ db, clock, clientFor: async () => psa });

    psa.meanwhile = async () => {
      psa.meanwhile = async () => {};
      // Another poll learns the closure first…
      await applyStatusReport(db, trackId, { closed: true, now: clock.now().getTime(), ticketId: 100 });
      // …then new activity raises the track's next ticket (what the ticket decision writes).
      await db
        .updateTable('con_ticket_track')
        .set({ state: 'open', generation: 2, psa_ticket_id: null, last_window: '2026-03-02T08:00:00.000Z' })
        .where('id', '=', trackId)
        .execute();
    };
    await status.pollProvider(providerId);
    const after = await db
      .selectFrom('con_ticket_track')
      .select(['state', 'generation', 'psa_ticket_id'])
      .where('id', '=', trackId)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ state: 'open', generation: 2, psa_ticket_id: null });

    // A report about the current ticket still applies.
    await db.updateTable('con_ticket_track').set({ psa_ticket_id: 101 }).where('id', '=', trackId).execute();
    const applied = await applyStatusReport(db, trackId, {
      closed: true,
      now: clock.now().getTime(),
      ticketId: 101,
    });
    expect(applied).toMatchObject({ before: 'open', after: 'closed', changed: true });
  });
});
