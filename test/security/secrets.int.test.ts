// PSA-3 / X-6: "the private key is nowhere". Keys are made through the admin API and the CLI and
// used for good and bad calls (wrong private key, revoked key); afterwards no table of the database,
// no line of the server's log, no API response and no admin API response after the creation one
// holds a private key or the Authorization header that carries it. Only a SHA-256 digest is kept,
// History records the key operations and API Logs the calls (method, path, status, duration).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/crypto.js';
import { sql } from '../../src/platform/db.js';
import type { Database } from '../../src/platform/db-types.js';
import { DEMO_ROLE_NAME, DEMO_TICKET_ID } from '../../src/psa/service/seed.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { admin, basic, type CallResult, cliOk, ok, rest } from './support.js';

interface KeyCreated {
  id: number;
  publicKey: string;
  privateKey: string;
  notice: string;
}

/** The tables of the Database interface (db-types.ts); the catalog scan must find every one. */
const DECLARED_TABLES: Array<keyof Database> = [
  'cw_record',
  'cw_sequence',
  'psa_role',
  'psa_role_setting',
  'psa_role_customize',
  'psa_member',
  'psa_api_key',
  'psa_member_history',
  'psa_api_log',
  'psa_callback_delivery',
  'psa_signing_key',
];

describe.each(databaseKinds)('private keys are nowhere, on %s', (db) => {
  let psa: TestPsa;
  let adminKey: TestKey;
  let memberId: number;
  let viaApi: KeyCreated;
  let viaCli: KeyCreated;
  /** Every secret: private keys, and the credentials strings and headers built from them. */
  const secrets: string[] = [];
  /** Bodies of every REST and admin API response after the creation responses. */
  const responses: string[] = [];

  const track = async (call: Promise<CallResult>): Promise<CallResult> => {
    const r = await call;
    responses.push(r.text, JSON.stringify(Object.fromEntries(r.headers)));
    return r;
  };

  function remember(companyId: string, publicKey: string, privateKey: string): string {
    const authorization = basic(companyId, publicKey, privateKey);
    secrets.push(privateKey, `${publicKey}:${privateKey}`, authorization.slice('Basic '.length));
    return authorization;
  }

  async function tableDump(): Promise<Map<string, string>> {
    const dbx = psa.running.storage.db;
    const names =
      psa.running.storage.dialect === 'sqlite'
        ? (
            await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(dbx)
          ).rows.map((r) => r.name)
        : (
            await sql<{ table_name: string }>`select table_name from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(dbx)
          ).rows.map((r) => r.table_name);
    const dump = new Map<string, string>();
    for (const name of names) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(dbx)).rows;
      dump.set(name, JSON.stringify(rows));
    }
    return dump;
  }

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    adminKey = await psa.adminKey();
    remember(psa.companyId, adminKey.publicKey, adminKey.privateKey);

    const member = await ok<{ id: number }>(
      admin(psa, 'POST', '/members', {
        auth: adminKey,
        body: {
          kind: 'api',
          identifier: 'secret-api',
          name: 'Secret test integration',
          role: DEMO_ROLE_NAME,
        },
      }),
    );
    memberId = member.id;
    const created = await admin(psa, 'POST', `/members/${memberId}/keys`, {
      auth: adminKey,
      body: { description: 'made through the admin API' },
    });
    expect(created.status).toBe(201);
    viaApi = created.body as KeyCreated;
    expect(created.headers.get('cache-control')).toBe('no-store');
    viaCli = JSON.parse(
      await cliOk(psa, [
        'psa',
        'key',
        'create',
        'secret-api',
        '--description',
        'made with the CLI',
        '--json',
      ]),
    ) as KeyCreated;
    for (const k of [viaApi, viaCli]) {
      expect(k.privateKey).toMatch(/^[A-Za-z0-9]{32,}$/);
      expect(k.notice).toMatch(/only available at the time the key is created/);
    }
  });
  afterAll(async () => psa?.close());

  it('keys work, a wrong private key and a revoked key do not, and revocation is immediate', async () => {
    const apiAuth = remember(psa.companyId, viaApi.publicKey, viaApi.privateKey);
    const cliAuth = remember(psa.companyId, viaCli.publicKey, viaCli.privateKey);
    const wrongPrivate = `${viaApi.privateKey.slice(0, -4)}zzzz`;
    const wrongAuth = remember(psa.companyId, viaApi.publicKey, wrongPrivate);

    for (const auth of [apiAuth, cliAuth]) {
      expect((await track(rest(psa, 'GET', '/company/companies', { auth }))).status).toBe(200);
      expect((await track(rest(psa, 'GET', `/service/tickets/${DEMO_TICKET_ID}`, { auth }))).status).toBe(
        200,
      );
      expect((await track(rest(psa, 'GET', '/finance/agreements', { auth }))).status).toBe(403);
      expect((await track(rest(psa, 'DELETE', `/service/tickets/${DEMO_TICKET_ID}`, { auth }))).status).toBe(
        403,
      );
      expect((await track(rest(psa, 'GET', '/service/tickets/abc', { auth }))).status).toBe(400);
      expect(
        (await track(rest(psa, 'POST', '/service/tickets', { auth, body: { summary: 1 } }))).status,
      ).toBe(400);
    }
    const wrong = await track(rest(psa, 'GET', '/company/companies', { auth: wrongAuth }));
    expect(wrong.status).toBe(401);

    // The CLI key was just verified (and is cached); revoking it through the admin API in this
    // process refuses it on the very next request.
    const revoke = await track(
      admin(psa, 'DELETE', `/members/${memberId}/keys/${viaCli.id}`, { auth: adminKey }),
    );
    expect(revoke.status).toBe(200);
    expect(revoke.body).toMatchObject({ id: viaCli.id, revokedAt: expect.any(String) });
    const refused = await track(rest(psa, 'GET', '/company/companies', { auth: cliAuth }));
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ code: 'Unauthorized', message: expect.any(String), errors: null });
    // The other key of the same member still works.
    expect((await track(rest(psa, 'GET', '/company/companies', { auth: apiAuth }))).status).toBe(200);
  });

  it('History has the key operations and API Logs the calls, without a key', async () => {
    // API Logs are written in batches (within a second); flush instead of waiting.
    await psa.running.psa.services.apiLog.flush();
    const history = await track(admin(psa, 'GET', `/members/${memberId}/history`, { auth: adminKey }));
    const actions = (history.body as Array<{ action: string; detail: string }>).map((h) => h.action);
    expect(actions.filter((a) => a === 'apiKey.created')).toHaveLength(2);
    expect(actions).toContain('apiKey.revoked');

    const logs = await track(admin(psa, 'GET', `/members/${memberId}/api-logs`, { auth: adminKey }));
    const rows = logs.body as Array<{
      keyId: number;
      method: string;
      path: string;
      status: number;
      durationMs: number;
    }>;
    const base = new URL(psa.apiBase).pathname;
    for (const [method, path, status] of [
      ['GET', '/company/companies', 200],
      ['GET', `/service/tickets/${DEMO_TICKET_ID}`, 200],
      ['GET', '/finance/agreements', 403],
      ['DELETE', `/service/tickets/${DEMO_TICKET_ID}`, 403],
      ['GET', '/service/tickets/abc', 400],
      ['POST', '/service/tickets', 400],
    ] as const) {
      for (const keyId of [viaApi.id, viaCli.id]) {
        expect(rows, `${method} ${path} with key ${keyId}`).toContainEqual(
          expect.objectContaining({
            keyId,
            method,
            path: `${base}${path}`,
            status,
            durationMs: expect.any(Number),
          }),
        );
      }
    }
    for (const r of rows) expect(r.durationMs).toBeGreaterThanOrEqual(0);

    const keys = await track(admin(psa, 'GET', `/members/${memberId}/keys`, { auth: adminKey }));
    expect(keys.body).toEqual([
      expect.objectContaining({ id: viaApi.id, publicKey: viaApi.publicKey, revokedAt: null }),
      expect.objectContaining({ id: viaCli.id, publicKey: viaCli.publicKey, revokedAt: expect.any(String) }),
    ]);
    for (const k of keys.body as object[]) expect(Object.keys(k)).not.toContain('privateKey');
    for (const path of [`/members/${memberId}`, '/members?kind=api', '/me']) {
      expect((await track(admin(psa, 'GET', path, { auth: adminKey }))).status).toBe(200);
    }
  });

  it('only the SHA-256 digest of each private key is stored', async () => {
    const rows = await psa.running.storage.db
      .selectFrom('psa_api_key')
      .select(['public_key', 'private_key_digest', 'revoked_at'])
      .where('member_id', '=', memberId)
      .execute();
    expect(rows).toHaveLength(2);
    for (const k of [viaApi, viaCli]) {
      const row = rows.find((r) => r.public_key === k.publicKey)!;
      expect(row.private_key_digest).toMatch(/^[0-9a-f]{64}$/);
      expect(row.private_key_digest).toBe(sha256Hex(k.privateKey));
    }
    expect(rows.find((r) => r.public_key === viaCli.publicKey)!.revoked_at).not.toBeNull();
  });

  it('no table, log line or response holds a private key or the Authorization header', async () => {
    await psa.running.psa.services.apiLog.flush();
    const dump = await tableDump();
    for (const table of DECLARED_TABLES) expect([...dump.keys()]).toContain(table);
    // The scan sees real content: the public keys and the API log rows are there.
    expect(dump.get('psa_api_key')).toContain(viaApi.publicKey);
    expect(dump.get('psa_api_log')).toContain('/company/companies');

    const logs = psa.logs();
    expect(logs).toContain('API authentication failed');
    expect(logs.length).toBeGreaterThan(1000);
    expect(responses.length).toBeGreaterThan(20);
    expect(secrets).toHaveLength(12);

    for (const secret of secrets) {
      for (const [table, text] of dump) expect(text.includes(secret), `table ${table}`).toBe(false);
      expect(logs.includes(secret), 'server log').toBe(false);
      responses.forEach((text, i) => {
        expect(text.includes(secret), `response ${i}: ${text.slice(0, 200)}`).toBe(false);
      });
    }
  });
});
