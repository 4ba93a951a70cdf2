// Tenant isolation and access control of the console API (CON-1, X-6), GENERATED from the route table
// CONSOLE_ROUTES on every database. Two providers, A and B, each with an admin, a read-only user,
// customers and saved PSA Integration Details (B also has a mapping and cached PSA reference data).
// A new route with a body or a new kind of :id makes this file say what it needs. Signed in as A:
//   - every route with an :id, given one of B's ids, answers 404 exactly as for an id that does not
//     exist, and the answer holds none of B's names, emails, hints or ids;
//   - every read of per-provider data lists only A's rows and holds nothing of B;
//   - every route works with A's own ids (so the 404s above come from the tenant filter);
// and, for every route: no session → 401; a change without, or with a wrong, x-csrf-token → 403; a
// read-only user → 403 on 'admin' routes and 2xx on 'user' routes. B's data is unchanged at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { CONSOLE_ROUTES, type ConsoleRoute } from '../../src/console/http/routes.js';
import { ingestion } from '../../src/console/ingest/index.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { cwDate } from '../../src/platform/clock.js';
import { hashPassword } from '../../src/platform/passwords.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { type CallOptions, type ConsoleSession, call, openSession, signIn } from './support.js';

const PASSWORD = 'tenant isolation passphrase';
const SIGN_OUT = 'DELETE /api/v1/session';
/** One scrypt hash of PASSWORD for every user of this file (hashing costs ~0.3 s). */
const passwordHash = hashPassword(PASSWORD);
const MISSING_ID = 987654321;

const A = {
  provider: 'Alpha Tenant MSP',
  admin: 'alpha-admin@alpha.test',
  reader: 'alpha-reader@alpha.test',
  spare: 'alpha-spare@alpha.test',
  customers: ['Alpha Customer One', 'Alpha Customer Two', 'Alpha Spare Customer'],
  actor: 'alpha-setup',
} as const;
const B = {
  provider: 'Bravo Tenant MSSP',
  admin: 'bravo-admin@bravo.test',
  reader: 'bravo-reader@bravo.test',
  customers: ['Bravo Customer One', 'Bravo Customer Two'],
  actor: 'bravo-setup',
} as const;

const key = (r: ConsoleRoute) => `${r.method} ${r.path}`;
/** Routes a signed-in user calls with the session cookie (and, on changes, the CSRF token). */
const SESSION_ROUTES = CONSOLE_ROUTES.filter((r) => r.access === 'user' || r.access === 'admin');
/** Every route that needs some credential. */
const NOT_PUBLIC = CONSOLE_ROUTES.filter((r) => r.access !== 'public');

interface Ids {
  provider: number;
  users: Record<string, number>;
  customers: Record<string, number>;
  /** Ingest tokens by name. */
  tokens: Record<string, number>;
  /** A source binding of each customer: customer id → binding id. */
  bindings: Record<number, number>;
  /** Ticket rules by name. */
  rules: Record<string, number>;
}

