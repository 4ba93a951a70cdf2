// GET /api/v1/setup (issue 18) on every database: a new provider's three setup steps turn done from
// its real state as it is set up through the console API — PSA Integration Details saved, enabled
// and passing the preflight (a failing preflight is said, not counted as done), a customer, a source
// binding (naming the next customer without one) — and DNS data arriving flips `hasData`, which a
// removed customer's leftover totals do not. Another provider's setup and data change nothing of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SetupProgress } from '../../src/console/service/setup.js';
import { ARTICLE_ROLE, CUSTOMIZE, TABLE } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { type ConsoleSession, call, openSession } from './support.js';

const NEW_ADMIN = 'admin@new-msp.test';
const NEW_READER = 'reader@new-msp.test';
const OTHER_ADMIN = 'admin@busy-mssp.test';

const NOTHING_YET: SetupProgress = {
  psa: { done: false, saved: false, checkFailed: false },
  customers: { done: false, count: 0 },
  bindings: { done: false, count: 0, nextCustomerId: null },
  complete: false,
  hasData: false,
};

describe.each(databaseKinds)('setup steps on %s', (db) => {
  let psa: TestPsa;
  let admin: ConsoleSession;
  let reader: ConsoleSession;
  let other: ConsoleSession;

  const api = <T = unknown>(session: ConsoleSession, method: string, path: string, body?: unknown) =>
    call<T>(psa, session, method, path, body === undefined ? {} : { body });
  const setup = async (session = admin) => {
    const r = await api<SetupProgress>(session, 'GET', '/api/v1/setup');
    expect(r.status).toBe(200);
    return r.body;
  };
  const integration = (key: { publicKey: string; privateKey: string }) => ({
    enabled: true,
    site: psa.hostPort,
    trustedCa: psa.ca,
    companyId: psa.companyId,
    clientId: psa.clientId,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
  });
  /** Posts `n` allowed requests of `orgId` with an ingest token of the session's provider. */
  const ingest = async (session: ConsoleSession, orgId: string, n: number) => {
    const token = await api<{ token: string }>(session, 'POST', '/api/v1/ingest-tokens', {
      name: `collector ${orgId}`,
    });
    expect(token.status).toBe(201);
    const ts = Date.now() - 3_600_000;
    const lines = Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        ts: ts + i * 1000,
        orgId,
        identity: 'DESKTOP-1',
        identityType: 'roaming-computer',
        domain: 'mail.example.com',
        action: 'allowed',
        categories: ['Business Services'],
      }),
    );
    const res = await psa.fetch(`${psa.running.console.url}/api/v1/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.body.token}`, 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    });
    expect(res.status, await res.text()).toBe(200);
  };

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'warn' });
    const { accounts } = psa.running.console.services;
    const fresh = await accounts.createProvider({ name: 'New MSP', kind: 'MSP' }, 'test');
    const busy = await accounts.createProvider({ name: 'Busy MSSP', kind: 'MSSP' }, 'test');
    for (const [providerId, email, role] of [
      [fresh.id, NEW_ADMIN, 'admin'],
      [fresh.id, NEW_READER, 'read-only'],
      [busy.id, OTHER_ADMIN, 'admin'],
    ] as const)
      await accounts.createUser(
        providerId,
        { email, name: email, role, password: 'setup passphrase 1' },
        'test',
      );
    admin = await openSession(psa, NEW_ADMIN);
    reader = await openSession(psa, NEW_READER);
    other = await openSession(psa, OTHER_ADMIN);
  });
  afterAll(async () => psa?.close());

  it('a new provider has no step done and no data; anyone signed in may ask, nobody else', async () => {
    expect(await setup()).toEqual(NOTHING_YET);
    expect(await setup(reader)).toEqual(NOTHING_YET);
    const anonymous = await call(psa, undefined, 'GET', '/api/v1/setup');
    expect(anonymous.status).toBe(401);
  });

  it("another provider's complete setup and data change nothing of the new provider's", async () => {
    const key = await psa.apiMemberWithKey('umb-busy', ARTICLE_ROLE);
    const saved = await api<{ preflight: { ok: boolean } }>(
      other,
      'PUT',
      '/api/v1/psa-integration',
      integration(key),
    );
    expect(saved.body.preflight.ok).toBe(true);
    const customer = await api<{ id: number }>(other, 'POST', '/api/v1/customers', { name: 'Busy customer' });
    await api(other, 'POST', `/api/v1/customers/${customer.body.id}/bindings`, {
      kind: 'ndjson-org',
      value: 'org-busy',
    });
    await ingest(other, 'org-busy', 5);
    expect(await setup(other)).toEqual({
      psa: { done: true, saved: true, checkFailed: false },
      customers: { done: true, count: 1 },
      bindings: { done: true, count: 1, nextCustomerId: null },
      complete: true,
      hasData: true,
    });
    expect(await setup()).toEqual(NOTHING_YET);
  });

  it('connect the PSA: saved but failing its preflight is not done; passing it is', async () => {
    // The article's role without "Service / Priority" in Table Setup's allow-list.
    const allowed = ARTICLE_ROLE.allowed[CUSTOMIZE.systemTableSetup]!;
    const lacking = await psa.apiMemberWithKey('umb-lacking', {
      ...ARTICLE_ROLE,
      name: 'No priority',
      allowed: { [CUSTOMIZE.systemTableSetup]: allowed.filter((t) => t !== TABLE.priority) },
    });
    const failed = await api<{ preflight: { ok: boolean } }>(
      admin,
      'PUT',
      '/api/v1/psa-integration',
      integration(lacking),
    );
    expect(failed.status).toBe(200);
    expect(failed.body.preflight.ok).toBe(false);
    expect((await setup()).psa).toEqual({ done: false, saved: true, checkFailed: true });

    // Disabled: saved, not checked, not done.
    await api(admin, 'PUT', '/api/v1/psa-integration', { ...integration(lacking), enabled: false });
    expect((await setup()).psa).toEqual({ done: false, saved: true, checkFailed: false });

    const good = await psa.apiMemberWithKey('umb-new', ARTICLE_ROLE);
    const passed = await api<{ preflight: { ok: boolean } }>(
      admin,
      'PUT',
      '/api/v1/psa-integration',
      integration(good),
    );
    expect(passed.body.preflight.ok).toBe(true);
    expect(await setup()).toEqual({
      ...NOTHING_YET,
      psa: { done: true, saved: true, checkFailed: false },
    });
  });

  it('customers and bindings: done with the first of each; the next customer to bind is named', async () => {
    const acme = await api<{ id: number }>(admin, 'POST', '/api/v1/customers', { name: 'Acme' });
    expect(acme.status).toBe(201);
    let s = await setup();
    expect(s.customers).toEqual({ done: true, count: 1 });
    expect(s.bindings).toEqual({ done: false, count: 0, nextCustomerId: acme.body.id });
    expect(s.complete).toBe(false);

    const hooli = await api<{ id: number }>(admin, 'POST', '/api/v1/customers', { name: 'Hooli' });
    const bound = await api(admin, 'POST', `/api/v1/customers/${acme.body.id}/bindings`, {
      kind: 'ndjson-org',
      value: 'org-acme',
    });
    expect(bound.status).toBe(201);
    s = await setup();
    expect(s.customers).toEqual({ done: true, count: 2 });
    expect(s.bindings).toEqual({ done: true, count: 1, nextCustomerId: hooli.body.id });
    expect(s.complete).toBe(true);
    expect(s.hasData).toBe(false);

    // Data arrives for Acme: the dashboard's charts have something to draw.
    await ingest(admin, 'org-acme', 3);
    expect((await setup()).hasData).toBe(true);
    expect((await setup(reader)).hasData).toBe(true);

    // Acme removed: its bindings go with it, its counted totals stay in the tables but are no
    // customer's any more — no data to draw, and Hooli is the one to bind.
    expect((await api(admin, 'DELETE', `/api/v1/customers/${acme.body.id}`)).status).toBe(204);
    expect(await setup()).toEqual({
      psa: { done: true, saved: true, checkFailed: false },
      customers: { done: true, count: 1 },
      bindings: { done: false, count: 0, nextCustomerId: hooli.body.id },
      complete: false,
      hasData: false,
    });
  });
});
