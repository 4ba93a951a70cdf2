// Compatibility of the published npm client connectwise-rest@1.3.0, used UNMODIFIED (its `dist/`),
// with Parasol's PSA over HTTPS: the calls an integration like the article's DNS-security one makes,
// conditions/orderBy/fields, its `paginate` helper, the expectations of the package's own
// test/test-manage.js, and the least-privilege article role.
//
// The package's own mocha suite cannot run here: its devDependencies (mocha, dotenv) are not
// installed, so its assertions are ported one for one in "connectwise-rest's test/test-manage.js".
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { type Manage, ManageAPI, utils } from 'connectwise-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import schemaDocument from '../../src/psa/model/cw-schema.generated.json' with { type: 'json' };
import type { SchemaDocument } from '../../src/psa/model/schema-types.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

// connectwise-rest hard-codes `https://` and offers no TLS option. Its constructor builds its axios
// instance with `axios.create()`, which copies `axios.defaults` — so, for the duration of the
// constructor call only, the axios module connectwise-rest itself loads gets an https.Agent whose
// `ca` is the test server's self-signed certificate. The certificate is still verified (chain and
// 127.0.0.1 in its subjectAltName); nothing turns TLS verification off, process-wide or otherwise.
const packageRequire = createRequire(createRequire(import.meta.url).resolve('connectwise-rest'));
const axios = packageRequire('axios') as {
  defaults: { httpsAgent?: unknown };
  getUri(config: { url: string; params: Record<string, string> }): string;
};

// biome-ignore lint/suspicious/noExplicitAny: JSON read loosely, as the package's JavaScript callers do
type Doc = Record<string, any>;
type Rejection = { status?: number; data?: Doc; message?: string };
type PatchOp = { op: 'add' | 'replace' | 'remove'; path: string; value: unknown };

function clientFor(psa: TestPsa, key: TestKey, agent: https.Agent): ManageAPI {
  const previous = axios.defaults.httpsAgent;
  axios.defaults.httpsAgent = agent;
  try {
    return new ManageAPI({
      companyId: psa.companyId,
      companyUrl: psa.hostPort,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
      clientId: psa.clientId,
      entryPoint: 'v4_6_release',
      apiVersion: '2021.2',
      logger: () => {},
    });
  } finally {
    axios.defaults.httpsAgent = previous;
  }
}

/** The value connectwise-rest rejects with (`{ status, data, message }`); fails if it resolves. */
async function rejection(call: Promise<unknown>): Promise<Rejection> {
  try {
    await call;
  } catch (error) {
    return error as Rejection;
  }
  throw new Error('expected connectwise-rest to reject the call');
}

// The generated methods are typed after ConnectWise's full schemas; the tests send partial bodies
// and read the JSON loosely, as JavaScript callers of the package do.
const body = (value: Doc) => value as never;
/** JSON Patch operations as connectwise-rest documents them (`PatchOperation[]`). */
const ops = (...list: PatchOp[]) => list as never;
const ids = (records: unknown[]) => (records as Doc[]).map((r) => r.id as number);

// The schemas of connectwise-rest's ManageTypes.ts, as scripts/generate-cw-schema.ts reads them (its
// test keeps the JSON equal to a fresh read of the package's file).
const SCHEMAS = (schemaDocument as SchemaDocument).schemas;

