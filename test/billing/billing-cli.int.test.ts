// `parasol console billing settings|preview|run|show` from a separate CLI process (same data as a
// running server), against the built-in PSA over HTTPS: the preview prints the PSA's and Parasol's
// quantities, the difference, the monthly change and why; billing refuses to write until on; then a
// run with --deliver corrects the demo's stale line and a second preview has nothing to change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE, FN } from '../../src/psa/catalog/index.js';
import { parasol } from '../console/support.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

describe('billing CLI', () => {
  let psa: TestPsa;
  const provider = 'CLI Billing MSP';

  beforeAll(async () => {
    psa = await startTestPsa({ db: 'sqlite', logLevel: 'warn' });
    const key = await psa.apiMemberWithKey('BillingCli', {
      ...ARTICLE_ROLE,
      name: 'Umbrella and billing',
      levels: {
        ...ARTICLE_ROLE.levels,
        [FN.agreements]: { inquire: 'All', edit: 'All', add: 'All' },
        [FN.productCatalog]: { inquire: 'All' },
      },
    });
    const s = psa.running.console.services;
    const p = await s.accounts.createProvider({ name: provider, kind: 'MSP' }, 'test');
    const customerId = (await s.accounts.createCustomer(p.id, { name: 'Globex', seats: 15 }, 'test')).id;
    await s.integration.save(
      p.id,
      {
        enabled: true,
        site: psa.hostPort,
        trustedCa: psa.ca,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
      },
      'test',
    );
    await s.mapping.setMapping(p.id, customerId, { psaCompanyIdentifier: 'Globex' }, 'test');
  }, 120_000);
  afterAll(async () => psa?.close());

  it('previews, refuses to write until on, then reconciles', async () => {
    const settings = await parasol(psa, [
      'console',
      'billing',
      'settings',
      '--provider',
      provider,
      '--mode',
      'preview',
      '--seats',
      'configured',
    ]);
    expect(settings.code, settings.err).toBe(0);
    const preview = await parasol(psa, ['console', 'billing', 'preview', '--provider', provider]);
    expect(preview.code, preview.err).toBe(0);
    expect(preview.out).toMatch(/Globex\t12\t15\t\+3\t\+10\.50\t3 more: 15 configured seats/);
    const refused = await parasol(psa, ['console', 'billing', 'run', '--provider', provider]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/turn it on/);
    await parasol(psa, ['console', 'billing', 'settings', '--provider', provider, '--mode', 'on']);
    const run = await parasol(psa, ['console', 'billing', 'run', '--provider', provider, '--deliver']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/1 customer\(s\) queued/);
    const again = await parasol(psa, ['console', 'billing', 'preview', '--provider', provider, '--json']);
    const rows = JSON.parse(again.out).rows as Array<{ name: string; psaQuantity: number; action: string }>;
    expect(rows).toEqual([expect.objectContaining({ name: 'Globex', psaQuantity: 15, action: 'none' })]);
  }, 120_000);
});
