// Issue 13, item 7: children follow their parent. Generated from ENDPOINTS: for every route below a
// parent (ticket notes and configurations, agreement additions, configuration type questions and
// values, board statuses/types/subtypes/items/associations, role settings) and every verb:
// * the caller's Inquire level hides the parent (My on someone else's record, or None) while the
//   action's own level is All → 403 in ConnectWise's shape, nothing changed;
// * the action's level is My and the parent is someone else's → 403 for changes, reads pass;
// * the same calls on a parent the caller may see succeed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_FUNCTIONS,
  CUSTOMIZE,
  FN,
  type FunctionLevels,
  findFunction,
  TABLE_SETUP_ITEMS,
} from '../../src/psa/catalog/index.js';
import { ENDPOINTS, type Endpoint } from '../../src/psa/http/endpoints.js';
import { RESOURCES } from '../../src/psa/service/resources.js';
import { DEMO_SEAT_PRODUCT, DEMO_TICKET_ID } from '../../src/psa/service/seed.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { type CallResult, memberWithKey, ok, rest } from './support.js';

/** Routes below a parent: every template with a parent placeholder. */
const CHILD_ROUTES = ENDPOINTS.filter((e) => e.path.includes('{parentId}'));

/** The collection of a route: its path without `/{id}` and `/count`. */
const collectionOf = (e: Endpoint) => e.path.replace(/\/(\{id\}|count)$/, '');

/** The top-level collection a child route hangs from, and the function that guards it. */
function topFunction(e: Endpoint): string {
  const top = e.path.slice(0, e.path.indexOf('/{'));
  const def = RESOURCES.find((r) => r.path.toLowerCase() === top.toLowerCase());
  if (!def) throw new Error(`no top-level collection for ${e.path}`);
  return def.permission.function;
}

const offersMy = (fn: string) => findFunction(fn)?.myAllowed === true;
const TOP_FUNCTIONS = [...new Set(CHILD_ROUTES.map(topFunction))];
const ALL: FunctionLevels = { add: 'All', edit: 'All', delete: 'All', inquire: 'All' };

/** A role input: `levels` on the parents' functions, every Table Setup table allowed. */
function roleInput(name: string, levels: (fn: string) => FunctionLevels) {
  return {
    name,
    levels: Object.fromEntries(TOP_FUNCTIONS.map((fn) => [fn, levels(fn)])),
    allowLists: { [CUSTOMIZE.systemTableSetup]: TABLE_SETUP_ITEMS.map((i) => i.id) },
  };
}

type Which = 'other' | 'own';

interface Collection {
  /** Parent ids for the template's placeholders, outermost first. */
  parents: (which: Which) => number[];
  /** A fresh child under those parents (made by the admin), for `{id}`. */
  child?: (parents: number[]) => Promise<number>;
  post?: () => unknown;
  put?: () => unknown;
  patch?: () => unknown;
}

let serial = 0;
const uniq = (s: string) => `${s} ${++serial}`;