/** Where `record` is not what connectwise-rest's type `schema` declares: unknown fields, wrong types. */
function mismatches(schema: string, record: Doc, at = ''): string[] {
  const spec = SCHEMAS[schema];
  if (!spec) return [`${at}: no schema ${schema}`];
  const out: string[] = [];
  for (const [name, value] of Object.entries(record)) {
    const field = spec.fields[name];
    const where = `${at}${name}`;
    if (!field) {
      out.push(`${where}: not a field of ${schema}`);
      continue;
    }
    if (value === null) continue;
    const ok =
      field.type === 'string'
        ? typeof value === 'string' && (!field.enum || field.enum.includes(value))
        : field.type === 'datetime'
          ? typeof value === 'string' && !Number.isNaN(Date.parse(value))
          : field.type === 'integer'
            ? Number.isInteger(value)
            : field.type === 'number'
              ? typeof value === 'number'
              : field.type === 'boolean'
                ? typeof value === 'boolean'
                : field.type === 'array'
                  ? Array.isArray(value)
                  : field.type === 'object'
                    ? typeof value === 'object' && !Array.isArray(value)
                    : true;
    if (!ok) out.push(`${where}: ${JSON.stringify(value)} is not ${field.type}`);
    else if (field.type === 'object' && field.schema)
      out.push(...mismatches(field.schema, value as Doc, `${where}/`));
  }
  for (const [name, field] of Object.entries(spec.fields))
    if (field.required && record[name] === undefined && at === '') out.push(`${name}: required, missing`);
  return out;
}

