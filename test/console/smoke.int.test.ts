import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

describe('console over HTTPS against the built-in PSA', () => {
  let psa: TestPsa;
  beforeAll(async () => {
    psa = await startTestPsa({ db: 'sqlite' });
  });
  afterAll(async () => psa?.close());

  it('signs in, saves PSA Integration Details with the article keys and passes the preflight', async () => {
    const services = psa.running.console.services;
    const provider = await services.accounts.createProvider({ name: 'Smoke MSP', kind: 'MSP' }, 'test');
    await services.accounts.createUser(
      provider.id,
      { email: 'admin@smoke.test', name: 'Admin', role: 'admin', password: 'correct horse battery' },
      'test',
    );
    const base = psa.running.console.url;
    const signIn = await psa.fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@smoke.test', password: 'correct horse battery' }),
    });
    expect(signIn.status).toBe(200);
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const key = await psa.apiMemberWithKey('umbrella-smoke', ARTICLE_ROLE);
    const save = await psa.fetch(`${base}/api/v1/psa-integration`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({
        enabled: true,
        site: psa.hostPort,
        trustedCa: psa.ca,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
      }),
    });
    const body = (await save.json()) as {
      preflight: { ok: boolean; steps: Array<{ status: string; label: string; fix?: string }> };
      privateKeyHint: string;
    };
    expect(save.status).toBe(200);
    expect(body.preflight.steps.filter((s) => s.status !== 'pass')).toEqual([]);
    expect(body.preflight.ok).toBe(true);
    expect(JSON.stringify(body)).not.toContain(key.privateKey);
    expect(body.privateKeyHint).toBe(`••••${key.privateKey.slice(-4)}`);
  });
});
