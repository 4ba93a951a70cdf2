// Company mapping through the console API (CON-4) against the built-in PSA over HTTPS, on every
// database: suggestions ranked by name similarity, mapping to a real (or refused unknown) company
// identifier, CSV export/import round trip with per-line errors, detection of a company deleted in the
// PSA, and the cached reference data (boards with statuses/types/subtypes/items, priorities, sources).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE, CUSTOMIZE, type RolePreset, TABLE } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { type ConsoleSession, call, psaRest, signIn } from './support.js';

const PASSWORD = 'mapping test passphrase';
const ADMIN = 'admin@mapping.test';

interface Customer {
  id: number;
  name: string;
  psaCompanyIdentifier: string | null;
  psaCompanyId: number | null;
  mappingState: 'unmapped' | 'mapped' | 'missing';
}

interface Suggestion {
  company: { id: number; identifier: string; name: string };
  score: number;
  reason: string;
}

describe.each(databaseKinds)('company mapping on %s', (db) => {
  let psa: TestPsa;
  let session: ConsoleSession;
  let admin: TestKey;
  /** Identifier → PSA company id of the companies this file created. */
  const created = new Map<string, number>();
  const customers = new Map<string, Customer>();

  const api = <T = unknown>(method: string, path: string, body?: unknown) =>
    call<T>(psa, session, method, path, body === undefined ? {} : { body });
  const csv = (method: string, path: string, text: string) =>
    call<{ applied: number; unchanged: number; errors: Array<{ line: number; message: string }> }>(
      psa,
      session,
      method,
      path,
      { raw: { text, contentType: 'text/csv' } },
    );
  const customer = async (name: string) => {
    const r = await api<Customer>('GET', `/api/v1/customers/${customers.get(name)!.id}`);
    expect(r.status).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    const { accounts } = psa.running.console.services;
    const provider = await accounts.createProvider({ name: 'Mapping MSP', kind: 'MSP' }, 'test');
    await accounts.createUser(
      provider.id,
      { email: ADMIN, name: 'Admin', role: 'admin', password: PASSWORD },
      'test',
    );
    session = await signIn(psa, ADMIN, PASSWORD);
    const key = await psa.apiMemberWithKey('umb-mapping', ARTICLE_ROLE);
    const save = await api<{ preflight: { ok: boolean } }>('PUT', '/api/v1/psa-integration', {
      enabled: true,
      site: psa.hostPort,
      trustedCa: psa.ca,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
    });
    expect(save.status).toBe(200);
    expect(save.body.preflight.ok).toBe(true);

    // The demo seed has "Acme Corporation" (AcmeCorp); an admin adds two more Acme companies.
    admin = await psa.adminKey();
    for (const [identifier, name] of [
      ['ACMECorpDot', 'ACME Corp.'],
      ['AcmeDental', 'Acme Dental'],
    ] as const) {
      const r = await psaRest(psa, admin.authorization, 'POST', '/company/companies', {
        identifier,
        name,
        site: { name: 'Main' },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      created.set(identifier, (r.body as { id: number }).id);
    }
    for (const name of ['Acme Corp', 'Globex Industries', 'Initech', 'Umbrella Dental']) {
      const r = await api<Customer>('POST', '/api/v1/customers', { name, seats: 10 });
      expect(r.status).toBe(201);
      customers.set(name, r.body);
    }
  });
  afterAll(async () => psa?.close());

  it('ranks "Acme Corporation" and "ACME Corp." above "Acme Dental" for the customer "Acme Corp"', async () => {
    const r = await api<Suggestion[]>(
      'GET',
      `/api/v1/customers/${customers.get('Acme Corp')!.id}/suggestions`,
    );
    expect(r.status).toBe(200);
    const names = r.body.map((s) => s.company.name);
    expect(names.slice(0, 2).sort()).toEqual(['ACME Corp.', 'Acme Corporation']);
    const score = (name: string) => r.body.find((s) => s.company.name === name)?.score ?? 0;
    for (const strong of ['ACME Corp.', 'Acme Corporation']) {
      expect(score(strong)).toBeGreaterThan(score('Acme Dental'));
    }
    // Scores are ordered and within (0, 1].
    for (const [i, s] of r.body.entries()) {
      expect(s.score).toBeGreaterThan(0);
      expect(s.score).toBeLessThanOrEqual(1);
      if (i > 0) expect(s.score).toBeLessThanOrEqual(r.body[i - 1]!.score);
    }
    expect(r.body.find((s) => s.company.name === 'ACME Corp.')?.company.identifier).toBe('ACMECorpDot');
  });

  it('refuses an unknown company identifier with 400 and maps to a real one', async () => {
    const id = customers.get('Acme Corp')!.id;
    const unknown = await api<{ error: string; issues: Array<{ path: string }> }>(
      'PUT',
      `/api/v1/customers/${id}/mapping`,
      { psaCompanyIdentifier: 'NoSuchCompany' },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid');
    expect(unknown.body.issues.map((i) => i.path)).toEqual(['psaCompanyIdentifier']);
    expect((await customer('Acme Corp')).mappingState).toBe('unmapped');

    const mapped = await api<Customer>('PUT', `/api/v1/customers/${id}/mapping`, {
      psaCompanyIdentifier: 'AcmeCorp',
    });
    expect(mapped.status).toBe(200);
    expect(mapped.body).toMatchObject({ psaCompanyIdentifier: 'AcmeCorp', mappingState: 'mapped' });
    expect(mapped.body.psaCompanyId).toEqual(expect.any(Number));
    expect(await customer('Acme Corp')).toMatchObject({
      psaCompanyIdentifier: 'AcmeCorp',
      mappingState: 'mapped',
    });
  });

  it('exports the mappings as CSV and imports them back unchanged (round trip through the API)', async () => {
    const ids = Object.fromEntries([...customers].map(([name, c]) => [name, c.id]));
    // Map two more customers through an import, then export.
    const first = await csv(
      'POST',
      '/api/v1/mappings.csv',
      `customer_id,psa_company_identifier\r\n${ids.Initech},Initech\r\n${ids['Globex Industries']},Globex\r\n`,
    );
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ applied: 2, unchanged: 0, errors: [] });

    const exported = await api('GET', '/api/v1/mappings.csv');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = exported.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('customer_id,customer_name,psa_company_identifier,psa_company_name,state');
    expect(lines.slice(1)).toEqual([
      `${ids['Acme Corp']},Acme Corp,AcmeCorp,Acme Corporation,mapped`,
      `${ids['Globex Industries']},Globex Industries,Globex,Globex Industries,mapped`,
      `${ids.Initech},Initech,Initech,Initech LLC,mapped`,
      `${ids['Umbrella Dental']},Umbrella Dental,,,unmapped`,
    ]);

    // Importing the export as-is changes nothing.
    expect((await csv('POST', '/api/v1/mappings.csv', exported.text)).body).toEqual({
      applied: 0,
      unchanged: 4,
      errors: [],
    });
    // After unmapping two customers, importing the export restores them exactly.
    for (const name of ['Acme Corp', 'Initech'])
      expect(
        (await api('PUT', `/api/v1/customers/${ids[name]}/mapping`, { psaCompanyIdentifier: null })).status,
      ).toBe(200);
    expect((await customer('Initech')).mappingState).toBe('unmapped');
    expect((await csv('POST', '/api/v1/mappings.csv', exported.text)).body).toEqual({
      applied: 2,
      unchanged: 2,
      errors: [],
    });
    expect((await api('GET', '/api/v1/mappings.csv')).text).toBe(exported.text);
  });

  it('reports a bad CSV line with its line number and applies the rest', async () => {
    const ids = Object.fromEntries([...customers].map(([name, c]) => [name, c.id]));
    const text = [
      'customer_id,customer_name,psa_company_identifier',
      `${ids['Umbrella Dental']},,UmbrellaDental`,
      `${ids.Initech},,NoSuchCompany`,
      'not-a-number,,Globex',
      ',Acme Corp,ACMECorpDot',
      '999999999,,Globex',
    ].join('\n');
    const r = await csv('POST', '/api/v1/mappings.csv', text);
    expect(r.status).toBe(200);
    expect(r.body.applied).toBe(2);
    expect(r.body.errors.map((e) => e.line)).toEqual([3, 4, 6]);
    expect(r.body.errors[0]!.message).toContain('NoSuchCompany');
    expect(await customer('Umbrella Dental')).toMatchObject({
      psaCompanyIdentifier: 'UmbrellaDental',
      mappingState: 'mapped',
    });
    expect(await customer('Acme Corp')).toMatchObject({
      psaCompanyIdentifier: 'ACMECorpDot',
      mappingState: 'mapped',
    });
    // The bad line left its customer as it was.
    expect(await customer('Initech')).toMatchObject({
      psaCompanyIdentifier: 'Initech',
      mappingState: 'mapped',
    });
  });

  it('marks a customer "missing" once its company is deleted in the PSA', async () => {
    const acme = customers.get('Acme Corp')!.id;
    expect((await customer('Acme Corp')).psaCompanyIdentifier).toBe('ACMECorpDot');
    const before = await api<{ missing: unknown[] }>('POST', '/api/v1/mappings/check');
    expect(before.status).toBe(200);
    expect(before.body.missing).toEqual([]);

    const del = await psaRest(
      psa,
      admin.authorization,
      'DELETE',
      `/company/companies/${created.get('ACMECorpDot')}`,
    );
    expect(del.status).toBe(204);
    const after = await api<{ missing: Array<{ customerId: number; psaCompanyIdentifier: string }> }>(
      'POST',
      '/api/v1/mappings/check',
    );
    expect(after.status).toBe(200);
    expect(after.body.missing).toEqual([{ customerId: acme, psaCompanyIdentifier: 'ACMECorpDot' }]);
    expect((await customer('Acme Corp')).mappingState).toBe('missing');
    const list = await api<Customer[]>('GET', '/api/v1/customers');
    expect(Object.fromEntries(list.body.map((c) => [c.name, c.mappingState]))).toEqual({
      'Acme Corp': 'missing',
      'Globex Industries': 'mapped',
      Initech: 'mapped',
      'Umbrella Dental': 'mapped',
    });
    // The refreshed cache no longer offers the deleted company.
    const ref = await api<{ companies: Array<{ identifier: string }> }>('GET', '/api/v1/psa/reference');
    expect(ref.body.companies.map((c) => c.identifier)).not.toContain('ACMECorpDot');
    expect(ref.body.companies.map((c) => c.identifier)).toContain('AcmeDental');
  });

  it('caches the reference data: boards with statuses, types, subtypes and items; priorities; sources', async () => {
    type Reference = {
      companies: Array<{ identifier: string; name: string }>;
      boards: Array<{
        name: string;
        statuses: Array<{ name: string; closedStatus?: boolean; defaultFlag?: boolean }>;
        types: Array<{ name: string }>;
        subtypes: Array<{ name: string }>;
        items: Array<{ name: string }>;
      }>;
      priorities: Array<{ name: string; defaultFlag?: boolean }>;
      sources: Array<{ name: string; defaultFlag?: boolean }>;
      refreshedAt: string | null;
    };
    const refreshAndRead = async () => {
      const refreshed = await api<Reference>('POST', '/api/v1/psa/reference/refresh');
      expect(refreshed.status, refreshed.text).toBe(200);
      const r = await api<Reference>('GET', '/api/v1/psa/reference');
      expect(r.status).toBe(200);
      expect(r.body.refreshedAt).toBe(refreshed.body.refreshedAt);
      expect(r.body).toEqual(refreshed.body);
      return r.body;
    };
    const expectBoardsAndPriorities = (r: Reference) => {
      expect(r.companies.map((c) => c.identifier)).toEqual(
        expect.arrayContaining(['AcmeCorp', 'Globex', 'Initech', 'UmbrellaDental', 'AcmeDental']),
      );
      expect(r.boards.map((b) => b.name).sort()).toEqual(['Security Operations', 'Service Board']);
      for (const b of r.boards) {
        expect(b.statuses.map((s) => s.name)).toEqual([
          'New',
          'In Progress',
          'Waiting Customer',
          'Completed',
          'Closed',
        ]);
        expect(b.statuses.find((s) => s.name === 'New')).toMatchObject({
          defaultFlag: true,
          closedStatus: false,
        });
        expect(b.statuses.find((s) => s.name === 'Closed')).toMatchObject({ closedStatus: true });
        expect(b.types.map((t) => t.name).sort()).toEqual(['Break/Fix', 'Request', 'Security Incident']);
        expect(b.subtypes.map((t) => t.name).sort()).toEqual(['Command and Control', 'Malware', 'Phishing']);
        expect(b.items.map((t) => t.name).sort()).toEqual(['Network', 'Server', 'Workstation']);
      }
      expect(r.priorities.map((p) => p.name)).toEqual([
        'Priority 1 - Emergency Response',
        'Priority 2 - Quick Response',
        'Priority 3 - Normal Response',
        'Priority 4 - Schedule Maintenance',
      ]);
      expect(r.priorities.find((p) => p.defaultFlag)?.name).toBe('Priority 3 - Normal Response');
    };

    // The article's role does not allow Table Setup → Service / Source: everything else is listed.
    const article = await refreshAndRead();
    expectBoardsAndPriorities(article);
    expect(article.sources).toEqual([]);

    // With Service / Source allowed as well, the sources are listed too.
    const withSources: RolePreset = {
      ...ARTICLE_ROLE,
      allowed: {
        [CUSTOMIZE.systemTableSetup]: [
          ...(ARTICLE_ROLE.allowed[CUSTOMIZE.systemTableSetup] ?? []),
          TABLE.source,
        ],
      },
    };
    const key = await psa.apiMemberWithKey('umb-sources', withSources);
    const save = await api('PUT', '/api/v1/psa-integration', {
      enabled: false,
      site: psa.hostPort,
      trustedCa: psa.ca,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
    });
    expect(save.status).toBe(200);
    const full = await refreshAndRead();
    expectBoardsAndPriorities(full);
    expect(full.sources.map((s) => s.name).sort()).toEqual(['Email', 'Integration', 'Phone', 'Portal']);
    expect(full.sources.find((s) => s.defaultFlag)?.name).toBe('Portal');
  });

  it('answers 502 naming the PSA call (never the keys) when the PSA refuses the saved keys', async () => {
    const wrongPrivateKey = 'WrongPrivateKey0123456789abcdef';
    const saved = await api('PUT', '/api/v1/psa-integration', {
      enabled: false,
      site: psa.hostPort,
      trustedCa: psa.ca,
      companyId: psa.companyId,
      clientId: psa.clientId,
      privateKey: wrongPrivateKey,
    });
    expect(saved.status).toBe(200);
    const r = await api<{ error: string; message: string }>('POST', '/api/v1/psa/reference/refresh');
    expect(r.status).toBe(502);
    expect(r.body.error).toBe('psa-unavailable');
    expect(r.body.message).toMatch(/401/);
    expect(r.text).not.toContain(wrongPrivateKey);
    // The cached data stays as it was.
    expect((await api<{ sources: unknown[] }>('GET', '/api/v1/psa/reference')).body.sources).toHaveLength(4);
  });
});
