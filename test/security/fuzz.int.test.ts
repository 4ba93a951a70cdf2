// Issue 13: hostile input never gets a 5xx, from either server, on either database. Every operation
// of the PSA's OpenAPI document, of the admin API's route table and of the console's OpenAPI
// document is called with seeded fast-check input — ids at 0/−1/2^31−1/2^31/2^53, NUL and lone
// surrogates in every string, very long strings and condition lists, malformed JSON Patch arrays,
// broken JSON — with and without credentials (API key, member and console sessions, ingest token),
// in-process through Fastify's inject(). It prints a status histogram and asserts no status ≥ 500
// and that every operation was reached past authentication.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { ingestion } from '../../src/console/ingest/index.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { cwDate } from '../../src/platform/clock.js';
import { sha256Hex } from '../../src/platform/crypto.js';
import { ADMIN_PREFIX } from '../../src/psa/http/admin-api.js';
import { DEMO_TICKET_ID } from '../../src/psa/service/seed.js';
import { openSession } from '../console/support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import {
  adminOperations,
  brokenJson,
  encode,
  hasErrorShape,
  hostileJson,
  hostileString,
  key,
  type Operation,
  operationsOf,
  patchBody,
  pathValue,
  queryValue,
  valueFor,
} from './fuzz-support.js';

/** Requests per database (fixed, seeded): about a third each to the PSA REST API, admin API, console. */
const RUNS = { psa: 5_000, admin: 1_600, console: 4_200 };
const SEED = 13_2026;
/**
 * Operations that are slow by design get fewer runs: sign-in spends a deliberate scrypt (~0.3 s, far
 * more on a loaded CI machine) on every well-formed attempt, and the preflight makes ~10 calls to the PSA.
 */
const SLOW = new Set([
  'admin POST /session',
  'console POST /api/v1/session',
  'console POST /api/v1/psa-integration/preflight',
  'console PUT /api/v1/psa-integration',
]);
const SLOW_RUNS = 12;

type Auth =
  | 'key'
  | 'bad-key'
  | 'no-client-id'
  | 'none'
  | 'session'
  | 'session-no-csrf'
  | 'bad-cookie'
  | 'ingest-token';

interface Generated {
  auth: Auth;
  params: string[];
  query: Array<[string, string]>;
  /** undefined: no body; a string: sent as it is (with the content type). */
  body: { text: string; contentType: string } | undefined;
}

/** Query names the console reads (its OpenAPI document lists path parameters only). */
const CONSOLE_QUERY = ['customerId', 'state', 'from', 'to', 'day', 'action', 'limit', 'category', 'beforeId'];