describe.each(databaseKinds)('connectwise-rest@1.3.0 against Parasol on %s', (db) => {
  let psa: TestPsa;
  let agent: https.Agent;
  let cwm: ManageAPI;
  let article: ManageAPI;

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    agent = new https.Agent({ ca: readFileSync(psa.running.psa.certFile!, 'utf8'), keepAlive: true });
    cwm = clientFor(psa, await psa.adminKey(), agent);
    article = clientFor(psa, await psa.apiMemberWithKey('umbrella', ARTICLE_ROLE), agent);
  });
  afterAll(async () => {
    agent?.destroy();
    await psa?.close();
  });

  it('verifies the server certificate (a client without the CA is refused)', async () => {
    const untrusted = clientFor(psa, await psa.adminKey(), new https.Agent({}));
    const error = await rejection(untrusted.SystemAPI.getSystemInfo());
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/certificate/i);
  });

  it('reads system info', async () => {
    const info = (await cwm.SystemAPI.getSystemInfo()) as Doc;
    expect(typeof info.version).toBe('string');
    expect(info.version.length).toBeGreaterThan(0);
  });

  it('creates, reads, patches and counts companies; a duplicate identifier is ObjectExists', async () => {
    const created = (await cwm.CompanyAPI.postCompanyCompanies(
      body({ identifier: 'CwRestCo', name: 'CW Rest Company', city: 'Boise', state: 'ID' }),
    )) as Doc;
    expect(created).toMatchObject({
      id: expect.any(Number),
      identifier: 'CwRestCo',
      name: 'CW Rest Company',
    });
    expect(created._info).toBeDefined();

    const read = (await cwm.CompanyAPI.getCompanyCompaniesById(created.id)) as Doc;
    expect(read).toMatchObject({ id: created.id, identifier: 'CwRestCo', city: 'Boise' });

    const patched = (await cwm.CompanyAPI.patchCompanyCompaniesById(
      created.id,
      ops({ op: 'replace', path: 'name', value: 'CW Rest Company Renamed' }),
    )) as Doc;
    expect(patched).toMatchObject({ id: created.id, name: 'CW Rest Company Renamed', city: 'Boise' });
    expect(((await cwm.CompanyAPI.getCompanyCompaniesById(created.id)) as Doc).name).toBe(
      'CW Rest Company Renamed',
    );

    const count = (await cwm.CompanyAPI.getCompanyCompaniesCount({
      conditions: 'identifier = "CwRestCo" or identifier = "AcmeCorp"',
    })) as Doc;
    expect(count).toEqual({ count: 2 });
    const all = (await cwm.CompanyAPI.getCompanyCompaniesCount()) as Doc;
    expect(all.count).toBeGreaterThanOrEqual(6);

    const dup = await rejection(
      cwm.CompanyAPI.postCompanyCompanies(body({ identifier: 'CwRestCo', name: 'Another one' })),
    );
    expect(dup.status).toBe(400);
    expect(dup.data?.errors[0].code).toBe('ObjectExists');
  });

  it('creates a ticket, adds and lists notes, attaches a configuration and closes it', async () => {
    const ticket = (await cwm.ServiceAPI.postServiceTickets(
      body({
        summary: 'DNS security: blocked domain',
        board: { name: 'Service Board' },
        company: { identifier: 'AcmeCorp' },
        initialDescription: 'Umbrella blocked a command-and-control domain.',
      }),
    )) as Doc;
    expect(ticket).toMatchObject({
      id: expect.any(Number),
      summary: 'DNS security: blocked domain',
      board: { name: 'Service Board' },
      company: { identifier: 'AcmeCorp' },
      closedFlag: false,
    });

    const note = (await cwm.ServiceAPI.postServiceTicketsByParentIdNotes(
      ticket.id,
      body({ text: 'Investigated: false positive.', internalAnalysisFlag: true }),
    )) as Doc;
    expect(note).toMatchObject({ id: expect.any(Number), ticketId: ticket.id, internalAnalysisFlag: true });
    const notes = (await cwm.ServiceAPI.getServiceTicketsByParentIdNotes(ticket.id)) as Doc[];
    expect(notes.map((n) => n.text)).toEqual([
      'Umbrella blocked a command-and-control domain.',
      'Investigated: false positive.',
    ]);
    expect(notes[0]).toMatchObject({ detailDescriptionFlag: true, ticketId: ticket.id });

    const type = (await cwm.CompanyAPI.postCompanyConfigurationsTypes(body({ name: 'Firewall' }))) as Doc;
    const config = (await cwm.CompanyAPI.postCompanyConfigurations(
      body({ name: 'ACME-FW01', type: { id: type.id }, company: { identifier: 'AcmeCorp' } }),
    )) as Doc;
    await cwm.ServiceAPI.postServiceTicketsByParentIdConfigurations(ticket.id, body({ id: config.id }));
    const attached = (await cwm.ServiceAPI.getServiceTicketsByParentIdConfigurations(ticket.id)) as Doc[];
    expect(ids(attached)).toEqual([config.id]);

    const closed = (await cwm.ServiceAPI.patchServiceTicketsById(
      ticket.id,
      ops({ op: 'replace', path: 'status', value: { name: 'Closed' } }),
    )) as Doc;
    expect(closed).toMatchObject({ id: ticket.id, status: { name: 'Closed' }, closedFlag: true });
    expect(((await cwm.ServiceAPI.getServiceTicketsById(ticket.id)) as Doc).closedFlag).toBe(true);
  });

  it('creates a configuration type with questions and a configuration with answers, then updates them', async () => {
    const type = (await cwm.CompanyAPI.postCompanyConfigurationsTypes(body({ name: 'DNS Security' }))) as Doc;
    expect(type).toMatchObject({ id: expect.any(Number), name: 'DNS Security' });
    const question = (sequenceNumber: number, text: string, fieldType: string, entryType = 'EntryField') =>
      cwm.CompanyAPI.postCompanyConfigurationsTypesByParentIdQuestions(
        type.id,
        body({ fieldType, entryType, sequenceNumber, question: text }),
      ) as Promise<Doc>;
    const orgId = await question(1, 'Umbrella Organization ID', 'Number');
    const network = await question(2, 'Network Name', 'Text');
    const policy = await question(3, 'Policy', 'Text', 'List');
    const roaming = await question(4, 'Roaming Clients', 'Number');
    expect(orgId).toMatchObject({
      configurationType: { id: type.id },
      fieldType: 'Number',
      sequenceNumber: 1,
    });
    const value =
      (await cwm.CompanyAPI.postCompanyConfigurationsTypesByGrandparentIdQuestionsByParentIdValues(
        policy.id,
        type.id,
        body({ value: 'Block malware and C2', defaultFlag: true }),
      )) as Doc;
    expect(value).toMatchObject({ id: expect.any(Number), value: 'Block malware and C2' });
    const values =
      (await cwm.CompanyAPI.getCompanyConfigurationsTypesByGrandparentIdQuestionsByParentIdValues(
        policy.id,
        type.id,
      )) as Doc[];
    expect(values.map((v) => v.value)).toEqual(['Block malware and C2']);

    const created = (await cwm.CompanyAPI.postCompanyConfigurations(
      body({
        name: 'Acme DNS Security',
        type: { id: type.id },
        company: { identifier: 'AcmeCorp' },
        questions: [
          { questionId: orgId.id, answer: 7654321 },
          { questionId: network.id, answer: 'Acme HQ' },
          { questionId: policy.id, answer: 'Block malware and C2' },
        ],
      }),
    )) as Doc;
    expect(created).toMatchObject({
      type: { id: type.id, name: 'DNS Security' },
      company: { identifier: 'AcmeCorp' },
    });

    const read = (await cwm.CompanyAPI.getCompanyConfigurationsById(created.id)) as Doc;
    const answers = (config: Doc) =>
      Object.fromEntries((config.questions as Doc[]).map((q) => [q.questionId, q.answer]));
    expect((read.questions as Doc[]).map((q) => q.questionId)).toEqual([
      orgId.id,
      network.id,
      policy.id,
      roaming.id,
    ]);
    expect(read.questions[0]).toMatchObject({ question: 'Umbrella Organization ID', fieldType: 'Number' });
    expect(answers(read)).toEqual({
      [orgId.id]: 7654321,
      [network.id]: 'Acme HQ',
      [policy.id]: 'Block malware and C2',
      [roaming.id]: undefined,
    });

    const patched = (await cwm.CompanyAPI.patchCompanyConfigurationsById(
      created.id,
      ops({
        op: 'replace',
        path: 'questions',
        value: [
          { questionId: orgId.id, answer: 7654321 },
          { questionId: network.id, answer: 'Acme HQ + branch' },
          { questionId: policy.id, answer: 'Block malware and C2' },
          { questionId: roaming.id, answer: 42 },
        ],
      }),
    )) as Doc;
    expect(answers(patched)[roaming.id]).toBe(42);
    const reread = (await cwm.CompanyAPI.getCompanyConfigurationsById(created.id)) as Doc;
    expect(answers(reread)).toEqual({
      [orgId.id]: 7654321,
      [network.id]: 'Acme HQ + branch',
      [policy.id]: 'Block malware and C2',
      [roaming.id]: 42,
    });
    // Answers keep their ids across updates.
    expect(reread.questions[0].answerId).toBe(read.questions[0].answerId);
  });

  it('lists boards, board statuses, priorities and sources', async () => {
    const boards = (await cwm.ServiceAPI.getServiceBoards({ orderBy: 'name asc' })) as Doc[];
    expect(boards.map((b) => b.name)).toEqual(
      expect.arrayContaining(['Security Operations', 'Service Board']),
    );
    const board = boards.find((b) => b.name === 'Service Board')!;
    const statuses = (await cwm.ServiceAPI.getServiceBoardsByParentIdStatuses(board.id, {
      orderBy: 'sortOrder',
    })) as Doc[];
    expect(statuses.map((s) => s.name)).toEqual([
      'New',
      'In Progress',
      'Waiting Customer',
      'Completed',
      'Closed',
    ]);
    expect(statuses.find((s) => s.name === 'Closed')).toMatchObject({ closedStatus: true });
    const priorities = (await cwm.ServiceAPI.getServicePriorities()) as Doc[];
    expect(priorities.map((p) => p.name)).toContain('Priority 3 - Normal Response');
    const sources = (await cwm.ServiceAPI.getServiceSources({ conditions: 'name = "Portal"' })) as Doc[];
    expect(sources).toEqual([expect.objectContaining({ name: 'Portal', defaultFlag: true })]);
  });

  it('filters with conditions, sorts with orderBy and trims with fields', async () => {
    const open = (await cwm.ServiceAPI.getServiceTickets({
      conditions: 'company/identifier="AcmeCorp" and closedFlag=false',
      pageSize: 1000,
    })) as Doc[];
    expect(open.length).toBeGreaterThan(0);
    for (const t of open) expect(t).toMatchObject({ company: { identifier: 'AcmeCorp' }, closedFlag: false });
    expect(ids(open)).toContain(123456);

    const demo = (await cwm.ServiceAPI.getServiceTickets({ conditions: 'summary like "*demo*"' })) as Doc[];
    expect(ids(demo)).toContain(123456);
    for (const t of demo) expect(t.summary.toLowerCase()).toContain('demo');

    const byId = (await cwm.ServiceAPI.getServiceTickets({ conditions: 'id in (123456)' })) as Doc[];
    expect(ids(byId)).toEqual([123456]);

    const desc = (await cwm.CompanyAPI.getCompanyCompanies({ orderBy: 'id desc', pageSize: 1000 })) as Doc[];
    expect(ids(desc)).toEqual([...ids(desc)].sort((a, b) => b - a));
    expect(desc.length).toBeGreaterThanOrEqual(5);

    const trimmed = (await cwm.ServiceAPI.getServiceTickets({
      conditions: 'id = 123456',
      fields: 'id,summary,status/name',
    })) as Doc[];
    expect(trimmed).toHaveLength(1);
    expect(Object.keys(trimmed[0]!).sort()).toEqual(['id', 'status', 'summary']);
    expect(Object.keys(trimmed[0]!.status)).toEqual(['name']);
    const one = (await cwm.ServiceAPI.getServiceTicketsById(123456, { fields: 'id,summary' })) as Doc;
    expect(Object.keys(one).sort()).toEqual(['id', 'summary']);
  });

  it('sends conditions with spaces and "+" as axios encodes them (+ for space, %2B for +)', async () => {
    // What goes on the wire: axios (connectwise-rest's own copy) writes spaces as "+" and "+" as %2B.
    expect(axios.getUri({ url: '/service/tickets', params: { conditions: 'summary = "a+b"' } })).toBe(
      '/service/tickets?conditions=summary+%3D+%22a%2Bb%22',
    );
    const created = (await cwm.ServiceAPI.postServiceTickets(
      body({ summary: 'Plus test', company: { identifier: 'Globex' } }),
    )) as Doc;
    const patched = (await cwm.ServiceAPI.patchServiceTicketsById(
      created.id,
      ops({ op: 'replace', path: 'summary', value: 'Route a+b via c + d' }),
    )) as Doc;
    expect(patched.summary).toBe('Route a+b via c + d');
    const found = (await cwm.ServiceAPI.getServiceTickets({
      conditions: 'summary = "Route a+b via c + d" and company/identifier = "Globex"',
    })) as Doc[];
    expect(ids(found)).toEqual([created.id]);
    const liked = (await cwm.ServiceAPI.getServiceTickets({ conditions: 'summary like "*a+b*"' })) as Doc[];
    expect(ids(liked)).toEqual([created.id]);
    // A space where the + was must not match: + in a value is not turned into a space.
    const spaced = (await cwm.ServiceAPI.getServiceTickets({ conditions: 'summary like "*a b*"' })) as Doc[];
    expect(ids(spaced)).not.toContain(created.id);
  });

  it('paginate() returns the same records in the same order as one large page', async () => {
    for (let i = 1; i <= 7; i++) {
      await cwm.ServiceAPI.postServiceTickets(
        body({
          summary: `Paged ticket ${i}`,
          company: { identifier: 'Initech' },
          board: { name: 'Service Board' },
        }),
      );
    }
    const conditions = 'company/identifier = "Initech" and summary like "Paged ticket*"';
    const paged = await cwm.paginate(cwm.ServiceAPI.getServiceTickets, { pageSize: 2 }, { conditions });
    const single = (await cwm.ServiceAPI.getServiceTickets({ conditions, pageSize: 1000 })) as Doc[];
    expect(single).toHaveLength(7);
    expect(ids(paged)).toEqual(ids(single));

    const ordered = await cwm.paginate(
      cwm.ServiceAPI.getServiceTickets,
      { pageSize: 3, startPage: 1 },
      { conditions, orderBy: 'id desc' },
    );
    expect(ids(ordered)).toEqual([...ids(single)].reverse());

    const companies = await cwm.paginate(cwm.CompanyAPI.getCompanyCompanies, { pageSize: 2 }, {});
    const allCompanies = (await cwm.CompanyAPI.getCompanyCompanies({ pageSize: 1000 })) as Doc[];
    expect(allCompanies.length).toBeGreaterThan(4);
    expect(ids(companies)).toEqual(ids(allCompanies));
  });

  describe('billing records (issue 17): agreements, additions, agreement types and the catalog', () => {
    it("returns agreements, additions, types and catalog items that connectwise-rest's types accept", async () => {
      const agreements: Manage.FinanceAPITypes.Agreement[] = await cwm.FinanceAPI.getFinanceAgreements({
        conditions: 'company/identifier="Initech"',
      });
      expect(agreements).toHaveLength(1);
      const agreement = agreements[0]!;
      const [seat]: Manage.ProcurementAPITypes.CatalogItem[] = await cwm.ProcurementAPI.getProcurementCatalog(
        {
          conditions: 'identifier="DNS-SECURITY-SEAT"',
        },
      );
      expect(seat).toMatchObject({ identifier: 'DNS-SECURITY-SEAT', price: 3.5, cost: 1.75 });

      const created: Manage.FinanceAPITypes.Addition =
        await cwm.FinanceAPI.postFinanceAgreementsByParentIdAdditions(
          agreement.id!,
          body({ product: { identifier: 'DNS-SECURITY-SEAT' }, quantity: 17, billCustomer: 'Billable' }),
        );
      expect(created).toMatchObject({ agreementId: agreement.id, quantity: 17, billedQuantity: 17 });
      const found: Manage.FinanceAPITypes.Addition[] =
        await cwm.FinanceAPI.getFinanceAgreementsByParentIdAdditions(agreement.id!, {
          conditions: 'product/identifier="DNS-SECURITY-SEAT"',
        });
      expect(ids(found)).toEqual([created.id]);
      const patched: Manage.FinanceAPITypes.Addition =
        await cwm.FinanceAPI.patchFinanceAgreementsByParentIdAdditionsById(
          created.id!,
          agreement.id!,
          ops({ op: 'replace', path: 'quantity', value: 21 }),
        );
      expect(patched).toMatchObject({ quantity: 21, billedQuantity: 21, extPrice: 73.5 });
      const count = await cwm.FinanceAPI.getFinanceAgreementsByParentIdAdditionsCount(agreement.id!);
      expect(count).toEqual({ count: 1 });
      const types: Manage.FinanceAPITypes.AgreementType[] = await cwm.FinanceAPI.getFinanceAgreementsTypes();

      // Every field of every record is one ManageTypes.ts declares for that schema, of its type.
      const checks: Array<[string, unknown[]]> = [
        ['Agreement', agreements],
        ['Addition', [created, patched, ...found]],
        ['AgreementType', types],
        ['CatalogItem', [seat]],
      ];
      for (const [schema, records] of checks) {
        expect(records.length).toBeGreaterThan(0);
        for (const r of records) expect(mismatches(schema, r as Doc), schema).toEqual([]);
      }
    });

    it('lets the article role read no agreement nor catalog item (Finance and Procurement are not in it)', async () => {
      expect((await rejection(article.FinanceAPI.getFinanceAgreementsTypes())).status).toBe(403);
      expect((await rejection(article.ProcurementAPI.getProcurementCatalog())).status).toBe(403);
    });
  });

  describe("connectwise-rest's test/test-manage.js (ported: mocha and dotenv are not installed)", () => {
    it('getServiceTicketsById(123456) returns a ticket object', async () => {
      const result = (await cwm.ServiceAPI.getServiceTicketsById(123456)) as Doc;
      expect(result).toBeTruthy();
      expect(result.id).toBe(123456);
      expect(result.summary).toEqual(expect.any(String));
      expect(result.summary.length).toBeGreaterThan(0);
    });

    it('getServiceTickets({ pageSize: 1 }) returns an array of ticket objects', async () => {
      const tickets = (await cwm.ServiceAPI.getServiceTickets({ pageSize: 1 })) as Doc[];
      expect(tickets).toHaveLength(1);
      const [ticket] = tickets;
      expect(ticket!.id).toBeTruthy();
      expect(ticket!._info).toBeTruthy();
      expect(ticket!._info.dateEntered).toBeTruthy();
    });

    it('returns a 404 not found error for board 9999 item 9999 associations', async () => {
      const err = await rejection(
        cwm.ServiceAPI.getServiceBoardsByGrandparentIdItemsByParentIdAssociations(9999, 9999),
      );
      expect(err).toBeTruthy();
      expect(err.status).toBe(404);
      const viaRequest = await rejection(
        cwm.request({ path: '/service/boards/9999/items/9999/associations' }),
      );
      expect(viaRequest.status).toBe(404);
    });

    it('paginate returns an array of CommunicationTypes', async () => {
      const results = (await cwm.paginate(
        cwm.CompanyAPI.getCompanyCommunicationTypes,
        { pageSize: 2, startPage: 1 },
        {},
      )) as Doc[];
      expect(Array.isArray(results)).toBe(true);
      expect(results.length).toBeGreaterThan(0);
      const firstType = results.pop()!;
      expect(firstType.id).toBeTruthy();
      expect(firstType.description).toBeTruthy();
      expect(firstType._info).toBeTruthy();
    });

    it('paginate returns the same number of items as one pageSize 50 call', async () => {
      const paged = (await cwm.paginate(
        cwm.CompanyAPI.getCompanyCommunicationTypes,
        { pageSize: 2, startPage: 1 },
        {},
      )) as Doc[];
      const unPaged = (await cwm.CompanyAPI.getCompanyCommunicationTypes({ pageSize: 50 })) as Doc[];
      // The demo seed has 7 communication types: pages of 2 end on a partial page.
      expect(paged.length).toBe(7);
      expect(unPaged.length).toBe(paged.length);
      expect(ids(paged)).toEqual(ids(unPaged));
      for (const t of paged)
        expect(t).toMatchObject({ id: expect.any(Number), description: expect.any(String) });
      for (const t of paged) expect(t._info).toBeTruthy();
    });
  });

  describe('the article role (least privilege) through connectwise-rest', () => {
    it('lists companies, priorities and boards', async () => {
      const companies = (await article.CompanyAPI.getCompanyCompanies({
        conditions: 'identifier = "AcmeCorp"',
      })) as Doc[];
      expect(companies).toEqual([expect.objectContaining({ identifier: 'AcmeCorp' })]);
      const priorities = (await article.ServiceAPI.getServicePriorities()) as Doc[];
      expect(priorities.length).toBeGreaterThanOrEqual(4);
      const boards = (await article.ServiceAPI.getServiceBoards()) as Doc[];
      expect(boards.map((b) => b.name)).toContain('Service Board');
    });

    it('maintains its configuration type, question and configurations', async () => {
      const type = (await article.CompanyAPI.postCompanyConfigurationsTypes(
        body({ name: 'Umbrella DNS' }),
      )) as Doc;
      const question = (await article.CompanyAPI.postCompanyConfigurationsTypesByParentIdQuestions(
        type.id,
        body({
          fieldType: 'Number',
          entryType: 'EntryField',
          sequenceNumber: 1,
          question: 'Blocked requests',
        }),
      )) as Doc;
      const config = (await article.CompanyAPI.postCompanyConfigurations(
        body({
          name: 'Umbrella for Acme',
          type: { id: type.id },
          company: { identifier: 'AcmeCorp' },
          questions: [{ questionId: question.id, answer: 10 }],
        }),
      )) as Doc;
      expect(config.questions).toEqual([expect.objectContaining({ questionId: question.id, answer: 10 })]);
      const updated = (await article.CompanyAPI.patchCompanyConfigurationsById(
        config.id,
        ops({ op: 'replace', path: 'questions', value: [{ questionId: question.id, answer: 25 }] }),
      )) as Doc;
      expect(updated.questions).toEqual([expect.objectContaining({ questionId: question.id, answer: 25 })]);
    });

    it('opens, updates and annotates tickets but may not delete them', async () => {
      const ticket = (await article.ServiceAPI.postServiceTickets(
        body({
          summary: 'Umbrella: malware domain blocked',
          board: { name: 'Service Board' },
          company: { identifier: 'AcmeCorp' },
          priority: { name: 'Priority 2 - Quick Response' },
          initialDescription: 'Blocked example.invalid',
        }),
      )) as Doc;
      expect(ticket).toMatchObject({ priority: { name: 'Priority 2 - Quick Response' } });
      const updated = (await article.ServiceAPI.patchServiceTicketsById(
        ticket.id,
        ops({ op: 'replace', path: 'summary', value: 'Umbrella: malware domain blocked (2 hits)' }),
      )) as Doc;
      expect(updated.summary).toBe('Umbrella: malware domain blocked (2 hits)');
      await article.ServiceAPI.postServiceTicketsByParentIdNotes(ticket.id, body({ text: 'Second hit.' }));
      const notes = (await article.ServiceAPI.getServiceTicketsByParentIdNotes(ticket.id)) as Doc[];
      expect(notes.map((n) => n.text)).toEqual(['Blocked example.invalid', 'Second hit.']);

      const del = await rejection(article.ServiceAPI.deleteServiceTicketsById(ticket.id));
      expect(del.status).toBe(403);
      expect(del.data?.message).toMatch(/Service Tickets/);
      expect(del.data?.message).toMatch(/Delete/);
      expect(((await cwm.ServiceAPI.getServiceTicketsById(ticket.id)) as Doc).id).toBe(ticket.id);

      const agreements = await rejection(article.FinanceAPI.getFinanceAgreements());
      expect(agreements.status).toBe(403);
    });
  });
});

