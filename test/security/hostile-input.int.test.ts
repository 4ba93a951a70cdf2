// Regressions of issue 13 (items 2, 3 and 6): values SQLite accepts but PostgreSQL refuses — ids past
// 2^31 − 1, NUL characters, lone UTF-16 surrogates — and query parameters long enough to exceed
// SQLite's expression limits. Each answers the same 4xx on both databases, in each server's error
// shape, and never a 500. docs/security.md "Input limits" lists what is checked where.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONDITION_TERMS, MAX_NESTING_DEPTH, MAX_ORDER_BY_TERMS } from '../../src/psa/query/index.js';
import { DEMO_TICKET_ID } from '../../src/psa/service/seed.js';
import { type ConsoleSession, call as consoleCall, openSession } from '../console/support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { admin, type CallResult, type CallOptions as RestOptions, rest } from './support.js';

const BIG = '2147483648'; // 2^31: one past PostgreSQL's integer
const NUL = '\u0000';
const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';

interface CwError {
  code: string;
  message: string;
  errors: Array<{ code: string; message: string; resource: string; field: string }> | null;
}

function cwError(r: CallResult, status: number): CwError {
  expect(r.status, r.text).toBe(status);
  const body = r.body as CwError;
  expect(body).toEqual({
    code: expect.any(String),
    message: expect.any(String),
    errors: body.errors === null ? null : expect.any(Array),
  });
  return body;
}

/** A 400 whose message or errors name `field`. */
function namesField(r: CallResult, field: string): void {
  const body = cwError(r, 400);
  const named = body.message.includes(field) || (body.errors ?? []).some((e) => e.field.includes(field));
  expect(named, `${field} not named in ${r.text}`).toBe(true);
}