describe.each(databaseKinds)('fuzz on %s', (db) => {
  let psa: TestPsa;
  let adminKey: TestKey;
  let psaBase: string;
  let psaDoc: Record<string, unknown>;
  let consoleDoc: Record<string, unknown>;
  const known = { psa: [] as number[], admin: [] as number[], console: [] as number[] };
  const knownFor: Record<string, number[]> = {};
  let psaSession = { cookie: '', csrf: '' };
  let consoleSession = { cookie: '', csrf: '' };
  let ingestToken = '';

  let memberId = 0;
  let consoleUser = { providerId: 0, email: 'admin@fuzz.test' };

  /** A member session opened as sign-in opens one, without scrypt (see test/console/support.ts). */
  const signInMember = async () => {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const at = cwDate(new Date());
    await psa.running.storage.db
      .insertInto('psa_session')
      .values({
        token_digest: sha256Hex(token),
        member_id: memberId,
        csrf_token: csrf,
        created_at: at,
        expires_at: cwDate(new Date(Date.now() + 3_600_000)),
        last_seen_at: at,
      })
      .execute();
    psaSession = { cookie: `parasol_psa_session=${token}`, csrf };
  };
  /** A console session of the fuzz's admin user (created again if the fuzz deleted it). */
  const signInConsole = async () => {
    const { store, clock } = psa.running.console.services;
    if (!(await store.findUserByEmail(consoleUser.email))) {
      await store.createUser({
        providerId: consoleUser.providerId,
        email: consoleUser.email,
        name: 'A',
        role: 'admin',
        passwordHash: 'x',
        at: new Date(clock.now()).toISOString(),
      });
    }
    const s = await openSession(psa, consoleUser.email);
    consoleSession = { cookie: s.cookie, csrf: s.csrfToken };
  };

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'error' });
    adminKey = await psa.adminKey();
    const services = psa.running.psa.services;
    // The member whose session signs the PSA's session calls; throwaway records for the admin API's
    // ids, so the fuzz can deactivate, revoke and delete them without locking itself out.
    const fullRole = (await services.security.findMember('admin'))!.roleId;
    memberId = (
      await services.admin.createMember(
        'member',
        { identifier: 'fuzzer', firstName: 'Fuzz', lastName: 'Er', role: fullRole },
        'test',
      )
    ).id;
    await signInMember();
    const spare = await services.admin.createMember(
      'api',
      { identifier: 'spare', name: 'Spare', role: fullRole },
      'test',
    );
    const spareKey = await services.admin.createKey(spare.id, { description: 'spare' }, 'test');
    const spareRole = await services.admin.createRole(
      { name: 'Spare role', adminFlag: false, levels: {}, allowLists: {} },
      'test',
    );
    // The admin API's ids: the spare member's, key's and role's only (see knownFor).
    for (const template of [
      '/members/{id}',
      '/members/{id}/keys',
      '/members/{id}/history',
      '/members/{id}/api-logs',
    ])
      knownFor[template] = [spare.id];
    knownFor['/members/{id}/keys/{keyId}'] = [spare.id, spareKey.id];
    knownFor['/roles/{id}'] = [spareRole.id];
    known.admin.push(spare.id);
    known.psa.push(1, 2, 3, DEMO_TICKET_ID);

    // The console: a provider with an admin user, customers, a rule, a binding, ingest tokens, and
    // PSA Integration Details that reach this PSA (so the routes that call the PSA do real work).
    const c = psa.running.console.services;
    const provider = await c.accounts.createProvider({ name: 'Fuzz MSP', kind: 'MSSP' }, 'test');
    const at = new Date(c.clock.now()).toISOString();
    consoleUser = { providerId: provider.id, email: 'admin@fuzz.test' };
    const spareUser = await c.store.createUser({
      providerId: provider.id,
      email: 'spare@fuzz.test',
      name: 'S',
      role: 'read-only',
      passwordHash: 'x',
      at,
    });
    await signInConsole();
    const customer = await c.accounts.createCustomer(provider.id, { name: 'Acme', seats: 5 }, 'test');
    const other = await c.accounts.createCustomer(provider.id, { name: 'Globex', seats: 5 }, 'test');
    const binding = await ingestion(c).addBinding(
      provider.id,
      customer.id,
      { kind: 'ndjson-org', value: 'org-1' },
      'test',
    );
    const rules = await delivery(c).rules.listRules(provider.id);
    const tokens = remoteSources(c).tokens;
    ingestToken = (await tokens.create(provider.id, { name: 'collector' }, 'test')).token;
    const spareToken = await tokens.create(provider.id, { name: 'spare' }, 'test');
    await c.integration.save(
      provider.id,
      {
        enabled: true,
        site: psa.hostPort,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: adminKey.publicKey,
        privateKey: adminKey.privateKey,
      },
      'test',
    );
    known.console.push(customer.id, other.id, binding.id, rules[0]!.id);
    // Users and ingest tokens are named by their own ids: the fuzz's own stay out of reach.
    knownFor['/api/v1/users/{id}'] = [spareUser];
    knownFor['/api/v1/ingest-tokens/{id}'] = [spareToken.id];

    const psaApp = psa.running.psa.app;
    psaDoc = (await psaApp.inject({ method: 'GET', url: '/openapi.json' })).json();
    consoleDoc = (
      await psa.running.console.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
    ).json();
    psaBase = new URL((psaDoc.servers as Array<{ url: string }>)[0]!.url).pathname;
  });
  afterAll(async () => psa?.close());

  /**
   * Keeps the console's outbound calls on this machine and its PSA credentials valid: the PSA
   * Integration Details always name this PSA (the keys stay the stored ones), and Umbrella API
   * settings never get keys (a poll would wait out retries against a host that is not there).
   */
  function pinned(op: Operation, body: unknown): unknown {
    if (op.api !== 'console' || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
    const b = { ...(body as Record<string, unknown>) };
    if (op.template === '/api/v1/psa-integration') {
      Object.assign(b, { site: psa.hostPort, companyId: psa.companyId, clientId: psa.clientId });
      delete b.publicKey;
      delete b.privateKey;
    }
    if (op.template === '/api/v1/umbrella-api') {
      delete b.apiKey;
      delete b.apiSecret;
    }
    return b;
  }

  function authFor(op: Operation): fc.Arbitrary<Auth> {
    const w = (weight: number, auth: Auth) => ({ weight, arbitrary: fc.constant(auth) });
    if (op.api === 'psa')
      return fc.oneof(
        w(6, 'key'),
        w(2, 'session'),
        w(1, 'session-no-csrf'),
        w(1, 'none'),
        w(1, 'bad-key'),
        w(1, 'no-client-id'),
      );
    if (op.api === 'admin')
      return fc.oneof(w(5, 'key'), w(2, 'session'), w(1, 'session-no-csrf'), w(1, 'none'));
    if (op.template === '/api/v1/ingest/events')
      return fc.oneof(w(6, 'ingest-token'), w(1, 'none'), w(1, 'session'));
    return fc.oneof(w(6, 'session'), w(1, 'session-no-csrf'), w(1, 'none'), w(1, 'bad-cookie'));
  }

  function bodyFor(
    op: Operation,
    components: Record<string, Record<string, unknown>>,
  ): fc.Arbitrary<Generated['body']> {
    const json = (value: fc.Arbitrary<unknown>) =>
      value.map((v) => ({ text: JSON.stringify(pinned(op, v)) ?? 'null', contentType: 'application/json' }));
    const broken = brokenJson.map((text) => ({ text, contentType: 'application/json' }));
    if (!op.body) {
      return fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: json(hostileJson) },
        { weight: 1, arbitrary: broken },
      );
    }
    const { contentType, schema } = op.body;
    if (!contentType.includes('json') || contentType.includes('ndjson')) {
      const lines = fc.array(
        fc.oneof(
          hostileString,
          hostileJson.map((v) => JSON.stringify(v) ?? ''),
        ),
        { maxLength: 5 },
      );
      return fc.oneof(lines, fc.oneof(hostileString)).map((v) => ({
        text: Array.isArray(v) ? v.join('\n') : v,
        contentType,
      }));
    }
    const isPatch = (schema as { type?: string }).type === 'array';
    const fields = Object.keys(
      ((components[String(psaResourceSchema(op)).split('/').pop() ?? ''] ?? {}) as { properties?: object })
        .properties ?? {},
    );
    const typed = isPatch ? patchBody(fields) : valueFor(schema, components);
    return fc.oneof(
      { weight: 8, arbitrary: json(typed) },
      { weight: 1, arbitrary: broken },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  }

  /** The schema $ref of the record a PSA PATCH changes (from the operation's 200 answer). */
  function psaResourceSchema(op: Operation): string | undefined {
    const paths = psaDoc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    const ok = paths[op.template]?.[op.method.toLowerCase()]?.responses?.['200'] as
      | { content?: Record<string, { schema?: { $ref?: string } }> }
      | undefined;
    return ok?.content?.['application/json']?.schema?.$ref;
  }

  function requestFor(
    op: Operation,
    components: Record<string, Record<string, unknown>>,
  ): fc.Arbitrary<Generated> {
    const names = [...op.queryParams, ...(op.api === 'console' ? CONSOLE_QUERY : []), 'pageId', 'x'];
    const query = fc.array(
      fc.constantFrom(...names).chain((n) => queryValue(n).map((v): [string, string] => [n, v])),
      { maxLength: 3 },
    );
    return fc.record({
      auth: authFor(op),
      params: fc.tuple(...op.pathParams.map(() => pathValue(knownFor[op.template] ?? known[op.api]))),
      query,
      body: bodyFor(op, components),
    });
  }

  function headersFor(op: Operation, auth: Auth): Record<string, string> {
    const h: Record<string, string> = {};
    if (op.api === 'psa' && auth !== 'no-client-id') h.clientid = psa.clientId;
    switch (auth) {
      case 'key':
      case 'no-client-id':
        h.authorization = adminKey.authorization;
        break;
      case 'bad-key':
        h.authorization = `Basic ${Buffer.from(`${psa.companyId}+x\u0000:${'\uD800'}`).toString('base64')}`;
        break;
      case 'session':
      case 'session-no-csrf': {
        const s = op.api === 'console' ? consoleSession : psaSession;
        h.cookie = s.cookie;
        if (auth === 'session') h['x-csrf-token'] = s.csrf;
        break;
      }
      case 'bad-cookie':
        h.cookie = 'parasol_session=%00%ED%A0%80';
        break;
      case 'ingest-token':
        h.authorization = `Bearer ${ingestToken}`;
        break;
      case 'none':
        break;
    }
    return h;
  }

  async function send(op: Operation, g: Generated) {
    let path = op.template;
    op.pathParams.forEach((name, i) => {
      path = path.replace(`{${name}}`, encode(g.params[i]!));
    });
    const qs = g.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const prefix = op.api === 'psa' ? psaBase : op.api === 'admin' ? ADMIN_PREFIX : '';
    const url = `${prefix}${path}${qs ? `?${qs}` : ''}`;
    const headers = headersFor(op, g.auth);
    if (g.body) headers['content-type'] = g.body.contentType;
    const app: FastifyInstance = op.api === 'console' ? psa.running.console.app : psa.running.psa.app;
    const res = await app.inject({
      method: op.method as 'GET',
      url,
      headers,
      ...(g.body ? { payload: g.body.text } : {}),
    });
    // A successful sign-out or a changed password ends the session the fuzz signs with: sign in again.
    if (
      g.auth === 'session' &&
      res.statusCode < 300 &&
      op.method === 'DELETE' &&
      /session$/.test(op.template)
    ) {
      if (op.api === 'console') await signInConsole();
      else await signInMember();
    }
    return { url, status: res.statusCode, text: res.body };
  }

  it('no status ≥ 500 over every route of both servers', { timeout: 600_000 }, async () => {
    const ops = [
      ...operationsOf(psaDoc, 'psa'),
      ...adminOperations(),
      ...operationsOf(consoleDoc, 'console'),
    ];
    const components = {
      psa: ((psaDoc.components as { schemas?: object })?.schemas ?? {}) as Record<
        string,
        Record<string, unknown>
      >,
      console: {},
      admin: {},
    };
    const histogram = new Map<string, Map<number, number>>();
    const reached = new Map<string, number>();
    const failures: string[] = [];
    let total = 0;
    let errors = 0;
    let misshapen = 0;
    const shapes: string[] = [];
    const started = Date.now();
    for (const api of ['psa', 'admin', 'console'] as const) {
      const mine = ops.filter((o) => o.api === api);
      const perOp = Math.ceil(RUNS[api] / mine.length);
      for (const [i, op] of mine.entries()) {
        const samples = fc.sample(requestFor(op, components[api]), {
          numRuns: SLOW.has(key(op)) ? SLOW_RUNS : perOp,
          seed: SEED + i * 7919 + api.length,
        });
        for (const g of samples) {
          const r = await send(op, g);
          total++;
          const counts = histogram.get(api) ?? new Map<number, number>();
          counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
          histogram.set(api, counts);
          // Reached past authentication: any answer but 401/403.
          if (r.status !== 401 && r.status !== 403) reached.set(key(op), (reached.get(key(op)) ?? 0) + 1);
          if (r.status >= 400 && !hasErrorShape(op.api, r.text)) {
            misshapen++;
            if (shapes.length < 10)
              shapes.push(`${op.method} ${r.url.slice(0, 200)} → ${r.status} ${r.text.slice(0, 200)}`);
          }
          if (r.status >= 500) {
            errors++;
            if (failures.length < 30)
              failures.push(
                `${op.method} ${r.url.slice(0, 300)} [${g.auth}] body=${g.body?.text.slice(0, 300)} → ${r.status} ${r.text.slice(0, 300)}`,
              );
          }
        }
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const lines = [...histogram].map(
      ([api, counts]) =>
        `  ${api.padEnd(8)} ${[...counts]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    console.log(
      `fuzz on ${db}: ${total} requests over ${ops.length} operations in ${seconds.toFixed(1)} s\n${lines.join('\n')}`,
    );
    expect(failures, `${errors} answers ≥ 500:\n${failures.join('\n')}`).toEqual([]);
    expect(shapes, `${misshapen} errors not in the server's error shape:\n${shapes.join('\n')}`).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(10_000);
    const unreached = ops.filter((o) => !reached.has(key(o))).map(key);
    expect(unreached, 'operations never reached past authentication').toEqual([]);
  });
});
