// PSA-5, the `My` level: with Service Tickets Inquire My, a member sees exactly its own tickets
// (created by it, or with it as owner) in lists, counts, searches and every paging mode, whatever
// conditions it adds; someone else's ticket, its notes and its configurations answer 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FN } from '../../src/psa/catalog/index.js';
import { DEMO_TICKET_ID } from '../../src/psa/service/seed.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { type CallResult, memberWithKey, ok, rest } from './support.js';

const PREFIX = 'My-level';

describe.each(databaseKinds)('the My level on %s', (db) => {
  let psa: TestPsa;
  let a: TestKey;
  let adminKey: TestKey;
  /** Created by A. */
  let mine: number[];
  /** Created by the admin with owner A. */
  let ownedByA: number;
  /** Created by the admin, not A's. */
  let others: number[];

  const ids = (r: CallResult) => (r.body as Array<{ id: number }>).map((t) => t.id).sort((x, y) => x - y);
  const sorted = (list: number[]) => [...list].sort((x, y) => x - y);
  const q = (conditions: string) => encodeURIComponent(conditions);

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    const role = await psa.running.psa.services.admin.createRole(
      { name: 'Tickets My', levels: { [FN.serviceTickets]: { add: 'All', edit: 'All', inquire: 'My' } } },
      'test',
    );
    a = await memberWithKey(psa, 'member-a', role.id);
    adminKey = await psa.adminKey();
    const create = async (key: TestKey, summary: string, extra: Record<string, unknown> = {}) =>
      (
        await ok<{ id: number }>(
          rest(psa, 'POST', '/service/tickets', {
            auth: key,
            body: { summary: `${PREFIX} ${summary}`, company: { identifier: 'AcmeCorp' }, ...extra },
          }),
        )
      ).id;
    mine = [await create(a, 'A one'), await create(a, 'A two')];
    ownedByA = await create(adminKey, 'admin, owner A', { owner: { id: a.memberId } });
    others = [
      await create(adminKey, 'admin, no owner'),
      await create(adminKey, 'admin, owner admin', { owner: { identifier: 'admin' } }),
    ];
  });
  afterAll(async () => psa?.close());

  it("lists and counts exactly the member's own tickets", async () => {
    const own = sorted([...mine, ownedByA]);
    expect(ids(await rest(psa, 'GET', '/service/tickets?pageSize=1000', { auth: a }))).toEqual(own);
    expect((await ok<{ count: number }>(rest(psa, 'GET', '/service/tickets/count', { auth: a }))).count).toBe(
      3,
    );
    // Small pages: the Link header's total and every page agree with the restriction.
    const page1 = await rest(psa, 'GET', '/service/tickets?pageSize=2&orderBy=id', { auth: a });
    const page2 = await rest(psa, 'GET', '/service/tickets?pageSize=2&page=2&orderBy=id', { auth: a });
    expect([...ids(page1), ...ids(page2)]).toEqual(own);
    expect(page2.headers.get('link') ?? '').not.toContain('rel="next"');
    // Forward-only paging too.
    const fwd = await rest(psa, 'GET', '/service/tickets?pageSize=2', {
      auth: a,
      headers: { 'pagination-type': 'forward-only' },
    });
    expect(ids(fwd)).toEqual(own.slice(0, 2));
    const next = /pageId=(\d+)/.exec(fwd.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const fwd2 = await rest(psa, 'GET', `/service/tickets?pageSize=2&pageId=${next}`, {
      auth: a,
      headers: { 'pagination-type': 'forward-only' },
    });
    expect(ids(fwd2)).toEqual(own.slice(2));
    // The admin (All) sees them all, so the restriction is the level, not the data.
    const all = ids(await rest(psa, 'GET', '/service/tickets?pageSize=1000', { auth: adminKey }));
    expect(all).toEqual(expect.arrayContaining([...own, ...others, DEMO_TICKET_ID]));
  });

  it("refuses someone else's ticket, its notes and its configurations with 403", async () => {
    for (const id of [...others, DEMO_TICKET_ID]) {
      for (const path of [
        `/service/tickets/${id}`,
        `/service/tickets/${id}/notes`,
        `/service/tickets/${id}/configurations`,
      ]) {
        const r = await rest(psa, 'GET', path, { auth: a });
        expect(r.status, `${path}: ${r.text}`).toBe(403);
        expect(r.body).toEqual({ code: 'Forbidden', message: expect.stringContaining('My'), errors: null });
      }
    }
    for (const id of [...mine, ownedByA]) {
      expect((await rest(psa, 'GET', `/service/tickets/${id}`, { auth: a })).status).toBe(200);
      expect((await rest(psa, 'GET', `/service/tickets/${id}/notes`, { auth: a })).status).toBe(200);
    }
  });

  it('conditions combined with My stay restricted', async () => {
    const own = sorted([...mine, ownedByA]);
    const list = (conditions: string) =>
      rest(psa, 'GET', `/service/tickets?pageSize=1000&conditions=${q(conditions)}`, { auth: a });
    const count = async (conditions: string) =>
      (
        await ok<{ count: number }>(
          rest(psa, 'GET', `/service/tickets/count?conditions=${q(conditions)}`, { auth: a }),
        )
      ).count;

    expect(ids(await list(`summary like "${PREFIX}%"`))).toEqual(own);
    expect(await count(`summary like "${PREFIX}%"`)).toBe(3);
    expect(ids(await list(`id = ${others[0]}`))).toEqual([]);
    expect(await count(`id = ${others[0]}`)).toBe(0);
    expect(ids(await list(`id in (${mine[0]}, ${others[0]}, ${DEMO_TICKET_ID})`))).toEqual([mine[0]]);
    expect(ids(await list(`id = ${others[1]} or id = ${DEMO_TICKET_ID} or summary like "%admin%"`))).toEqual([
      ownedByA,
    ]);
    expect(ids(await list(`owner/identifier = "admin"`))).toEqual([]);
    // The same conditions through the search endpoint.
    const search = await rest(psa, 'POST', '/service/tickets/search?pageSize=1000', {
      auth: a,
      body: { conditions: `summary like "${PREFIX}%" and id != ${mine[1]}` },
    });
    expect(ids(search)).toEqual(sorted([mine[0]!, ownedByA]));
  });
  // Runs last: it adds a ticket the earlier counts do not expect.
  it('a ticket A created stays visible to A when someone else becomes its owner', async () => {
    const created = await ok<{ id: number }>(
      rest(psa, 'POST', '/service/tickets', {
        auth: a,
        body: { summary: 'handed over', company: { identifier: 'AcmeCorp' }, owner: { identifier: 'admin' } },
      }),
    );
    expect((await rest(psa, 'GET', `/service/tickets/${created.id}`, { auth: a })).status).toBe(200);
    expect(ids(await rest(psa, 'GET', '/service/tickets?pageSize=1000', { auth: a }))).toContain(created.id);
  });
});
