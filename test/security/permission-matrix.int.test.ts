// PSA-5 / PSA-2 / PSA-3 / PSA-7, generated from the declarative tables: every row of ENDPOINTS (REST)
// and ADMIN_ENDPOINTS (admin API) × {no credentials, wrong private key, revoked key, inactive member,
// missing clientId (REST only), missing permission, allowed}. One test per (row, case), so a failure
// names the row. "Missing permission" uses a role that has everything except exactly what the row
// needs: its function+action at None, or (setup tables) its Table Setup item left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionLabel, functionPath, tableSetupLabel } from '../../src/psa/catalog/index.js';
import type { Action } from '../../src/psa/catalog/types.js';
import { ADMIN_ENDPOINTS } from '../../src/psa/http/admin-api.js';
import { ENDPOINTS } from '../../src/psa/http/endpoints.js';
import { DEMO_SEAT_PRODUCT, DEMO_TICKET_ID } from '../../src/psa/service/seed.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { admin, basic, type CallResult, everythingExcept, memberWithKey, ok, rest } from './support.js';

interface Need {
  function: string;
  action: Action;
  tableSetupItem?: string;
}

interface Row {
  api: 'rest' | 'admin';
  method: string;
  /** Template: `/service/tickets/{id}` (REST) or `/members/:id/keys` (admin). */
  path: string;
  need: Need | undefined;
}

const ROWS: Row[] = [
  ...ENDPOINTS.map(
    (e): Row => ({
      api: 'rest',
      method: e.method,
      path: e.path,
      need:
        e.access.kind === 'permission'
          ? {
              function: e.access.function,
              action: e.access.action,
              ...(e.access.tableSetupItem ? { tableSetupItem: e.access.tableSetupItem } : {}),
            }
          : undefined,
    }),
  ),
  ...ADMIN_ENDPOINTS.map((e): Row => ({ api: 'admin', method: e.method, path: e.path, need: e.need })),
];

const fnKey = (n: Need) => `${n.function}|${n.action}`;
const FUNCTION_NEEDS = [...new Map(ROWS.flatMap((r) => (r.need ? [[fnKey(r.need), r.need]] : []))).values()];
const TABLE_ITEMS = [
  ...new Set(ROWS.flatMap((r) => (r.need?.tableSetupItem ? [r.need.tableSetupItem] : []))),
];

type Case =
  | 'no credentials'
  | 'wrong private key'
  | 'revoked key'
  | 'inactive member'
  | 'missing clientId'
  | 'missing permission (level None)'
  | 'missing permission (Table Setup item)'
  | 'allowed';

function casesOf(row: Row): Case[] {
  const cases: Case[] = ['no credentials', 'wrong private key', 'revoked key', 'inactive member'];
  if (row.api === 'rest') cases.push('missing clientId');
  if (row.need) cases.push('missing permission (level None)');
  if (row.need?.tableSetupItem) cases.push('missing permission (Table Setup item)');
  cases.push('allowed');
  return cases;
}

/** An id no record has: routes still run their checks and answer 404. */
const NONE = 999_999;

