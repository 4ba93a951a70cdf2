// PSA keys at rest and in transit through the console (CON-3, X-6), on every database: saved through
// the API with the article's role and checked by the preflight, the keys never appear in clear in any
// table, in the logs or in any console API answer, only as '••••' + last four characters. Then
// `parasol keys rotate` / `keys remove` run in-process against the running server's data folder and
// database: everything still decrypts, under the new key; the current key cannot be removed; a
// sealed value copied into another provider's row does not decrypt.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_ROUTES } from '../../src/console/http/routes.js';
import { keyringFile } from '../../src/platform/keyring.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { type ConsoleSession, call, dumpTables, parasol, signIn, tablesContaining } from './support.js';

const PASSWORD = 'secrets test passphrase';
const ADMIN = 'admin@secrets.test';

interface PreflightBody {
  ok: boolean;
  steps: Array<{ id: string; status: string }>;
}

describe.each(databaseKinds)('PSA keys at rest on %s', (db) => {
  let psa: TestPsa;
  let session: ConsoleSession;
  let key: TestKey;
  let otherKey: TestKey;
  let providerId: number;
  let otherProviderId: number;
  /** The text of every console API answer this file received. */
  const answers: string[] = [];

  const api = async <T = unknown>(method: string, path: string, body?: unknown) => {
    const r = await call<T>(psa, session, method, path, body === undefined ? {} : { body });
    answers.push(`${method} ${path} ${r.status}\n${[...r.headers].join('\n')}\n${r.text}`);
    return r;
  };
  /** Every secret form the keys could leak in: each key, and the Basic credential built from them. */
  const secretForms = (k: TestKey) => [
    k.privateKey,
    k.publicKey,
    k.authorization.slice('Basic '.length),
    Buffer.from(k.privateKey).toString('base64'),
  ];
  const sealedValues = async () =>
    psa.running.storage.db
      .selectFrom('con_psa_integration')
      .select(['provider_id', 'public_key_sealed', 'private_key_sealed'])
      .orderBy('provider_id')
      .execute();
  const keyFile = () =>
    JSON.parse(readFileSync(keyringFile(psa.dataDir), 'utf8')) as { current: string; keys: object };
  const currentKeyId = () => keyFile().current;
  const keyIds = () => Object.keys(keyFile().keys).sort();
  /** The key id of every sealed value (`v1:<keyId>:<iv>:<ciphertext>:<tag>`) in any table. */
  const sealedKeyIdsInAnyTable = async () => {
    const sealed = /v1:([A-Za-z0-9_-]{1,40}):[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]*:[A-Za-z0-9_-]{22}/g;
    return [...(await dumpTables(psa)).values()].flatMap((text) =>
      [...text.matchAll(sealed)].map((m) => m[1]!),
    );
  };

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'debug' });
    const { accounts, integration } = psa.running.console.services;
    const provider = await accounts.createProvider({ name: 'Secrets MSP', kind: 'MSP' }, 'test');
    providerId = provider.id;
    await accounts.createUser(
      providerId,
      { email: ADMIN, name: 'Admin', role: 'admin', password: PASSWORD },
      'test',
    );
    const other = await accounts.createProvider({ name: 'Other MSSP', kind: 'MSSP' }, 'test');
    otherProviderId = other.id;
    key = await psa.apiMemberWithKey('umb-secrets', ARTICLE_ROLE);
    otherKey = await psa.apiMemberWithKey('umb-other', ARTICLE_ROLE);
    // The other provider's integration is saved through the service (not enabled: no preflight).
    await integration.save(
      otherProviderId,
      {
        enabled: false,
        site: psa.hostPort,
        trustedCa: psa.ca,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: otherKey.publicKey,
        privateKey: otherKey.privateKey,
      },
      'test',
    );
    session = await signIn(psa, ADMIN, PASSWORD);
  });
  afterAll(async () => psa?.close());

  it('saves PSA Integration Details through the API; the preflight passes; only hints come back', async () => {
    const save = await api<PreflightBody & Record<string, unknown>>('PUT', '/api/v1/psa-integration', {
      enabled: true,
      site: psa.hostPort,
      trustedCa: psa.ca,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
    });
    expect(save.status).toBe(200);
    const view = save.body as unknown as {
      preflight: PreflightBody;
      publicKeyHint: string;
      privateKeyHint: string;
      hasKeys: boolean;
    };
    expect(view.preflight.steps.filter((s) => s.status !== 'pass')).toEqual([]);
    expect(view.preflight.ok).toBe(true);
    expect(view.hasKeys).toBe(true);
    expect(view.privateKeyHint).toBe(`••••${key.privateKey.slice(-4)}`);
    expect(view.publicKeyHint).toBe(`••••${key.publicKey.slice(-4)}`);

    const shown = await api<{ privateKeyHint: string; publicKeyHint: string; preflight: PreflightBody }>(
      'GET',
      '/api/v1/psa-integration',
    );
    expect(shown.body.privateKeyHint).toBe(`••••${key.privateKey.slice(-4)}`);
    expect(shown.body.publicKeyHint).toBe(`••••${key.publicKey.slice(-4)}`);
    expect(shown.body.preflight.ok).toBe(true);
  });

  it('keeps the keys out of every table, the logs and every console API answer', async () => {
    // Every GET of the route table without a path parameter, plus the OpenAPI document.
    for (const r of CONSOLE_ROUTES) {
      if (r.method === 'GET' && !r.path.includes(':')) expect((await api('GET', r.path)).status).toBe(200);
    }
    expect((await api('GET', '/api/v1/openapi.json')).status).toBe(200);
    const audit = await api<Array<{ action: string; detail: string }>>('GET', '/api/v1/audit');
    expect(audit.body.map((e) => e.action)).toContain('psa-integration.saved');
    // The audit names the fields that changed, never their values.
    expect(audit.body.filter((e) => e.action === 'psa-integration.saved').map((e) => e.detail)).toContain(
      'enabled=true, site, companyId, clientId, publicKey, privateKey, trustedCa',
    );

    const tables = await dumpTables(psa);
    expect(tables.has('con_psa_integration')).toBe(true);
    expect(tablesContaining(tables, `••••${key.privateKey.slice(-4)}`)).toEqual(['con_psa_integration']);
    const logs = psa.logs();
    expect(logs).toContain('/psa-integration');
    expect(logs).toContain('PSA call');
    for (const k of [key, otherKey]) {
      for (const secret of secretForms(k)) {
        // The built-in PSA itself shows the public keys it issued (its key list and member history,
        // as ConnectWise does); no console table and nothing else holds any form of the keys.
        expect(tablesContaining(tables, secret), 'tables').toEqual(
          secret === k.publicKey ? ['psa_api_key', 'psa_member_history'] : [],
        );
        expect(logs.includes(secret), 'logs').toBe(false);
        expect(
          answers.filter((a) => a.includes(secret)),
          'API answers',
        ).toEqual([]);
      }
    }
  });

  it('parasol keys rotate re-seals everything under a new key; keys remove drops the old one; both while the server runs', async () => {
    const { integration } = psa.running.console.services;
    const before = await sealedValues();
    const oldId = currentKeyId();
    expect(before).toHaveLength(2);
    for (const row of before) {
      expect(row.private_key_sealed?.split(':')[1]).toBe(oldId);
      expect(row.public_key_sealed?.split(':')[1]).toBe(oldId);
    }
    expect(new Set(await sealedKeyIdsInAnyTable())).toEqual(new Set([oldId]));
    const rotate = await parasol(psa, ['keys', 'rotate']);
    expect(rotate.err).toBe('');
    expect(rotate.code).toBe(0);
    const newId = currentKeyId();
    expect(newId).not.toBe(oldId);
    expect(rotate.out).toContain(`new master key ${newId}; re-sealed 4 secret(s)`);
    const after = await sealedValues();
    for (const row of after) {
      expect(row.private_key_sealed?.split(':')[1]).toBe(newId);
      expect(row.public_key_sealed?.split(':')[1]).toBe(newId);
    }
    expect(after.map((r) => r.private_key_sealed)).not.toEqual(before.map((r) => r.private_key_sealed));
    // Every sealed value anywhere in the database now names the new key.
    const ids = await sealedKeyIdsInAnyTable();
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ids)).toEqual(new Set([newId]));
    expect(keyIds()).toEqual([oldId, newId].sort());

    // The running server still decrypts: its preflight passes and the keys are the original ones.
    const preflight = await api<PreflightBody>('POST', '/api/v1/psa-integration/preflight');
    expect(preflight.status).toBe(200);
    expect(preflight.body.ok).toBe(true);
    expect(await integration.connection(providerId)).toMatchObject({
      publicKey: key.publicKey,
      privateKey: key.privateKey,
    });
    expect(await integration.connection(otherProviderId)).toMatchObject({
      publicKey: otherKey.publicKey,
      privateKey: otherKey.privateKey,
    });

    const removed = await parasol(psa, ['keys', 'remove', oldId]);
    expect(removed.err).toBe('');
    expect(removed.code).toBe(0);
    expect(keyIds()).toEqual([newId]);
    const stillOk = await api<PreflightBody>('POST', '/api/v1/psa-integration/preflight');
    expect(stillOk.status).toBe(200);
    expect(stillOk.body.ok).toBe(true);
    expect((await integration.connection(providerId)).privateKey).toBe(key.privateKey);
    // The current key cannot be removed.
    const current = await parasol(psa, ['keys', 'remove', newId]);
    expect(current.code).toBe(1);
    expect(current.err).toMatch(new RegExp(`^error: master key ${newId} still seals stored secrets`));
    expect(currentKeyId()).toBe(newId);
    expect(keyIds()).toEqual([newId]);
    expect((await integration.connection(providerId)).privateKey).toBe(key.privateKey);
  });

  it('a sealed value copied into another provider’s row does not decrypt (bound to provider and field)', async () => {
    const { integration } = psa.running.console.services;
    const dbh = psa.running.storage.db;
    const [mine, theirs] = [
      (await sealedValues()).find((r) => Number(r.provider_id) === providerId)!,
      (await sealedValues()).find((r) => Number(r.provider_id) === otherProviderId)!,
    ];
    const copy = async (values: { public_key_sealed?: string | null; private_key_sealed?: string | null }) =>
      dbh.updateTable('con_psa_integration').set(values).where('provider_id', '=', providerId).execute();
    try {
      await copy({ private_key_sealed: theirs.private_key_sealed });
      await expect(integration.connection(providerId)).rejects.toThrow(/does not decrypt/);
      const viaApi = await api('POST', '/api/v1/psa-integration/preflight');
      expect(viaApi.status).toBeGreaterThanOrEqual(400);
      // Within one row, the fields are bound too: the public key's value in the private key's place.
      await copy({ private_key_sealed: mine.public_key_sealed });
      await expect(integration.connection(providerId)).rejects.toThrow(/does not decrypt/);
    } finally {
      await copy({ private_key_sealed: mine.private_key_sealed });
    }
    expect((await integration.connection(providerId)).privateKey).toBe(key.privateKey);
    expect((await integration.connection(otherProviderId)).privateKey).toBe(otherKey.privateKey);
    for (const secret of secretForms(key)) expect(answers.filter((a) => a.includes(secret))).toEqual([]);
  });
});