describe.each(databaseKinds)('console tenant isolation on %s', (db) => {
  let psa: TestPsa;
  const a: Ids = { provider: 0, users: {}, customers: {}, tokens: {}, bindings: {}, rules: {} };
  const b: Ids = { provider: 0, users: {}, customers: {}, tokens: {}, bindings: {}, rules: {} };
  let aKey: TestKey;
  let bKey: TestKey;
  let admin: ConsoleSession;
  let reader: ConsoleSession;
  let readerToSignOut: ConsoleSession;
  let bAdmin: ConsoleSession;
  let bBefore: string;

  /**
   * A valid request body for every route that takes one (a new route with a body must add one here).
   * `any`: for checks that refuse the request before its body is read, where none is needed.
   */
  function sampleBody(r: ConsoleRoute, need: 'valid' | 'any' = 'valid'): CallOptions {
    const samples: Record<string, CallOptions> = {
      'PATCH /api/v1/provider': { body: { name: A.provider } },
      'POST /api/v1/users': {
        body: { email: 'alpha-new@alpha.test', name: 'Alpha New', role: 'read-only', password: PASSWORD },
      },
      'PATCH /api/v1/users/:id': { body: { name: 'Alpha Spare Renamed' } },
      'POST /api/v1/customers': { body: { name: 'Alpha Customer New', seats: 3 } },
      'PATCH /api/v1/customers/:id': { body: { seats: 7 } },
      'PUT /api/v1/customers/:id/mapping': { body: { psaCompanyIdentifier: 'AcmeCorp' } },
      'POST /api/v1/mappings.csv': {
        raw: { text: 'customer_id,psa_company_identifier\r\n', contentType: 'text/csv' },
      },
      // Keys omitted: the stored ones are kept. Not enabled: no preflight (its own route runs one).
      'PUT /api/v1/psa-integration': {
        body: { enabled: false, site: psa.hostPort, companyId: psa.companyId, clientId: psa.clientId },
      },
      'POST /api/v1/ingest-tokens': { body: { name: 'Alpha collector two' } },
      'POST /api/v1/customers/:id/bindings': { body: { kind: 'folder-prefix', value: 'alpha-new-logs/' } },
      // Enabled, so that the poll route runs (A binds no Umbrella organization: nothing is read).
      'PUT /api/v1/umbrella-api': {
        body: { enabled: true, apiKey: 'alpha-umbrella-key', apiSecret: 'alpha-umbrella-secret' },
      },
      'POST /api/v1/ticket-rules': {
        body: { name: 'Alpha phishing rule', settings: { categories: ['phishing'] } },
      },
      'PATCH /api/v1/ticket-rules/:id': { body: { settings: { threshold: 25 } } },
      'PUT /api/v1/ticket-rules/:id/overrides/:customerId': { body: { threshold: 3 } },
      'POST /api/v1/config-sync/run': { body: {} },
      'POST /api/v1/ticket-rules/simulate': {
        body: { settings: { threshold: 5 }, from: '2026-01-01', to: '2026-01-31' },
      },
      'POST /api/v1/activity/retry': { body: {} },
    };
    const sample = samples[key(r)];
    if (sample) return sample;
    if ((r.body || r.bodyContentType) && need === 'valid')
      throw new Error(`add a sample body for ${key(r)} to this test`);
    return {};
  }

  /** Everything of B that A must never see, as text. */
  const bMarkers = () => [
    B.provider,
    B.admin,
    B.reader,
    'Bravo Admin',
    'Bravo Reader',
    ...B.customers,
    B.actor,
    bKey.publicKey,
    bKey.privateKey,
    `••••${bKey.publicKey.slice(-4)}`,
    `••••${bKey.privateKey.slice(-4)}`,
  ];
  const expectNothingOfB = (text: string, what: string) => {
    for (const marker of bMarkers())
      expect(text.includes(marker), `${what} contains '${marker}'`).toBe(false);
    // No value anywhere names B's provider id.
    expect(text, what).not.toMatch(new RegExp(`"providerId":${b.provider}[,}]`));
  };

  /** Path of a route with the given :id. */
  const pathWith = (r: ConsoleRoute, id: number) =>
    r.path
      .replace(':id', String(id))
      // A binding of that customer (B's for B's customers), else one of A's.
      .replace(
        ':bindingId',
        String(a.bindings[id] ?? b.bindings[id] ?? Object.values(a.bindings)[0] ?? MISSING_ID),
      )
      // A customer of A (a rule of B, or a missing rule, answers 404 before the customer is read).
      .replace(':customerId', String(a.customers[A.customers[0]]));
  /** The kind of record an :id names, from the segment before it (users, customers). */
  const idOf = (r: ConsoleRoute, ids: Ids, which: 'own' | 'any', strict = true): number => {
    const segments = r.path.split('/');
    const kind = segments[segments.indexOf(':id') - 1];
    if (kind === 'users') return which === 'own' ? ids.users[A.spare]! : Object.values(ids.users)[0]!;
    if (kind === 'customers')
      return which === 'own' ? ids.customers[A.customers[2]]! : Object.values(ids.customers)[0]!;
    if (kind === 'ingest-tokens') return Object.values(ids.tokens)[0]!;
    if (kind === 'ticket-rules') return Object.values(ids.rules)[0]!;
    if (!strict) return MISSING_ID;
    throw new Error(`teach this test which ids ${key(r)} takes (and give A and B some)`);
  };
  /** Everything B owns, read through the services (not the API), for "unchanged" checks. */
  const snapshot = async (providerId: number) => {
    const { store } = psa.running.console.services;
    return JSON.stringify({
      provider: await store.getProvider(providerId),
      users: await store.listUsers(providerId),
      customers: await store.listCustomers(providerId),
      integration: await store.getIntegration(providerId),
      cache: await store.getCache(providerId, 'reference'),
      audit: await store.listAudit(providerId, 1000),
      ingestTokens: await remoteSources(psa.running.console.services).tokens.list(providerId),
      bindings: await ingestion(psa.running.console.services).store.listBindings(providerId),
      umbrellaApi: await remoteSources(psa.running.console.services).umbrella.get(providerId),
      ticketRules: await delivery(psa.running.console.services).rules.listRules(providerId),
      ticketOverrides: await delivery(psa.running.console.services).rules.listOverrides(providerId),
    });
  };

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    const { accounts, integration, mapping, store, clock } = psa.running.console.services;
    const hash = await passwordHash;
    const setUp = async (
      t: typeof A | typeof B,
      ids: Ids,
      kind: 'MSP' | 'MSSP',
      users: Array<[string, string, 'admin' | 'read-only']>,
      memberKey: TestKey,
    ) => {
      ids.provider = (await accounts.createProvider({ name: t.provider, kind }, t.actor)).id;
      // Users are written through the store with one precomputed scrypt hash (createUser would hash
      // each password again, ~0.3 s apiece); their audit entries are written as createUser does.
      for (const [email, name, role] of users) {
        const at = cwDate(clock.now());
        ids.users[email] = await store.createUser({
          providerId: ids.provider,
          email,
          name,
          role,
          passwordHash: hash,
          at,
        });
        await store.audit({
          providerId: ids.provider,
          at,
          actor: t.actor,
          action: 'user.created',
          detail: email,
        });
      }
      for (const name of t.customers)
        ids.customers[name] = (await accounts.createCustomer(ids.provider, { name, seats: 5 }, t.actor)).id;
      // Saved without enabling (no preflight here; the routes test below runs one through the API).
      await integration.save(
        ids.provider,
        {
          enabled: false,
          site: psa.hostPort,
          trustedCa: psa.ca,
          companyId: psa.companyId,
          clientId: psa.clientId,
          publicKey: memberKey.publicKey,
          privateKey: memberKey.privateKey,
        },
        t.actor,
      );
      // An ingest token each (the NDJSON endpoint's credential; its routes take its id).
      const token = await remoteSources(psa.running.console.services).tokens.create(
        ids.provider,
        { name: `${t.actor} collector` },
        t.actor,
      );
      ids.tokens[token.name] = token.id;
      // A source binding per customer (the binding routes take its id).
      for (const [name, customerId] of Object.entries(ids.customers)) {
        const binding = await ingestion(psa.running.console.services).addBinding(
          ids.provider,
          customerId,
          { kind: 'umbrella-org', value: `${t.actor} org of ${name}` },
          t.actor,
        );
        ids.bindings[customerId] = binding.id;
      }
      // The default ticket rule, and an override of it for the first customer.
      const rules = delivery(psa.running.console.services).rules;
      const [rule] = await rules.listRules(ids.provider);
      ids.rules[rule!.name] = rule!.id;
      await rules.setOverride(
        ids.provider,
        rule!.id,
        ids.customers[t.customers[0]]!,
        { threshold: 4 },
        t.actor,
      );
    };
    aKey = await psa.apiMemberWithKey('umb-alpha', ARTICLE_ROLE);
    bKey = await psa.apiMemberWithKey('umb-bravo', ARTICLE_ROLE);
    await setUp(
      A,
      a,
      'MSP',
      [
        [A.admin, 'Alpha Admin', 'admin'],
        [A.reader, 'Alpha Reader', 'read-only'],
        [A.spare, 'Alpha Spare', 'read-only'],
      ],
      aKey,
    );
    await setUp(
      B,
      b,
      'MSSP',
      [
        [B.admin, 'Bravo Admin', 'admin'],
        [B.reader, 'Bravo Reader', 'read-only'],
      ],
      bKey,
    );
    // B has mappings and cached reference data; A has neither yet.
    await mapping.refreshReference(b.provider);
    await mapping.setMapping(
      b.provider,
      b.customers[B.customers[0]]!,
      { psaCompanyIdentifier: 'Globex' },
      B.actor,
    );
    // A's admin signs in for real; the other sessions are opened without the scrypt check.
    admin = await signIn(psa, A.admin, PASSWORD);
    reader = await openSession(psa, A.reader);
    readerToSignOut = await openSession(psa, A.reader);
    bAdmin = await openSession(psa, B.admin);
    bBefore = await snapshot(b.provider);
  });
  afterAll(async () => psa?.close());

  // Runs first, while A has no cached reference data and no mappings of its own.
  it('every read of per-provider data, as A, holds only A’s rows and nothing of B', async () => {
    const reads = SESSION_ROUTES.filter((r) => r.method === 'GET' && !r.path.includes(':'));
    expect(reads.length).toBeGreaterThanOrEqual(7);
    for (const r of reads) {
      const res = await call(psa, admin, 'GET', r.path);
      expect(res.status, key(r)).toBe(200);
      expectNothingOfB(res.text, key(r));
    }
    const users = await call<Array<{ id: number; email: string }>>(psa, admin, 'GET', '/api/v1/users');
    expect(users.body.map((u) => u.email).sort()).toEqual([A.admin, A.reader, A.spare].sort());
    expect(users.body.map((u) => u.id).sort()).toEqual(Object.values(a.users).sort());
    const customers = await call<Array<{ id: number; providerId: number; name: string }>>(
      psa,
      admin,
      'GET',
      '/api/v1/customers',
    );
    expect(customers.body.map((c) => c.name)).toEqual([...A.customers]);
    expect(new Set(customers.body.map((c) => c.providerId))).toEqual(new Set([a.provider]));
    const csv = await call(psa, admin, 'GET', '/api/v1/mappings.csv');
    expect(
      csv.text
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((l) => Number(l.split(',')[0])),
    ).toEqual(Object.values(a.customers));
    const audit = await call<Array<{ providerId: number; actor: string }>>(
      psa,
      admin,
      'GET',
      '/api/v1/audit',
    );
    expect(audit.body.length).toBeGreaterThan(5);
    expect(new Set(audit.body.map((e) => e.providerId))).toEqual(new Set([a.provider]));
    const provider = await call<{ id: number; name: string }>(psa, admin, 'GET', '/api/v1/provider');
    expect(provider.body).toMatchObject({ id: a.provider, name: A.provider });
    const integration = await call<{ privateKeyHint: string; settingsPage: string; updatedBy: string }>(
      psa,
      admin,
      'GET',
      '/api/v1/psa-integration',
    );
    expect(integration.body).toMatchObject({
      privateKeyHint: `••••${aKey.privateKey.slice(-4)}`,
      settingsPage: 'MSP Settings',
      updatedBy: A.actor,
    });
    // B has refreshed its PSA reference data; A's cache is still empty.
    const reference = await call<{ refreshedAt: string | null; companies: unknown[] }>(
      psa,
      admin,
      'GET',
      '/api/v1/psa/reference',
    );
    expect(reference.body).toMatchObject({ refreshedAt: null, companies: [] });
    expect((await psa.running.console.services.mapping.reference(b.provider)).refreshedAt).not.toBeNull();
  });

  describe('every route with an :id, given B’s id, answers as for a missing id', () => {
    for (const r of SESSION_ROUTES.filter((x) => x.path.includes('/:id'))) {
      it(key(r), async () => {
        const missing = await call(psa, admin, r.method, pathWith(r, MISSING_ID), sampleBody(r));
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual({
          error: 'not-found',
          message: expect.any(String),
          key: 'notFound',
          params: expect.any(Object),
        });
        for (const s of r.access === 'user' ? [admin, reader] : [admin]) {
          const res = await call(psa, s, r.method, pathWith(r, idOf(r, b, 'any')), sampleBody(r));
          expect(res.status).toBe(404);
          expect(res.body).toEqual(missing.body);
          expectNothingOfB(res.text, key(r));
        }
        // Every id of B, of that kind.
        const segments = r.path.split('/');
        const kind = segments[segments.indexOf(':id') - 1];
        const all =
          kind === 'users'
            ? b.users
            : kind === 'ingest-tokens'
              ? b.tokens
              : kind === 'ticket-rules'
                ? b.rules
                : b.customers;
        for (const id of Object.values(all)) {
          const res = await call(psa, admin, r.method, pathWith(r, id), sampleBody(r));
          expect(res.status, `${key(r)} with ${id}`).toBe(404);
          expect(res.text).toBe(missing.text);
        }
      });
    }
  });

  it('a mapping CSV imported by A that names B’s customers changes nothing of B', async () => {
    const lines = [
      'customer_id,customer_name,psa_company_identifier',
      ...Object.values(b.customers).map((id) => `${id},,AcmeCorp`),
      ...B.customers.map((name) => `,${name},AcmeCorp`),
    ];
    const res = await call<{ applied: number; errors: Array<{ line: number; message: string }> }>(
      psa,
      admin,
      'POST',
      '/api/v1/mappings.csv',
      { raw: { text: lines.join('\r\n'), contentType: 'text/csv' } },
    );
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(0);
    expect(res.body.errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(await snapshot(b.provider)).toBe(bBefore);
  });

  describe('no session → 401 on every non-public route', () => {
    for (const r of NOT_PUBLIC) {
      it(key(r), async () => {
        const path = r.path.includes(':id') ? pathWith(r, idOf(r, a, 'own', false)) : r.path;
        const none = await call(psa, undefined, r.method, path, sampleBody(r, 'any'));
        expect(none.status).toBe(401);
        expect(none.body).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
        const forged = await call(
          psa,
          { cookie: 'parasol_session=forged-token-value', csrfToken: admin.csrfToken, setCookie: '' },
          r.method,
          path,
          sampleBody(r, 'any'),
        );
        expect(forged.status).toBe(401);
      });
    }
  });

  describe('a change without, or with a wrong, x-csrf-token → 403', () => {
    let aBefore: string;
    beforeAll(async () => {
      aBefore = await snapshot(a.provider);
    });
    for (const r of SESSION_ROUTES.filter((x) => x.method !== 'GET')) {
      it(key(r), async () => {
        const path = r.path.includes(':id') ? pathWith(r, idOf(r, a, 'own', false)) : r.path;
        for (const csrf of [null, '', 'wrong-token', bAdmin.csrfToken, `${admin.csrfToken}x`]) {
          const res = await call(psa, admin, r.method, path, { ...sampleBody(r, 'any'), csrf });
          expect(res.status, `csrf ${JSON.stringify(csrf)}`).toBe(403);
          expect(res.body).toMatchObject({
            error: 'forbidden',
            message: expect.stringContaining('x-csrf-token'),
          });
        }
      });
    }
    it('none of them changed anything', async () => {
      expect(await call(psa, admin, 'GET', '/api/v1/session').then((x) => x.status)).toBe(200);
      expect(await snapshot(a.provider)).toBe(aBefore);
      expect(await snapshot(b.provider)).toBe(bBefore);
    });
  });

  describe('a read-only user gets 403 on every admin route and 2xx on every user route', () => {
    let aBefore: string;
    beforeAll(async () => {
      aBefore = await snapshot(a.provider);
    });
    for (const r of SESSION_ROUTES) {
      it(`${key(r)} (${r.access})`, async () => {
        const ruleRoute = r.path.startsWith('/api/v1/ticket-rules/');
        const path = r.path.includes(':id')
          ? pathWith(r, ruleRoute ? Object.values(a.rules)[0]! : a.customers[A.customers[0]]!)
          : r.path;
        if (r.path.includes(':id') && !r.path.startsWith('/api/v1/customers/') && !ruleRoute)
          expect(r.access, `${key(r)}: give the reader an id of this kind`).toBe('admin');
        const session = key(r) === SIGN_OUT ? readerToSignOut : reader;
        const res = await call(
          psa,
          session,
          r.method,
          path,
          sampleBody(r, r.access === 'admin' ? 'any' : 'valid'),
        );
        if (r.access === 'admin') {
          expect(res.status, res.text).toBe(403);
          expect(res.body).toMatchObject({
            error: 'forbidden',
            message: expect.stringContaining('read-only'),
          });
        } else {
          expect(res.status, res.text).toBeGreaterThanOrEqual(200);
          expect(res.status, res.text).toBeLessThan(300);
          expectNothingOfB(res.text, key(r));
        }
      });
    }
    it('the admin routes changed nothing; the signed-out session is gone', async () => {
      const { store } = psa.running.console.services;
      // Reading suggestions fills A's reference cache: compare everything else.
      const strip = (s: string) => {
        const o = JSON.parse(s) as Record<string, unknown>;
        delete o.cache;
        return o;
      };
      expect(strip(await snapshot(a.provider))).toEqual(strip(aBefore));
      expect((await store.getCache(a.provider, 'reference'))?.refreshedAt).toBeTruthy();
      expect((await call(psa, readerToSignOut, 'GET', '/api/v1/session')).status).toBe(401);
      expect((await call(psa, reader, 'GET', '/api/v1/session')).status).toBe(200);
    });
  });

  const deletionRank = (r: ConsoleRoute) => (r.method !== 'DELETE' ? 0 : r.path.endsWith('/:id') ? 2 : 1);
  it('every route works for A with A’s own ids (so the 404s above are the tenant filter’s)', async () => {
    // Changes first, deletions last (they remove the spare user and customer the others use).
    const routes = SESSION_ROUTES.filter((r) => key(r) !== SIGN_OUT).sort(
      // A record's own DELETE after those of its parts (a customer's bindings).
      (x, y) => deletionRank(x) - deletionRank(y),
    );
    for (const r of routes) {
      const path = r.path.includes(':id') ? pathWith(r, idOf(r, a, 'own')) : r.path;
      const res = await call(psa, admin, r.method, path, sampleBody(r));
      expect(res.status, `${key(r)}: ${res.text}`).toBe(r.status ?? 200);
      expectNothingOfB(res.text, key(r));
    }
    const { store } = psa.running.console.services;
    expect(await store.getUser(a.provider, a.users[A.spare]!)).toBeUndefined();
    expect(await store.getCustomer(a.provider, a.customers[A.customers[2]]!)).toBeUndefined();
    expect((await store.listUsers(a.provider)).map((u) => u.email)).toContain('alpha-new@alpha.test');
  });

  it('B’s data is exactly as it was before A’s requests', async () => {
    expect(await snapshot(b.provider)).toBe(bBefore);
    // And B, signed in, still sees all of it.
    const customers = await call<Array<{ name: string; mappingState: string }>>(
      psa,
      bAdmin,
      'GET',
      '/api/v1/customers',
    );
    expect(customers.body.map((c) => [c.name, c.mappingState])).toEqual([
      [B.customers[0], 'mapped'],
      [B.customers[1], 'unmapped'],
    ]);
  });
});