describe.each(databaseKinds)('permission matrix on %s', (db) => {
  let psa: TestPsa;
  let full: TestKey;
  let revoked: TestKey;
  let inactive: TestKey;
  let wrongPrivate: string;
  const missingFn = new Map<string, TestKey>();
  const missingTable = new Map<string, TestKey>();
  /** Collection template (path without `/{id}`, `/count`, `/search`) → ids to fill in. */
  const ids = new Map<string, { parents: number[]; id: number }>();
  const adminIds: Record<string, number> = {};

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    const svc = psa.running.psa.services.admin;
    const fullRole = await svc.createRole(everythingExcept('Matrix everything'), 'test');
    full = await memberWithKey(psa, 'mx-full', fullRole.id);
    revoked = await memberWithKey(psa, 'mx-revoked', fullRole.id);
    await svc.revokeKey(revoked.memberId, revoked.keyId, 'test');
    inactive = await memberWithKey(psa, 'mx-inactive', fullRole.id, { inactiveFlag: true });
    wrongPrivate = basic(psa.companyId, full.publicKey, 'x'.repeat(full.privateKey.length));
    // One role (and API member with a key) per "missing permission" variant. Created concurrently:
    // each role writes a level row per catalogue function, which adds up on PostgreSQL.
    await Promise.all([
      ...FUNCTION_NEEDS.map(async (need, i) => {
        const role = await svc.createRole(everythingExcept(`Matrix fn ${i}`, need), 'test');
        missingFn.set(fnKey(need), await memberWithKey(psa, `mx-fn${i}`, role.id));
      }),
      ...TABLE_ITEMS.map(async (item, i) => {
        const role = await svc.createRole(
          everythingExcept(`Matrix table ${i}`, { tableSetupItem: item }),
          'test',
        );
        missingTable.set(item, await memberWithKey(psa, `mx-t${i}`, role.id));
      }),
    ]);

    // Real records for the path placeholders, made the way a client would (with the full role).
    const get = async (path: string) =>
      (await ok<Array<{ id: number }>>(rest(psa, 'GET', path, { auth: full })))[0]!.id;
    const post = async (path: string, body: unknown) =>
      (await ok<{ id: number }>(rest(psa, 'POST', path, { auth: full, body }))).id;
    const company = await get('/company/companies?conditions=identifier="AcmeCorp"');
    const board = await get('/service/boards?conditions=name="Service Board"');
    const item = await get(`/service/boards/${board}/items`);
    const role = (await svc.getRole('Read Only')).id;
    const cfgType = await post('/company/configurations/types', { name: 'Matrix type' });
    const question = await post(`/company/configurations/types/${cfgType}/questions`, {
      question: 'Matrix question?',
      fieldType: 'Text',
    });
    const configuration = await post('/company/configurations', {
      name: 'Matrix device',
      type: { id: cfgType },
      company: { id: company },
    });
    const agreement = await post('/finance/agreements', {
      name: 'Matrix agreement',
      company: { id: company },
    });
    const set = (path: string, id: number, parents: number[] = []) => ids.set(path, { parents, id });
    set('/system/members', (await svc.getMember('admin')).id);
    set('/system/apiMembers', full.memberId);
    set('/system/securityroles', role);
    set('/system/securityRoles/{parentId}/settings', await get(`/system/securityRoles/${role}/settings`), [
      role,
    ]);
    set('/company/companies', company);
    set('/company/communicationTypes', await get('/company/communicationTypes'));
    set('/company/configurations', configuration);
    set('/company/configurations/types', cfgType);
    set('/company/configurations/types/{parentId}/questions', question, [cfgType]);
    set(
      '/company/configurations/types/{grandparentId}/questions/{parentId}/values',
      await post(`/company/configurations/types/${cfgType}/questions/${question}/values`, { value: 'v1' }),
      [cfgType, question],
    );
    set('/company/configurations/statuses', await get('/company/configurations/statuses'));
    set('/service/tickets', DEMO_TICKET_ID);
    set(
      '/service/tickets/{parentId}/notes',
      await post(`/service/tickets/${DEMO_TICKET_ID}/notes`, { text: 'matrix note' }),
      [DEMO_TICKET_ID],
    );
    set(
      '/service/tickets/{parentId}/configurations',
      await post(`/service/tickets/${DEMO_TICKET_ID}/configurations`, { id: configuration }),
      [DEMO_TICKET_ID],
    );
    set('/service/boards', board);
    for (const sub of ['statuses', 'types', 'subtypes', 'items'])
      set(`/service/boards/{parentId}/${sub}`, await get(`/service/boards/${board}/${sub}`), [board]);
    set('/service/boards/{grandparentId}/items/{parentId}/associations', NONE, [board, item]);
    set('/service/priorities', await get('/service/priorities'));
    set('/service/sources', await get('/service/sources'));
    set(
      '/system/callbacks',
      // Inactive, so no delivery is ever attempted for the changes the matrix makes.
      await post('/system/callbacks', {
        url: 'https://127.0.0.1:9/matrix',
        type: 'ticket',
        inactiveFlag: true,
      }),
    );
    set('/finance/agreements', agreement);
    set(
      '/finance/agreements/{parentId}/additions',
      await post(`/finance/agreements/${agreement}/additions`, {
        product: { identifier: DEMO_SEAT_PRODUCT },
      }),
      [agreement],
    );
    adminIds.memberId = full.memberId;
    adminIds.roleId = role;
  });
  afterAll(async () => psa?.close());

  /** A concrete URL path for a REST template; DELETE gets an id no record has so nothing is removed. */
  function restPath(row: Row): string {
    const collection = row.path.replace(/\/(\{id\}|count|search)$/, '');
    const known = ids.get(collection);
    const parents = [...(known?.parents ?? [])];
    const id = row.method === 'DELETE' ? NONE : (known?.id ?? NONE);
    return row.path
      .replace('{grandparentId}', String(parents.length > 1 ? parents[0] : NONE))
      .replace('{parentId}', String(parents[parents.length - 1] ?? NONE))
      .replace('{id}', String(id));
  }

  /** Roles rows act on the Read Only role (DELETE on an id no role has); member rows on mx-full. */
  function adminPath(row: Row): string {
    const id = row.path.startsWith('/roles/')
      ? row.method === 'DELETE'
        ? NONE
        : adminIds.roleId!
      : adminIds.memberId!;
    return row.path.replace(':id', String(id)).replace(':keyId', String(NONE));
  }

  function call(row: Row, auth: TestKey | string | undefined, clientId = true): Promise<CallResult> {
    const body =
      row.method === 'PATCH' && row.api === 'rest'
        ? []
        : ['POST', 'PUT', 'PATCH'].includes(row.method)
          ? {}
          : undefined;
    const options = { auth, clientId, ...(body !== undefined ? { body } : {}) };
    return row.api === 'rest'
      ? rest(psa, row.method, restPath(row), options)
      : admin(psa, row.method, adminPath(row), options);
  }

  const expect401 = (r: CallResult) => {
    expect(r.status, r.text).toBe(401);
    expect(r.body).toEqual({ code: 'Unauthorized', message: expect.any(String), errors: null });
  };

  for (const row of ROWS) {
    const label = `${row.api === 'rest' ? 'REST' : 'admin'} ${row.method} ${row.path}`;
    for (const c of casesOf(row)) {
      it(`${label} — ${c}`, async () => {
        switch (c) {
          case 'no credentials':
            return expect401(await call(row, undefined));
          case 'wrong private key':
            return expect401(await call(row, wrongPrivate));
          case 'revoked key':
            return expect401(await call(row, revoked));
          case 'inactive member':
            return expect401(await call(row, inactive));
          case 'missing clientId':
            return expect401(await call(row, full, false));
          case 'missing permission (level None)': {
            const need = row.need!;
            const r = await call(row, missingFn.get(fnKey(need)));
            expect(r.status, r.text).toBe(403);
            expect(r.body).toEqual({ code: 'Forbidden', message: expect.any(String), errors: null });
            expect((r.body as { message: string }).message).toContain(
              `${functionPath(need.function)} (${actionLabel(need.action)})`,
            );
            return;
          }
          case 'missing permission (Table Setup item)': {
            const item = row.need!.tableSetupItem!;
            const r = await call(row, missingTable.get(item));
            expect(r.status, r.text).toBe(403);
            expect(r.body).toEqual({ code: 'Forbidden', message: expect.any(String), errors: null });
            expect((r.body as { message: string }).message).toContain(`'${tableSetupLabel(item)}'`);
            return;
          }
          case 'allowed': {
            const r = await call(row, full);
            expect(r.status, r.text).not.toBe(401);
            expect(r.status, r.text).not.toBe(403);
            expect(r.status, r.text).toBeLessThan(500);
            // The row's own route answered: not the router's unknown-route 404, 405 or 501.
            expect([405, 501]).not.toContain(r.status);
            if (r.status === 404) expect((r.body as { code?: string }).code).toBe('NotFound');
            return;
          }
        }
      });
    }
  }
});
