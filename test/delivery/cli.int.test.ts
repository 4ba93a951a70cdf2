// `parasol console rules|tickets|sync|activity|retry|deliver` from a separate CLI process's point of
// view (same data folder / database as a running server), against the built-in PSA over HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { parasol, psaRest } from '../console/support.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

describe('delivery CLI', () => {
  let psa: TestPsa;
  let customerId: number;
  const provider = 'CLI Delivery MSP';

  beforeAll(async () => {
    psa = await startTestPsa({ db: 'sqlite', logLevel: 'warn' });
    // The server's own workers stay idle here: the CLI delivers with --deliver.
    const key = await psa.apiMemberWithKey('UmbrellaCli', ARTICLE_ROLE);
    const s = psa.running.console.services;
    const p = await s.accounts.createProvider({ name: provider, kind: 'MSP' }, 'test');
    customerId = (await s.accounts.createCustomer(p.id, { name: 'Initech', seats: 3 }, 'test')).id;
    const saved = await s.integration.save(
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
    expect(saved.preflight?.ok).toBe(true);
    await s.mapping.setMapping(p.id, customerId, { psaCompanyIdentifier: 'Initech' }, 'test');
  });
  afterAll(async () => psa?.close());

  it('lists, changes and overrides ticket rules, with errors that name the field', async () => {
    const list = await parasol(psa, ['console', 'rules', 'list', '--provider', provider]);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/Command-and-control activity\tenabled\tcommand-and-control > 10 per 240 min/);
    const ruleId = list.out.split('\t')[0]!;
    const set = await parasol(psa, [
      'console',
      'rules',
      'set',
      ruleId,
      '--provider',
      provider,
      '--settings',
      '{"threshold": 25}',
    ]);
    expect(set.code, set.err).toBe(0);
    expect(JSON.parse(set.out)).toMatchObject({ settings: { threshold: 25 } });
    const bad = await parasol(psa, [
      'console',
      'rules',
      'set',
      ruleId,
      '--provider',
      provider,
      '--settings',
      '{"windowMinutes": 90}',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/windowMinutes/);
    const override = await parasol(psa, [
      'console',
      'rules',
      'override',
      ruleId,
      String(customerId),
      '--provider',
      provider,
      '--settings',
      '{"closedPolicy": {"mode": "reopen"}}',
    ]);
    expect(override.code, override.err).toBe(0);
    expect(JSON.parse(override.out)).toMatchObject({
      customerId,
      settings: { closedPolicy: { mode: 'reopen' } },
    });
  });

  it('syncs configurations and delivers them from the CLI process; activity shows the sync and the writes', async () => {
    const sync = await parasol(psa, ['console', 'sync', '--provider', provider, '--deliver']);
    expect(sync.code, sync.err).toBe(0);
    expect(sync.out).toMatch(/1 configuration\(s\) queued/);
    expect(sync.out).toMatch(/delivered: nothing pending/);
    const admin = await psa.adminKey();
    const configs = await psaRest(psa, admin.authorization, 'GET', '/company/configurations?pageSize=100');
    expect(
      (configs.body as Array<{ company: { identifier: string } }>).map((c) => c.company.identifier),
    ).toContain('Initech');
    const activity = await parasol(psa, ['console', 'activity', '--provider', provider, '--json']);
    expect(activity.code, activity.err).toBe(0);
    const health = JSON.parse(activity.out) as {
      integration: { circuit: string; pending: number };
      customers: Array<{ customerId: number; lastConfigSyncAt: string | null }>;
    };
    expect(health.integration).toMatchObject({ circuit: 'closed', pending: 0 });
    expect(health.customers.find((c) => c.customerId === customerId)!.lastConfigSyncAt).not.toBeNull();
    const writes = await parasol(psa, ['console', 'activity', '--provider', provider, '--writes']);
    expect(writes.out).toMatch(/POST \/company\/configurations\t201\tok/);
    const tickets = await parasol(psa, ['console', 'tickets', '--provider', provider, '--poll']);
    expect(tickets.code, tickets.err).toBe(0);
    expect(tickets.out).toMatch(/polled 0 ticket\(s\) in 0 request\(s\)/);
    const retry = await parasol(psa, ['console', 'retry', '--provider', provider]);
    expect(retry.out).toBe('0 write(s) queued again');
  });
});