describe.each(databaseKinds)('hostile input on %s', (db) => {
  let psa: TestPsa;
  let key: TestKey;
  let session: ConsoleSession;
  let customerId: number;
  const call = (method: string, path: string, o: Omit<RestOptions, 'auth'> = {}) =>
    rest(psa, method, path, { auth: key, ...o });
  const con = (method: string, path: string, body?: unknown) =>
    consoleCall(psa, session, method, path, body === undefined ? {} : { body });

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    key = await psa.adminKey();
    const { accounts, store, clock } = psa.running.console.services;
    const provider = await accounts.createProvider({ name: 'Hostile MSP', kind: 'MSP' }, 'test');
    await store.createUser({
      providerId: provider.id,
      email: 'admin@hostile.test',
      name: 'Admin',
      role: 'admin',
      passwordHash: 'not-used',
      at: new Date(clock.now()).toISOString(),
    });
    session = await openSession(psa, 'admin@hostile.test');
    customerId = (await accounts.createCustomer(provider.id, { name: 'Acme', seats: 1 }, 'test')).id;
  });
  afterAll(async () => psa?.close());

  describe('ids past 2^31 − 1 (item 2)', () => {
    it('in a PSA path: 404, like any id that does not exist', async () => {
      for (const [method, path] of [
        ['GET', `/service/tickets/${BIG}`],
        ['GET', `/company/companies/${BIG}`],
        ['DELETE', `/company/companies/${BIG}`],
        ['GET', `/service/tickets/${BIG}/notes`],
        ['GET', `/service/tickets/${BIG}/notes/count`],
        ['GET', `/service/tickets/${DEMO_TICKET_ID}/notes/${BIG}`],
        ['GET', `/service/boards/${BIG}/statuses`],
        ['GET', `/service/tickets/${BIG}/configurations`],
        ['GET', `/system/securityRoles/${BIG}/settings`],
        ['GET', `/system/securityRoles/1/settings/${BIG}`],
        ['GET', `/system/callbacks/signingKeys/${BIG}`],
        ['GET', '/service/tickets/9007199254740993'],
      ] as const) {
        const r = await call(method, path);
        expect(r.status, `${method} ${path}: ${r.text}`).toBe(404);
        cwError(r, 404);
      }
      const put = await call('PUT', `/company/companies/${BIG}`, { body: { identifier: 'X', name: 'X' } });
      cwError(put, 404);
      const patch = await call('PATCH', `/service/tickets/${BIG}`, {
        body: [{ op: 'replace', path: 'summary', value: 'x' }],
      });
      cwError(patch, 404);
    });

    it('in the admin API path: 404', async () => {
      for (const path of [
        `/roles/${BIG}`,
        `/members/${BIG}`,
        `/members/${BIG}/keys`,
        `/members/${BIG}/history`,
      ]) {
        const r = await admin(psa, 'GET', path, { auth: key });
        expect(r.status, `${path}: ${r.text}`).toBe(404);
      }
    });

    it('as pageId: 400 naming pageId', async () => {
      const r = await call('GET', `/company/companies?pageId=${BIG}`, {
        headers: { 'pagination-type': 'forward-only' },
      });
      namesField(r, 'pageId');
    });

    it('as a reference in a body: 400 naming the field', async () => {
      namesField(
        await call('POST', '/service/tickets', {
          body: { summary: 'big ref', company: { id: Number(BIG) } },
        }),
        'company',
      );
      namesField(
        await call('POST', '/service/tickets', {
          body: { summary: 'big ref', company: { identifier: 'AcmeCorp' }, board: { id: 2 ** 53 } },
        }),
        'board',
      );
      namesField(
        await call('PATCH', `/service/tickets/${DEMO_TICKET_ID}`, {
          body: [{ op: 'replace', path: 'company', value: { id: Number(BIG) } }],
        }),
        'company',
      );
      // A numeric string is read as a number (ConnectWise does): the store finds no such record.
      namesField(
        await call('POST', '/service/tickets', { body: { summary: 'big ref', company: { id: BIG } } }),
        'company',
      );
      namesField(
        await call('POST', `/service/tickets/${DEMO_TICKET_ID}/configurations`, {
          body: { id: Number(BIG) },
        }),
        'id',
      );
    });

    it('in conditions: a comparison no record can satisfy, not a 500', async () => {
      for (const conditions of [
        'id = 99999999999',
        `id = ${BIG}`,
        `id > ${BIG}`,
        `id in (1, ${BIG}, 99999999999)`,
        'company/id = 99999999999',
        'id = -99999999999',
      ]) {
        const r = await call('GET', `/service/tickets?conditions=${encodeURIComponent(conditions)}`);
        expect(r.status, `${conditions}: ${r.text}`).toBe(200);
        if (!conditions.includes('>') && !conditions.includes('in (')) expect(r.body, conditions).toEqual([]);
      }
    });

    it('in the console: 404 in a path, 400 naming the parameter or field', async () => {
      for (const path of [
        `/api/v1/customers/${BIG}`,
        `/api/v1/users/${BIG}`,
        `/api/v1/customers/${BIG}/daily`,
        `/api/v1/ticket-rules/${BIG}/overrides`,
      ]) {
        const r = await con('GET', path);
        expect(r.status, `${path}: ${r.text}`).toBe(404);
        expect(r.body).toMatchObject({ error: 'not-found', message: expect.any(String) });
      }
      const tickets = await con('GET', `/api/v1/tickets?customerId=${BIG}`);
      expect(tickets.status, tickets.text).toBe(400);
      expect(tickets.body).toMatchObject({
        error: 'invalid',
        message: expect.stringContaining('customerId'),
      });
      const sync = await con('POST', '/api/v1/config-sync/run', { customerIds: [customerId, Number(BIG)] });
      expect(sync.status, sync.text).toBe(400);
      expect(sync.text).toContain('customerIds');
      const sim = await con('POST', '/api/v1/ticket-rules/simulate', { ruleId: Number(BIG) });
      expect(sim.status, sim.text).toBe(400);
      expect(sim.text).toContain('ruleId');
    });
  });

  describe('NUL and lone surrogates (item 3)', () => {
    const hostile = [
      ['NUL', `Acme${NUL}Corp`],
      ['a lone high surrogate', `Acme${LONE_HIGH}Corp`],
      ['a lone low surrogate', `Acme${LONE_LOW}`],
    ] as const;

    it.each(hostile)('%s in a PSA body: 400 InvalidObject naming the field', async (_what, text) => {
      const company = await call('POST', '/company/companies', {
        body: { identifier: 'Hostile', name: text },
      });
      namesField(company, 'name');
      expect((company.body as CwError).code).toBe('InvalidObject');
      const ticket = await call('POST', '/service/tickets', {
        body: { summary: text, company: { identifier: 'AcmeCorp' } },
      });
      namesField(ticket, 'summary');
      namesField(
        await call('POST', '/service/tickets', {
          body: { summary: 'ref by name', company: { identifier: text } },
        }),
        'company/identifier',
      );
      namesField(
        await call('PATCH', `/service/tickets/${DEMO_TICKET_ID}`, {
          body: [{ op: 'replace', path: 'summary', value: text }],
        }),
        'summary',
      );
      namesField(
        await call('POST', '/company/companies', { body: { identifier: 'Key', name: 'k', [text]: 1 } }),
        'Acme',
      );
      namesField(
        await call('POST', '/service/tickets/search', { body: { conditions: `summary = "${text}"` } }),
        'conditions',
      );
    });

    it('NUL in a PSA query string: 400 naming the parameter', async () => {
      for (const p of [
        'conditions',
        'childConditions',
        'customFieldConditions',
        'orderBy',
        'fields',
        'page',
      ]) {
        const value = p.endsWith('onditions') ? `name = "a${NUL}b"` : `a${NUL}`;
        namesField(await call('GET', `/company/companies?${p}=${encodeURIComponent(value)}`), p);
      }
    });

    it('a lone surrogate in a PSA query string (WTF-8 bytes) is not a 500', async () => {
      // encodeURIComponent refuses a lone surrogate; a hostile client sends its bytes anyway.
      for (const bytes of ['%ED%A0%80', '%ED%B0%80', '%C0%80', '%FF']) {
        const r = await call('GET', `/company/companies?conditions=name%20%3D%20%22${bytes}%22`);
        expect(r.status, `${bytes}: ${r.text}`).toBeLessThan(500);
      }
    });

    it.each(hostile)('%s in the admin API and sign-in: 400', async (_what, text) => {
      const role = await admin(psa, 'POST', '/roles', {
        auth: key,
        body: { name: text, adminFlag: false, levels: {}, allowLists: {} },
      });
      namesField(role, 'name');
      const signIn = await admin(psa, 'POST', '/session', { body: { identifier: text, password: text } });
      expect(signIn.status, signIn.text).toBe(400);
    });

    it.each(hostile)('%s in the console: 400 with the console error shape', async (_what, text) => {
      for (const [method, path, body] of [
        ['POST', '/api/v1/customers', { name: text, seats: 1 }],
        ['PATCH', `/api/v1/customers/${customerId}`, { name: text }],
        ['POST', '/api/v1/ticket-rules', { name: text }],
        ['POST', '/api/v1/session', { email: `a${text}@b.test`, password: text }],
      ] as const) {
        const r = await con(method, path, body);
        expect(r.status, `${method} ${path}: ${r.text}`).toBe(400);
        expect(r.body).toMatchObject({ error: 'invalid', message: expect.any(String) });
        expect((r.body as { message: string }).message).toMatch(/NUL|surrogate/);
      }
    });
  });

  describe('found by the fuzz suite', () => {
    it('an Authorization header whose credentials hold a NUL: 401, not a 500', async () => {
      const creds = Buffer.from(`${psa.companyId}+pub\u0000lic:private`).toString('base64');
      const r = await rest(psa, 'GET', '/system/info', { auth: `Basic ${creds}` });
      cwError(r, 401);
    });

    it("renaming a ticket rule onto another rule's name: 409, not a 500", async () => {
      // The first read creates the default rule.
      const rules = (await con('GET', '/api/v1/ticket-rules')).body as Array<{ id: number; name: string }>;
      const created = await con('POST', '/api/v1/ticket-rules', { name: 'Taken name' });
      expect(created.status, created.text).toBe(201);
      const other = rules.find((r) => r.name !== 'Taken name')!;
      const r = await con('PATCH', `/api/v1/ticket-rules/${other.id}`, { name: 'Taken name' });
      expect(r.status, r.text).toBe(409);
      expect(r.body).toMatchObject({ error: 'conflict' });
    });

    it('PATCH of an admin API member without a body: 400, not a 500', async () => {
      const spare = await psa.running.psa.services.admin.createMember(
        'api',
        { identifier: 'nobody', name: 'Nobody', role: 'Admin' },
        'test',
      );
      const r = await admin(psa, 'PATCH', `/members/${spare.id}`, { auth: key, body: 'null' });
      expect(r.status, r.text).toBeLessThan(500);
    });

    it('a member whose role is a number no id can be: 400 naming role, not a 500', async () => {
      for (const role of [3.7365453437786797e46, 2_147_483_648, 1.5, -1]) {
        const body = JSON.stringify({ kind: 'api', identifier: 'norole', name: 'No role', role });
        const r = await admin(psa, 'POST', '/members', { auth: key, body });
        expect(r.status, r.text).toBe(400);
        expect((r.body as { errors?: unknown[] }).errors?.[0]).toMatchObject({ field: 'role' });
      }
    });
  });

  describe('long but legal query parameters (item 6)', () => {
    it(`customFieldConditions past ${MAX_CONDITION_TERMS} terms: 400; at the limit: 200`, async () => {
      const terms = (n: number) => Array.from({ length: n }, (_, i) => `value = ${i}`).join(' or ');
      const over = terms(500);
      expect(over.length).toBeGreaterThan(5000);
      namesField(
        await call('GET', `/company/companies?customFieldConditions=${encodeURIComponent(over)}`),
        'customFieldConditions',
      );
      namesField(
        await call(
          'GET',
          `/company/companies?conditions=${encodeURIComponent(terms(500).replaceAll('value', 'id'))}`,
        ),
        'conditions',
      );
      for (const p of ['conditions', 'customFieldConditions']) {
        const atLimit = terms(MAX_CONDITION_TERMS).replaceAll('value', p === 'conditions' ? 'id' : 'value');
        const r = await call('GET', `/company/companies?${p}=${encodeURIComponent(atLimit)}`);
        expect(r.status, `${p}: ${r.text}`).toBe(200);
      }
      // The worst case the parser lets through: the deepest nesting, then the rest of the terms.
      for (const [p, leaf] of [
        ['conditions', 'id = 1'],
        ['childConditions', 'types/id = 1'],
        ['customFieldConditions', 'value = 1'],
      ] as const) {
        let nested: string = leaf;
        for (let d = 1; d < MAX_NESTING_DEPTH; d++) nested = `${leaf} ${d % 2 ? 'or' : 'and'} (${nested})`;
        const rest = Array.from({ length: MAX_CONDITION_TERMS - MAX_NESTING_DEPTH }, () => leaf);
        const worst = [`(${nested})`, ...rest].join(' and ');
        const r = await call('GET', `/company/companies?${p}=${encodeURIComponent(worst)}`);
        expect(r.status, `${p}: ${r.text}`).toBe(200);
      }
      const child = Array.from({ length: MAX_CONDITION_TERMS }, (_, i) => `types/id = ${i}`).join(' and ');
      const r = await call('GET', `/company/companies?childConditions=${encodeURIComponent(child)}`);
      expect(r.status, r.text).toBe(200);
    });

    it(`orderBy past ${MAX_ORDER_BY_TERMS} terms: 400; at the limit: 200`, async () => {
      const order = (n: number) =>
        Array.from({ length: n }, (_, i) => (i % 2 ? 'name desc' : 'id')).join(',');
      namesField(
        await call('GET', `/company/companies?orderBy=${encodeURIComponent(order(1000))}`),
        'orderBy',
      );
      const r = await call(
        'GET',
        `/company/companies?orderBy=${encodeURIComponent(order(MAX_ORDER_BY_TERMS))}`,
      );
      expect(r.status, r.text).toBe(200);
    });
  });
});