describe("connectwise-rest's test/test-manage.js: instance and utils (ported)", () => {
  const cwm = new ManageAPI({
    companyId: 'parasol',
    companyUrl: '127.0.0.1:1',
    publicKey: 'public',
    privateKey: 'private',
    clientId: 'client',
    apiVersion: '2021.2',
    logger: () => {},
  });

  it('is a ManageAPI with every API group', () => {
    expect(cwm).toBeInstanceOf(ManageAPI);
    for (const api of [
      'CompanyAPI',
      'ConfigurationsAPI',
      'ExpenseAPI',
      'FinanceAPI',
      'MarketingAPI',
      'ProcurementAPI',
      'ProjectAPI',
      'SalesAPI',
      'ScheduleAPI',
      'ServiceAPI',
      'SystemAPI',
      'TimeAPI',
    ] as const) {
      expect(cwm[api], api).toBeTruthy();
    }
  });

  it('has utils.Callback and utils.Series, whose all() resolves values, promises and thunks', async () => {
    expect(utils.Callback).toBeTruthy();
    expect(utils.Series).toBeTruthy();
    const pending = utils.Series.all({ series: [new Promise((resolve) => resolve(true))] });
    expect(typeof (pending as Promise<unknown>).then).toBe('function');
    expect(((await pending) as unknown[])[0]).toBe(true);
    expect(((await utils.Series.all({ series: [() => true] })) as unknown[])[0]).toBe(true);
    const thunk = () => new Promise((resolve) => resolve(true));
    expect(((await utils.Series.all({ series: [thunk] })) as unknown[])[0]).toBe(true);
  });
});
