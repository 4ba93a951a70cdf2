// X-5 / PSA-6 / PSA-7: every kind of malformed request gets ConnectWise's error body
// `{code, message, errors}` with the right status, never a 500, and never a partial change; the
// per-key rate limit answers 429 with Retry-After. A fast-check property throws random JSON bodies
// and random `conditions` at the API and expects no 5xx.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { BODY_LIMIT_BYTES } from '../../src/psa/http/errors.js';
import { DEMO_TICKET_ID } from '../../src/psa/service/seed.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { type CallOptions, type CallResult, ok, rest } from './support.js';

interface ErrorBody {
  code: string;
  message: string;
  errors: Array<{ code: string; message: string; resource: string; field: string }> | null;
}

/** ConnectWise's error shape with the given status and code; returns the body. */
function expectError(r: CallResult, status: number, code: string): ErrorBody {
  expect(r.status, r.text).toBe(status);
  const body = r.body as ErrorBody;
  expect(body).toEqual({
    code,
    message: expect.any(String),
    errors: body.errors === null ? null : expect.any(Array),
  });
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

const issueCodes = (b: ErrorBody) => (b.errors ?? []).map((e) => e.code);

describe.each(databaseKinds)('bad input on %s', (db) => {
  let psa: TestPsa;
  let key: TestKey;
  const call = (method: string, path: string, o: Omit<CallOptions, 'auth'> = {}) =>
    rest(psa, method, path, { auth: key, ...o });
  const ticketCount = async () => (await ok<{ count: number }>(call('GET', '/service/tickets/count'))).count;
  const companyCount = async () =>
    (await ok<{ count: number }>(call('GET', '/company/companies/count'))).count;

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    key = await psa.adminKey();
  });
  afterAll(async () => psa?.close());

  describe('bodies', () => {
    it('invalid JSON → 400', async () => {
      for (const text of ['{"identifier": ', '{identifier: "x"}', "{'a': 1}", '[1,]', 'nul']) {
        const b = expectError(await call('POST', '/company/companies', { body: text }), 400, 'BadRequest');
        expect(b.message).toMatch(/JSON/);
      }
    });

    it('a content type other than JSON → 415', async () => {
      for (const contentType of [
        'application/xml',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const r = await call('POST', '/company/companies', {
          body: '{"identifier":"CT","name":"Content type"}',
          contentType,
        });
        const b = expectError(r, 415, 'UnsupportedMediaType');
        expect(b.message).toContain('application/json');
      }
    });

    it('a body over 1 MiB → 400, and nothing is created', async () => {
      const before = await companyCount();
      const body = JSON.stringify({ identifier: 'Huge', name: 'x'.repeat(BODY_LIMIT_BYTES) });
      expect(body.length).toBeGreaterThan(BODY_LIMIT_BYTES);
      const b = expectError(await call('POST', '/company/companies', { body }), 400, 'BadRequest');
      expect(b.message).toContain(String(BODY_LIMIT_BYTES));
      expect(await companyCount()).toBe(before);
    });

    it('an array, number, string or null where an object is required → 400', async () => {
      for (const text of ['[]', '[{"identifier":"A","name":"B"}]', '42', '"company"', 'null', 'true']) {
        expectError(await call('POST', '/company/companies', { body: text }), 400, 'InvalidObject');
        expectError(await call('PUT', '/company/companies/1', { body: text }), 400, 'InvalidObject');
      }
      expectError(await call('POST', '/service/tickets/search', { body: '[1]' }), 400, 'BadRequest');
      expectError(
        await call('POST', '/service/tickets/search', { body: { conditions: 5 } }),
        400,
        'BadRequest',
      );
    });

    it('unknown fields → 400 UnknownField', async () => {
      const b = expectError(
        await call('POST', '/company/companies', {
          body: { identifier: 'Unk', name: 'Unknown', favouriteColour: 'red' },
        }),
        400,
        'InvalidObject',
      );
      expect(b.errors).toContainEqual(
        expect.objectContaining({ code: 'UnknownField', field: 'favouriteColour' }),
      );
    });

    it('wrong types → 400 naming the field', async () => {
      const b = expectError(
        await call('POST', '/company/companies', {
          body: { identifier: 'Types', name: { first: 'x' }, deletedFlag: 'yes', dateAcquired: 'yesterday' },
        }),
        400,
        'InvalidObject',
      );
      const fields = (b.errors ?? []).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'deletedFlag', 'dateAcquired']));
      expect(issueCodes(b).every((c) => c === 'InvalidValue')).toBe(true);
      const t = expectError(
        await call('POST', '/service/tickets', { body: { summary: 'types', company: 'AcmeCorp' } }),
        400,
        'InvalidObject',
      );
      expect(t.errors).toContainEqual(expect.objectContaining({ field: 'company' }));
    });

    it('missing required fields → 400 NullValue', async () => {
      const b = expectError(await call('POST', '/company/companies', { body: {} }), 400, 'InvalidObject');
      expect(b.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: 'NullValue', field: 'identifier' }),
          expect.objectContaining({ code: 'NullValue', field: 'name' }),
        ]),
      );
      const t = expectError(
        await call('POST', '/service/tickets', { body: { summary: 'no company' } }),
        400,
        'InvalidObject',
      );
      expect(t.errors).toContainEqual(expect.objectContaining({ code: 'NullValue', field: 'company' }));
    });

    it('a reference to a board or company that does not exist → 400 InvalidField, no ticket created', async () => {
      const before = await ticketCount();
      for (const body of [
        { summary: 'ghost board', company: { identifier: 'AcmeCorp' }, board: { id: 987_654 } },
        {
          summary: 'ghost board by name',
          company: { identifier: 'AcmeCorp' },
          board: { name: 'No Such Board' },
        },
        { summary: 'ghost company', company: { id: 987_654 } },
        { summary: 'ghost company', company: { identifier: 'NoSuchCompany' } },
        {
          summary: 'status of another board',
          company: { identifier: 'AcmeCorp' },
          board: { id: 1 },
          status: { id: 987_654 },
        },
      ]) {
        const b = expectError(await call('POST', '/service/tickets', { body }), 400, 'InvalidObject');
        expect(issueCodes(b)).toContain('InvalidField');
      }
      expect(await ticketCount()).toBe(before);
    });
  });

  describe('PATCH', () => {
    const ticketPath = `/service/tickets/${DEMO_TICKET_ID}`;
    let original: Record<string, unknown>;
    beforeAll(async () => {
      original = await ok(call('GET', ticketPath));
    });

    it('a body that is not an array, a bad op, a sub-path → 400 and the ticket is unchanged', async () => {
      const cases: unknown[] = [
        { op: 'replace', path: 'summary', value: 'not an array' },
        '"replace"',
        [{ op: 'move', path: 'summary', value: 'x' }],
        [{ op: 'replace', path: 'company/identifier', value: 'Globex' }],
        [{ op: 'replace', path: 'summary' }],
        [{ op: 'replace', path: 'noSuchField', value: 1 }],
        [{ op: 'replace', path: 'id', value: 1 }],
        [{ op: 'remove', path: 'summary' }],
        [{ op: 'replace', path: 'summary', value: null }],
        [{ op: 'replace', path: 'company', value: { id: 987_654 } }],
        // A valid operation next to an invalid one: nothing is applied.
        [
          { op: 'replace', path: 'summary', value: 'half applied?' },
          { op: 'replace', path: 'board', value: { id: 987_654 } },
        ],
        [{ op: 'replace', path: 'summary', value: 'half applied?' }, 7],
      ];
      for (const body of cases) {
        const r = await call('PATCH', ticketPath, { body });
        expect(r.status, JSON.stringify(body)).toBe(400);
        expectError(r, 400, 'InvalidObject');
      }
      const sub = expectError(
        await call('PATCH', ticketPath, {
          body: [{ op: 'replace', path: 'company/identifier', value: 'Globex' }],
        }),
        400,
        'InvalidObject',
      );
      expect(sub.errors).toContainEqual(expect.objectContaining({ field: 'company/identifier' }));
      const after = await ok(call('GET', ticketPath));
      expect(after).toEqual(original);
    });
  });

  describe('query string and path', () => {
    it('garbage conditions → 400', async () => {
      for (const conditions of [
        'summary =',
        'summary = "unterminated',
        'noSuchField = 1',
        'id = "text"',
        '((id = 1)',
        'id = 1 and',
        'id in ()',
        'summary like 5',
        'dateEntered > [not a date]',
        ';drop table cw_record',
      ]) {
        const r = await call('GET', `/service/tickets?conditions=${encodeURIComponent(conditions)}`);
        expect(r.status, `${conditions}: ${r.text}`).toBe(400);
        expectError(r, 400, 'BadRequest');
      }
      for (const p of ['childConditions', 'customFieldConditions', 'orderBy', 'fields']) {
        const r = await call('GET', `/company/companies?${p}=${encodeURIComponent('(((')}`);
        expect(r.status, `${p}: ${r.text}`).toBe(400);
        expectError(r, 400, 'BadRequest');
      }
    });

    it('pageSize and page that are not positive whole numbers → 400', async () => {
      for (const qs of [
        'pageSize=abc',
        'pageSize=0',
        'pageSize=-1',
        'pageSize=1.5',
        'page=0',
        'page=-3',
        'page=x',
        'pageId=abc',
      ]) {
        const headers = qs.startsWith('pageId') ? { 'pagination-type': 'forward-only' } : undefined;
        const r = await call('GET', `/company/companies?${qs}`, headers ? { headers } : {});
        expect(r.status, `${qs}: ${r.text}`).toBe(400);
        expectError(r, 400, 'BadRequest');
      }
    });

    it('an id that is not a number → 400', async () => {
      for (const path of [
        '/service/tickets/abc',
        '/service/tickets/1e3',
        '/service/tickets/-1',
        '/service/tickets/abc/notes',
        `/service/tickets/${DEMO_TICKET_ID}/notes/x`,
        '/service/boards/x/statuses',
        '/company/configurations/types/1/questions/y/values',
      ]) {
        const r = await call('GET', path);
        expect(r.status, `${path}: ${r.text}`).toBe(400);
        expectError(r, 400, 'BadRequest');
      }
      expectError(await call('DELETE', '/service/tickets/abc'), 400, 'BadRequest');
    });

    it('unknown route → 404 ConnectWiseApi; wrong verb → 405; ConnectWise-only route → 501', async () => {
      expectError(await call('GET', '/no/such/thing'), 404, 'ConnectWiseApi');
      expectError(await call('GET', '/service/tickets/1/2/3/4'), 404, 'ConnectWiseApi');
      const wrongVerb = await call('DELETE', '/service/tickets');
      expectError(wrongVerb, 405, 'MethodNotAllowed');
      expect(wrongVerb.headers.get('allow')).toMatch(/GET/);
      expectError(await call('PUT', '/company/companies'), 405, 'MethodNotAllowed');
      expectError(await call('POST', '/system/info', { body: {} }), 405, 'MethodNotAllowed');
      const cwOnly = await call('GET', '/company/contacts');
      const b = expectError(cwOnly, 501, 'NotImplemented');
      expect(b.message).toContain('Parasol');
      expectError(await call('GET', '/time/entries'), 501, 'NotImplemented');
    });
  });

  describe('rate limit', () => {
    let limited: TestPsa;
    beforeAll(async () => {
      limited = await startTestPsa({ db, rateLimitPerMinute: 5, demo: false });
    });
    afterAll(async () => limited?.close());

    it('the 6th call in a minute gets 429 with Retry-After; another key is not affected', async () => {
      const k = await limited.adminKey();
      for (let i = 0; i < 5; i++)
        expect((await rest(limited, 'GET', '/system/info', { auth: k })).status).toBe(200);
      const r = await rest(limited, 'GET', '/system/info', { auth: k });
      const b = expectError(r, 429, 'TooManyRequests');
      expect(b.message).toMatch(/^Too many requests/);
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      const other = await limited.apiMemberWithKey('other', ARTICLE_ROLE);
      expect((await rest(limited, 'GET', '/system/info', { auth: other })).status).toBe(200);
    });
  });

  describe('properties: random input never gets a 5xx', () => {
    const shape = (r: CallResult) => {
      expect(r.status, r.text).toBeLessThan(500);
      if (r.status >= 400)
        expect(r.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    };

    it('random JSON bodies POSTed to /company/companies', async () => {
      const companyish = fc.dictionary(
        fc.constantFrom(
          'identifier',
          'name',
          'status',
          'types',
          'deletedFlag',
          'dateAcquired',
          'territoryManager',
          'id',
          'NAME',
          '_info',
          'phoneNumber',
          'yearEstablished',
        ),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 6 },
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3 }), companyish), async (value) => {
          const text = JSON.stringify(value) ?? 'null';
          shape(await call('POST', '/company/companies', { body: text }));
        }),
        { numRuns: 100 },
      );
    });

    it('random conditions on companies and tickets', async () => {
      const fields = fc.constantFrom(
        'id',
        'identifier',
        'name',
        'summary',
        'status/id',
        'status/name',
        'company/identifier',
        'board/name',
        'closedFlag',
        'deletedFlag',
        'dateEntered',
        '_info/lastUpdated',
        'types/id',
        'owner/id',
        'budgetHours',
      );
      const values = fc.oneof(
        fc.integer().map(String),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
        fc.string({ maxLength: 8 }).map((s) => `"${s}"`),
        fc.string({ maxLength: 8 }).map((s) => `'${s}'`),
        fc.constantFrom(
          'true',
          'false',
          'null',
          '[2024-01-31T09:30:00Z]',
          '[garbage]',
          '(1,2,3)',
          '("a","b")',
          '()',
        ),
      );
      const op = fc.constantFrom(
        '=',
        '!=',
        '<',
        '<=',
        '>',
        '>=',
        'contains',
        'like',
        'not like',
        'in',
        'not in',
        '==',
      );
      const clause = fc.tuple(fields, op, values).map(([f, o, v]) => `${f} ${o} ${v}`);
      const tokenized = fc
        .array(fc.tuple(clause, fc.constantFrom(' and ', ' or ', ' AND ', ') or (', ' ')), {
          minLength: 1,
          maxLength: 3,
        })
        .map((parts) =>
          parts
            .map(([c, j]) => c + j)
            .join('')
            .trim(),
        );
      const conditions = fc.oneof(
        tokenized,
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
      );
      await fc.assert(
        fc.asyncProperty(
          conditions,
          fc.constantFrom('/company/companies', '/service/tickets', '/service/tickets/count'),
          async (c, path) => {
            shape(await call('GET', `${path}?conditions=${encodeURIComponent(c)}`));
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});