describe.each(databaseKinds)('children follow their parent on %s', (db) => {
  let psa: TestPsa;
  let adminKey: TestKey;
  /** Inquire hides the parent: My on My functions, None elsewhere; every other action All. */
  let hidden: TestKey;
  /** Actions at My, Inquire All (My functions only). */
  let actMy: TestKey;
  /** Everything All on the parents' functions: the control for functions without My. */
  let full: TestKey;
  const f: Record<string, number> = {};
  const collections = new Map<string, Collection>();

  const post = async (path: string, body: unknown, auth: TestKey = adminKey) =>
    (await ok<{ id: number }>(rest(psa, 'POST', path, { auth, body }))).id;
  const first = async (path: string) =>
    (await ok<Array<{ id: number }>>(rest(psa, 'GET', path, { auth: adminKey })))[0]!.id;

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'warn' });
    const svc = psa.running.psa.services.admin;
    const make = async (name: string, levels: (fn: string) => FunctionLevels) =>
      memberWithKey(
        psa,
        name.toLowerCase().replace(/\s/g, '-'),
        (await svc.createRole(roleInput(name, levels), 'test')).id,
      );
    hidden = await make('Hidden parents', (fn) => ({ ...ALL, inquire: offersMy(fn) ? 'My' : 'None' }));
    actMy = await make('Act My', (fn) =>
      offersMy(fn) ? { add: 'My', edit: 'My', delete: 'My', inquire: 'All' } : ALL,
    );
    full = await make('Parents full', () => ALL);
    adminKey = await psa.adminKey();

    const company = await first('/company/companies?conditions=identifier="AcmeCorp"');
    f.board = await first('/service/boards?conditions=name="Service Board"');
    f.item = await first(`/service/boards/${f.board}/items`);
    f.role = (await svc.getRole('Read Only')).id;
    f.cfgType = await post('/company/configurations/types', { name: 'Children type' });
    f.question = await post(`/company/configurations/types/${f.cfgType}/questions`, {
      question: 'Children question?',
      fieldType: 'Text',
    });
    f.config = await post('/company/configurations', {
      name: 'Children device',
      type: { id: f.cfgType },
      company: { id: company },
    });
    f.otherTicket = DEMO_TICKET_ID;
    f.ownTicket = await post('/service/tickets', {
      summary: 'owned by the hidden-parents member',
      company: { id: company },
      owner: { id: hidden.memberId },
    });
    f.otherAgreement = await post('/finance/agreements', { name: 'Not yours', company: { id: company } });
    f.ownAgreement = await post('/finance/agreements', { name: 'Yours', company: { id: company } }, hidden);

    const ticket = (w: Which) => [w === 'own' ? f.ownTicket! : f.otherTicket!];
    const agreement = (w: Which) => [w === 'own' ? f.ownAgreement! : f.otherAgreement!];
    const named = () => ({ name: uniq('Child') });
    const patchName = () => [{ op: 'replace', path: 'name', value: uniq('Patched') }];
    collections.set('/service/tickets/{parentId}/notes', {
      parents: ticket,
      child: ([t]) => post(`/service/tickets/${t}/notes`, { text: 'a note' }),
      post: () => ({ text: 'new note' }),
      put: () => ({ text: 'replaced note' }),
      patch: () => [{ op: 'replace', path: 'text', value: 'patched note' }],
    });
    collections.set('/service/tickets/{parentId}/configurations', {
      parents: ticket,
      child: async ([t]) => {
        await post(`/service/tickets/${t}/configurations`, { id: f.config });
        return f.config!;
      },
      post: () => ({ id: f.config }),
    });
    collections.set('/finance/agreements/{parentId}/additions', {
      parents: agreement,
      child: ([a]) =>
        post(`/finance/agreements/${a}/additions`, { product: { identifier: DEMO_SEAT_PRODUCT } }),
      post: () => ({ product: { identifier: DEMO_SEAT_PRODUCT } }),
      put: () => ({ product: { identifier: DEMO_SEAT_PRODUCT }, quantity: 3, billCustomer: 'Billable' }),
      patch: () => [{ op: 'replace', path: 'quantity', value: 2 }],
    });
    collections.set('/company/configurations/types/{parentId}/questions', {
      parents: () => [f.cfgType!],
      child: ([t]) =>
        post(`/company/configurations/types/${t}/questions`, { question: uniq('Q'), fieldType: 'Text' }),
      post: () => ({ question: uniq('New Q'), fieldType: 'Text' }),
      put: () => ({ question: uniq('Put Q'), fieldType: 'Text', entryType: 'EntryField', sequenceNumber: 5 }),
      patch: () => [{ op: 'replace', path: 'question', value: uniq('Patched Q') }],
    });
    collections.set('/company/configurations/types/{grandparentId}/questions/{parentId}/values', {
      parents: () => [f.cfgType!, f.question!],
      child: ([t, q]) =>
        post(`/company/configurations/types/${t}/questions/${q}/values`, { value: uniq('v') }),
      post: () => ({ value: uniq('new v') }),
      put: () => ({ value: uniq('put v') }),
      patch: () => [{ op: 'replace', path: 'value', value: uniq('patched v') }],
    });
    for (const sub of ['statuses', 'types', 'subtypes', 'items']) {
      collections.set(`/service/boards/{parentId}/${sub}`, {
        parents: () => [f.board!],
        child: ([b]) => post(`/service/boards/${b}/${sub}`, named()),
        post: named,
        put: named,
        patch: patchName,
      });
    }
    collections.set('/service/boards/{grandparentId}/items/{parentId}/associations', {
      parents: () => [f.board!, f.item!],
    });
    collections.set('/system/securityRoles/{parentId}/settings', {
      parents: () => [f.role!],
      child: async ([r]) => first(`/system/securityRoles/${r}/settings`),
    });
  });
  afterAll(async () => psa?.close());

  function concrete(template: string, parents: number[], id?: number): string {
    return template
      .replace('{grandparentId}', String(parents.length > 1 ? parents[0] : 0))
      .replace('{parentId}', String(parents[parents.length - 1]))
      .replace('{id}', String(id ?? 0));
  }

  interface Prepared {
    path: string;
    list: string;
    body: unknown;
  }

  /** The concrete call of a route on the other or the own parent; `{id}` gets a fresh child. */
  async function prepare(e: Endpoint, which: Which): Promise<Prepared> {
    const c = collections.get(collectionOf(e));
    if (!c) throw new Error(`no fixture for ${collectionOf(e)}: add one so the route is covered`);
    const parents = c.parents(which);
    const id = e.path.endsWith('{id}') ? await c.child!(parents) : undefined;
    const bodies: Record<string, (() => unknown) | undefined> = { POST: c.post, PUT: c.put, PATCH: c.patch };
    const body = bodies[e.method]?.();
    if (e.method in bodies && body === undefined)
      throw new Error(`no ${e.method} body for ${collectionOf(e)}`);
    return { path: concrete(e.path, parents, id), list: concrete(collectionOf(e), parents), body };
  }

  const send = (e: Endpoint, p: Prepared, auth: TestKey) =>
    rest(psa, e.method, p.path, { auth, ...(p.body !== undefined ? { body: p.body } : {}) });

  /** The parent's children as the admin sees them. */
  const snapshot = async (list: string) =>
    (await rest(psa, 'GET', `${list}?pageSize=1000`, { auth: adminKey })).text;

  function expectForbidden(r: CallResult): void {
    expect(r.status, r.text).toBe(403);
    expect(r.body).toEqual({ code: 'Forbidden', message: expect.any(String), errors: null });
  }

  it('covers every child route', () => {
    expect(CHILD_ROUTES.length).toBeGreaterThan(20);
    for (const fn of TOP_FUNCTIONS) expect(ALL_FUNCTIONS.map((x) => x.id)).toContain(fn);
    expect(TOP_FUNCTIONS).toEqual(expect.arrayContaining([FN.serviceTickets, FN.agreements, FN.tableSetup]));
  });

  for (const e of CHILD_ROUTES) {
    const label = `${e.method} ${e.path}`;
    const my = offersMy(topFunction(e));

    it(`${label}: a parent the caller's Inquire level hides → 403, nothing changed`, async () => {
      const p = await prepare(e, 'other');
      const before = await snapshot(p.list);
      expectForbidden(await send(e, p, hidden));
      expect(await snapshot(p.list)).toBe(before);
    });

    if (my) {
      it(`${label}: the action's level is My, the parent someone else's → ${e.method === 'GET' ? 'read' : '403'}`, async () => {
        const p = await prepare(e, 'other');
        const before = await snapshot(p.list);
        const r = await send(e, p, actMy);
        if (e.method === 'GET') expect(r.status, r.text).toBe(200);
        else {
          expectForbidden(r);
          expect(await snapshot(p.list)).toBe(before);
        }
      });
    }

    it(`${label}: a parent the caller may see → 2xx`, async () => {
      const r = await send(e, await prepare(e, 'own'), my ? hidden : full);
      expect(r.status, r.text).toBeGreaterThanOrEqual(200);
      expect(r.status, r.text).toBeLessThan(300);
    });
  }
});
