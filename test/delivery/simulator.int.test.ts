// The threshold simulator against the engine: the same events are ingested for two providers; the
// first (its rule disabled) asks the simulator what a proposed rule would raise, the second runs the
// proposed rule for real; the PSA then holds exactly the simulated number of tickets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { ingestion } from '../../src/console/ingest/index.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { psaRest } from '../console/support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

const DAY = Date.parse('2026-11-18T00:00:00Z');
const H = 3_600_000;

/** Three customers' traffic over two days: some identities cross 5 blocks per 8 hours, some not. */
function story(): Array<{ org: string; identity: string; ts: number; category: string }> {
  const out: Array<{ org: string; identity: string; ts: number; category: string }> = [];
  const burst = (
    org: string,
    identity: string,
    start: number,
    n: number,
    category = 'Command and Control',
  ) => {
    for (let i = 0; i < n; i++) out.push({ org, identity, ts: start + i * 60_000, category });
  };
  burst('org-a', 'PC-1', DAY + 1 * H, 7); // crosses
  burst('org-a', 'PC-1', DAY + 9 * H, 9); // next window while open: a note
  burst('org-a', 'PC-2', DAY + 2 * H, 4); // below
  burst('org-a', 'PC-2', DAY + 5 * H, 2); // same 8-hour window: 6 → crosses
  burst('org-b', 'SRV-1', DAY + 30 * H, 12); // crosses on day 2
  burst('org-b', 'SRV-2', DAY + 30 * H, 12, 'Malware'); // not the rule's category
  burst('org-c', 'KIOSK', DAY + 3 * H, 5); // exactly the threshold: not more
  return out;
}

describe.each(databaseKinds)('threshold simulator vs engine on %s', (db) => {
  let psa: TestPsa;
  const proposed = { threshold: 5, windowMinutes: 480 };
  const providers: Array<{ id: number; token: string; ruleId: number }> = [];

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'warn', delivery: true });
    const s = psa.running.console.services;
    for (const [n, enabled] of [
      [1, false],
      [2, true],
    ] as const) {
      const key = await psa.apiMemberWithKey(`SimApi${n}`, ARTICLE_ROLE);
      const p = await s.accounts.createProvider({ name: `Simulated MSP ${n}`, kind: 'MSP' }, 'test');
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
      for (const [org, company] of [
        ['org-a', 'AcmeCorp'],
        ['org-b', 'Globex'],
        ['org-c', 'Initech'],
      ] as const) {
        const c = await s.accounts.createCustomer(p.id, { name: `${org} of ${n}`, seats: 5 }, 'test');
        await s.mapping.setMapping(p.id, c.id, { psaCompanyIdentifier: company }, 'test');
        await ingestion(s).addBinding(p.id, c.id, { kind: 'ndjson-org', value: org }, 'test');
      }
      const [rule] = await delivery(s).rules.listRules(p.id);
      await delivery(s).rules.updateRule(
        p.id,
        rule!.id,
        enabled ? { enabled: true, settings: proposed } : { enabled: false },
        'test',
      );
      const token = (await remoteSources(s).tokens.create(p.id, { name: 'collector' }, 'test')).token;
      providers.push({ id: p.id, token, ruleId: rule!.id });
    }
    for (const p of providers) {
      const body = story()
        .map((e, i) =>
          JSON.stringify({
            ts: e.ts,
            orgId: e.org,
            identity: e.identity,
            domain: `d${i % 4}.bad.example`,
            action: 'blocked',
            categories: [e.category],
          }),
        )
        .join('\n');
      const res = await psa.fetch(`${psa.running.console.url}/api/v1/ingest/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      expect(res.status, psa.logs().slice(-3000)).toBe(200);
    }
  });
  afterAll(async () => psa?.close());

  it('the simulator’s count equals the tickets the engine raises on the same events', async () => {
    const s = psa.running.console.services;
    const [first, second] = providers;
    const simulated = await delivery(s).simulator.simulate(first!.id, {
      ruleId: first!.ruleId,
      settings: proposed,
      from: '2026-11-18',
      to: '2026-11-19',
    });
    expect(simulated.total).toBe(3);
    expect(simulated.days.map((d) => [d.customerName, d.day, d.tickets])).toEqual([
      ['org-a of 1', '2026-11-18', 2],
      ['org-b of 1', '2026-11-19', 1],
    ]);
    // The first provider's rule is disabled: nothing was raised for it.
    expect(await delivery(s).tracks(first!.id, {})).toEqual([]);

    const until = Date.now() + 20_000;
    while ((await delivery(s).activity.integration(second!.id)).pending > 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    const admin = await psa.adminKey();
    const res = await psaRest(
      psa,
      admin.authorization,
      'GET',
      `/service/tickets?conditions=${encodeURIComponent(`externalXRef like "parasol:t:${second!.id}:%"`)}&pageSize=100`,
    );
    expect((res.body as unknown[]).length).toBe(simulated.total);
  });

  it('refuses a proposed rule that is not valid, naming the setting', async () => {
    const s = psa.running.console.services;
    await expect(
      delivery(s).simulator.simulate(providers[0]!.id, { settings: { windowMinutes: 100 } }),
    ).rejects.toMatchObject({
      kind: 'invalid',
      issues: [expect.objectContaining({ path: 'settings.windowMinutes' })],
    });
  });
});
