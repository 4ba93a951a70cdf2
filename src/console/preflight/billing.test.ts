// The preflight's billing group (issue 17): checked only while billing is on, as its own group, each
// missing row with its exact fix; with billing off the steps are the article's alone.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { FakeConnectWise } from '../psa-client/fake.js';
import { BILLING_PROBES, BILLING_REQUIREMENTS, REQUIREMENTS } from './requirements.js';
import { runPreflight } from './run.js';

const settings = {
  site: 'na.myconnectwise.net',
  companyId: 'acme',
  publicKey: 'pUbLiCkEy1234567',
  privateKey: 'pRiVaTeKeY-0123456789abcdef-secret',
  clientId: '8d3e5b9a-4c1f-4e2a-9b7d-2f6a1c0e5d43',
};
const all = { addLevel: 'All', editLevel: 'All', inquireLevel: 'All', deleteLevel: 'None' };

function psa(agreements: Record<string, string>, refuse: Array<[string, string]> = []): FakeConnectWise {
  const fake = new FakeConnectWise({
    seed: { '/company/companies': [{ identifier: 'AcmeCorp', name: 'Acme' }] },
  });
  for (const [method, path] of refuse)
    fake.failNext(
      (c) => c.method === method && c.path === path,
      { status: 403, code: 'Forbidden', message: `You do not have access to ${path}.` },
      1e9,
    );
  fake.seed('/system/mySecurity', [
    { moduleName: 'Companies', moduleFunctionName: 'Company Maintenance', ...all },
    { moduleName: 'Companies', moduleFunctionName: 'Configurations', ...all },
    { moduleName: 'Service Desk', moduleFunctionName: 'Service Tickets', ...all },
    { moduleName: 'System', moduleFunctionName: 'Table Setup', ...all },
    { moduleName: 'Finance', moduleFunctionName: 'Agreements', ...all, ...agreements },
    { moduleName: 'Procurement', moduleFunctionName: 'Product Catalog', ...all },
  ]);
  fake.seed(
    '/system/mySecurity/customizeItems',
    ['Company/Configuration', 'Service/Priority', 'Service/ServiceBoard'].map((itemIdentifier) => ({
      customizeIdentifier: 'SystemTableSetup',
      itemIdentifier,
    })),
  );
  fake.failNext((c) => c.method === 'POST', { status: 400, code: 'InvalidObject', message: 'invalid' }, 1e9);
  return fake;
}

describe('preflight: the billing group', () => {
  it('has its rows and probes covering every row', () => {
    expect(BILLING_REQUIREMENTS.map((r) => r.label)).toEqual([
      'Finance → Agreements: Inquire All',
      'Finance → Agreements: Add All',
      'Finance → Agreements: Edit All',
      'Procurement → Product Catalog: Inquire All',
    ]);
    for (const r of BILLING_REQUIREMENTS)
      expect(BILLING_PROBES.some((p) => p.rows.includes(r.id))).toBe(true);
  });

  it('is not checked while billing is off: the article role alone passes as before', async () => {
    const fake = psa({ editLevel: 'None' });
    const r = await runPreflight(fake, settings, new ManualClock('2026-03-01T10:00:00Z'));
    expect(r.ok).toBe(true);
    expect(r.steps.filter((s) => s.group === 'billing')).toEqual([]);
    expect(r.steps).toHaveLength(3 + REQUIREMENTS.length);
    expect(fake.calls.some((c) => c.path.startsWith('/finance') || c.path.startsWith('/procurement'))).toBe(
      false,
    );
  });

  it('while billing is on, names the exact fix of a missing row in its own group', async () => {
    const fake = psa({ editLevel: 'None' }, [['PATCH', '/finance/agreements/0']]);
    const r = await runPreflight(fake, settings, new ManualClock('2026-03-01T10:00:00Z'), { billing: true });
    expect(r.ok).toBe(false);
    const billing = r.steps.filter((s) => s.group === 'billing');
    expect(billing.map((s) => `${s.id}:${s.status}`)).toEqual([
      'agreements.inquire:pass',
      'agreements.add:pass',
      'agreements.edit:fail',
      'productCatalog.inquire:pass',
    ]);
    expect(billing.find((s) => s.id === 'agreements.edit')!.fix).toBe(
      'Finance → Agreements: set Edit Level to All (it is None)',
    );
    expect(r.steps.filter((s) => s.status === 'fail').map((s) => s.id)).toEqual(['agreements.edit']);
  });
});
