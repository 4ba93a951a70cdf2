// Issue 17, the PSA side over HTTPS on both databases: agreement types, the product catalog,
// agreements and their additions as a per-seat billing integration uses them (docs/billing.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMIZE, FN, TABLE } from '../../src/psa/catalog/index.js';
import { DEMO_SEAT_PRODUCT, DEMO_STALE_SEATS } from '../../src/psa/service/seed.js';
import { ok, rest } from '../security/support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

type Doc = Record<string, unknown>;
const q = (conditions: string) => `conditions=${encodeURIComponent(conditions)}`;

describe.each(databaseKinds)('billing records (PSA side) on %s', (db) => {
  let psa: TestPsa;
  let adm: TestKey;
  /** The billing role of docs/billing.md: Agreements Inquire+Edit, Product Catalog Inquire. */
  let billing: TestKey;
  let readOnly: TestKey;
  let acme: Doc;

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    adm = await psa.adminKey();
    billing = await psa.apiMemberWithKey('billing', {
      name: 'Billing',
      adminFlag: false,
      inactiveFlag: false,
      levels: {
        [FN.companyMaintenance]: { inquire: 'All' },
        [FN.agreements]: { inquire: 'All', edit: 'All', add: 'All' },
        [FN.productCatalog]: { inquire: 'All' },
      },
      allowed: { [CUSTOMIZE.systemTableSetup]: [] },
    });
    readOnly = await psa.apiMemberWithKey('agrreader', {
      name: 'Agreements reader',
      adminFlag: false,
      inactiveFlag: false,
      levels: { [FN.agreements]: { inquire: 'All' } },
      allowed: {},
    });
    const found = await ok<Doc[]>(
      rest(psa, 'GET', `/finance/agreements?${q('company/identifier="AcmeCorp"')}`, { auth: billing }),
    );
    expect(found).toHaveLength(1);
    acme = found[0]!;
  });
  afterAll(async () => psa?.close());

  it('seeds a type, the seat product and an agreement per customer; only Globex has a (stale) seat addition', async () => {
    const types = await ok<Doc[]>(rest(psa, 'GET', '/finance/agreements/types', { auth: adm }));
    expect(types).toEqual([expect.objectContaining({ name: 'Managed Services', defaultFlag: true })]);
    const [product] = await ok<Doc[]>(
      rest(psa, 'GET', `/procurement/catalog?${q(`identifier="${DEMO_SEAT_PRODUCT}"`)}`, { auth: billing }),
    );
    expect(product).toMatchObject({
      identifier: DEMO_SEAT_PRODUCT,
      price: 3.5,
      cost: 1.75,
      inactiveFlag: false,
    });
    const agreements = await ok<Doc[]>(rest(psa, 'GET', '/finance/agreements?orderBy=id', { auth: billing }));
    expect(agreements.map((a) => (a.company as Doc).identifier)).toEqual([
      'AcmeCorp',
      'Globex',
      'Initech',
      'UmbrellaDental',
    ]);
    for (const a of agreements) {
      expect(a).toMatchObject({
        type: { id: types[0]!.id, name: 'Managed Services' },
        agreementStatus: 'Active',
        cancelledFlag: false,
        _info: {
          additions_href: expect.stringMatching(new RegExp(`/finance/agreements/${a.id}/additions$`)),
        },
      });
    }
    const globex = agreements.find((a) => (a.company as Doc).identifier === DEMO_STALE_SEATS.company)!;
    const additions = await ok<Doc[]>(
      rest(psa, 'GET', `/finance/agreements/${globex.id}/additions`, { auth: billing }),
    );
    expect(additions).toEqual([
      expect.objectContaining({
        product: expect.objectContaining({ id: product!.id, identifier: DEMO_SEAT_PRODUCT }),
        quantity: DEMO_STALE_SEATS.quantity,
        billedQuantity: DEMO_STALE_SEATS.quantity,
        agreementId: globex.id,
      }),
    ]);
    const empty = await ok<Doc[]>(
      rest(psa, 'GET', `/finance/agreements/${acme.id}/additions`, { auth: billing }),
    );
    expect(empty).toEqual([]);
  });

  it('adds a seat addition by product identifier, finds it with one conditions query and patches its quantity', async () => {
    const created = await ok<Doc>(
      rest(psa, 'POST', `/finance/agreements/${acme.id}/additions`, {
        auth: billing,
        body: {
          product: { identifier: DEMO_SEAT_PRODUCT },
          quantity: 40,
          lessIncluded: 5,
          billCustomer: 'Billable',
          effectiveDate: '2026-12-01',
          prorateCurrentPeriodFlag: true,
        },
      }),
    );
    expect(created).toMatchObject({
      agreementId: acme.id,
      product: { identifier: DEMO_SEAT_PRODUCT },
      quantity: 40,
      lessIncluded: 5,
      billedQuantity: 35,
      unitPrice: 3.5,
      unitCost: 1.75,
      extPrice: 122.5,
      extCost: 61.25,
      margin: 61.25,
      effectiveDate: '2026-12-01T00:00:00Z',
      prorateCurrentPeriodFlag: true,
      agreementStatus: 'Active',
      description: 'DNS security, per protected seat',
    });

    const path = `/finance/agreements/${acme.id}/additions?${q(`product/identifier="${DEMO_SEAT_PRODUCT}" and cancelledDate = null`)}`;
    const found = await ok<Doc[]>(rest(psa, 'GET', path, { auth: billing }));
    expect(found.map((a) => a.id)).toEqual([created.id]);
    const none = await ok<Doc[]>(
      rest(psa, 'GET', `/finance/agreements/${acme.id}/additions?${q('product/identifier="OTHER-SKU"')}`, {
        auth: billing,
      }),
    );
    expect(none).toEqual([]);

    const patched = await ok<Doc>(
      rest(psa, 'PATCH', `/finance/agreements/${acme.id}/additions/${created.id}`, {
        auth: billing,
        body: [{ op: 'replace', path: 'quantity', value: 52 }],
      }),
    );
    expect(patched).toMatchObject({ quantity: 52, lessIncluded: 5, billedQuantity: 47, extPrice: 164.5 });
    // A client cannot set the computed fields.
    const forced = await ok<Doc>(
      rest(psa, 'PATCH', `/finance/agreements/${acme.id}/additions/${created.id}`, {
        auth: billing,
        body: [{ op: 'replace', path: 'billedQuantity', value: 999 }],
      }),
    );
    expect(forced.billedQuantity).toBe(47);

    const cancelled = await ok<Doc>(
      rest(psa, 'PATCH', `/finance/agreements/${acme.id}/additions/${created.id}`, {
        auth: billing,
        body: [{ op: 'replace', path: 'cancelledDate', value: '2026-12-02T00:00:00Z' }],
      }),
    );
    expect(cancelled).toMatchObject({ cancelledDate: '2026-12-02T00:00:00Z' });
    const active = await ok<Doc[]>(rest(psa, 'GET', path, { auth: billing }));
    expect(active).toEqual([]);
    const count = await ok<Doc>(
      rest(psa, 'GET', `/finance/agreements/${acme.id}/additions/count`, { auth: billing }),
    );
    expect(count).toEqual({ count: 1 });
  });

  it('refuses what ConnectWise refuses: negative or non-numeric quantities, bad dates, unknown products', async () => {
    const url = `/finance/agreements/${acme.id}/additions`;
    const cases: Array<[Doc, string]> = [
      [{ product: { identifier: DEMO_SEAT_PRODUCT }, quantity: -1 }, 'quantity'],
      [{ product: { identifier: DEMO_SEAT_PRODUCT }, quantity: 'many' }, 'quantity'],
      [{ product: { identifier: DEMO_SEAT_PRODUCT }, lessIncluded: -2 }, 'lessIncluded'],
      [{ product: { identifier: DEMO_SEAT_PRODUCT }, effectiveDate: '2026-02-30' }, 'effectiveDate'],
      [{ product: { identifier: DEMO_SEAT_PRODUCT }, cancelledDate: 'yesterday' }, 'cancelledDate'],
      [
        {
          product: { identifier: DEMO_SEAT_PRODUCT },
          effectiveDate: '2026-05-01',
          cancelledDate: '2026-04-01',
        },
        'cancelledDate',
      ],
      [{ product: { identifier: 'NO-SUCH-SKU' } }, 'product'],
      [{ quantity: 3 }, 'product'],
      [{ product: { identifier: DEMO_SEAT_PRODUCT }, billCustomer: 'Sometimes' }, 'billCustomer'],
    ];
    for (const [body, field] of cases) {
      const r = await rest(psa, 'POST', url, { auth: billing, body });
      expect(r.status, `${JSON.stringify(body)} → ${r.text}`).toBe(400);
      expect(JSON.stringify(r.body)).toContain(field);
    }
    const unknownAgreement = await rest(psa, 'POST', '/finance/agreements/987654/additions', {
      auth: billing,
      body: { product: { identifier: DEMO_SEAT_PRODUCT }, quantity: 1 },
    });
    expect(unknownAgreement.status).toBe(404);
    // Past 2^31: PostgreSQL stores it as SQLite does.
    const big = await ok<Doc>(
      rest(psa, 'POST', url, {
        auth: billing,
        body: { product: { id: (await seat()).id }, quantity: 3_000_000_000 },
      }),
    );
    expect(big).toMatchObject({ quantity: 3_000_000_000, billedQuantity: 3_000_000_000 });
  });

  async function seat(): Promise<Doc> {
    const [p] = await ok<Doc[]>(
      rest(psa, 'GET', `/procurement/catalog?${q(`identifier="${DEMO_SEAT_PRODUCT}"`)}`, { auth: adm }),
    );
    return p!;
  }

  it('keeps catalog identifiers unique and a product in use undeletable', async () => {
    const dup = await rest(psa, 'POST', '/procurement/catalog', {
      auth: adm,
      body: { identifier: 'dns-security-seat', description: 'Dup', customerDescription: 'Dup' },
    });
    expect(dup.status).toBe(400);
    expect(dup.body).toMatchObject({
      errors: [expect.objectContaining({ code: 'ObjectExists', field: 'identifier' })],
    });
    const missing = await rest(psa, 'POST', '/procurement/catalog', {
      auth: adm,
      body: { identifier: 'X-1' },
    });
    expect(missing.status).toBe(400);
    const del = await rest(psa, 'DELETE', `/procurement/catalog/${(await seat()).id}`, { auth: adm });
    expect(del.status).toBe(409);
  });

  it('derives agreementStatus and dateCancelled from cancelledFlag; requires a type and a company', async () => {
    const created = await ok<Doc>(
      rest(psa, 'POST', '/finance/agreements', {
        auth: billing,
        body: {
          name: 'Initech - Backup',
          type: { name: 'Managed Services' },
          company: { identifier: 'Initech' },
        },
      }),
    );
    expect(created).toMatchObject({
      agreementStatus: 'Active',
      cancelledFlag: false,
      noEndingDateFlag: true,
    });
    const cancelled = await ok<Doc>(
      rest(psa, 'PATCH', `/finance/agreements/${created.id}`, {
        auth: billing,
        body: [
          { op: 'replace', path: 'cancelledFlag', value: true },
          { op: 'replace', path: 'reasonCancelled', value: 'Customer left' },
        ],
      }),
    );
    expect(cancelled).toMatchObject({
      agreementStatus: 'Cancelled',
      dateCancelled: expect.any(String),
      reasonCancelled: 'Customer left',
    });
    const expired = await ok<Doc>(
      rest(psa, 'POST', '/finance/agreements', {
        auth: billing,
        body: {
          name: 'Initech - Old',
          type: { name: 'Managed Services' },
          company: { identifier: 'Initech' },
          startDate: '2020-01-01T00:00:00Z',
          endDate: '2021-01-01T00:00:00Z',
        },
      }),
    );
    expect(expired).toMatchObject({ agreementStatus: 'Expired', noEndingDateFlag: false });
    for (const body of [
      { name: 'No type', company: { identifier: 'Initech' } },
      { name: 'No company', type: { name: 'Managed Services' } },
      { name: 'Bad type', type: { name: 'Nope' }, company: { identifier: 'Initech' } },
    ]) {
      const r = await rest(psa, 'POST', '/finance/agreements', { auth: billing, body });
      expect(r.status, r.text).toBe(400);
    }
    const cancelledOnly = await ok<Doc[]>(
      rest(psa, 'GET', `/finance/agreements?${q('agreementStatus="Cancelled"')}`, { auth: billing }),
    );
    expect(cancelledOnly.map((a) => a.id)).toEqual([created.id]);
  });

  it('pages agreements as everywhere (pageSize, page, Link)', async () => {
    const first = await rest(psa, 'GET', '/finance/agreements?pageSize=2&page=1&orderBy=id', {
      auth: billing,
    });
    expect(first.status).toBe(200);
    expect(first.body as Doc[]).toHaveLength(2);
    expect(first.headers.get('link')).toContain('rel="next"');
    const second = await ok<Doc[]>(
      rest(psa, 'GET', '/finance/agreements?pageSize=2&page=2&orderBy=id', { auth: billing }),
    );
    expect(second[0]!.id).toBeGreaterThan((first.body as Doc[])[1]!.id as number);
  });

  it('gates by Finance → Agreements, Procurement → Product Catalog and Table Setup → Agreement Type', async () => {
    const additions = `/finance/agreements/${acme.id}/additions`;
    expect((await rest(psa, 'GET', additions, { auth: readOnly })).status).toBe(200);
    const post = await rest(psa, 'POST', additions, {
      auth: readOnly,
      body: { product: { identifier: DEMO_SEAT_PRODUCT } },
    });
    expect(post.status).toBe(403);
    expect((await rest(psa, 'GET', '/procurement/catalog', { auth: readOnly })).status).toBe(403);
    // The billing role has no Table Setup: it reads the type inside each agreement, not the table.
    const types = await rest(psa, 'GET', '/finance/agreements/types', { auth: billing });
    expect(types.status).toBe(403);
    expect(JSON.stringify(types.body)).toContain('Table Setup');
    const withTable = await psa.apiMemberWithKey('typesreader', {
      name: 'Types reader',
      adminFlag: false,
      inactiveFlag: false,
      levels: { [FN.tableSetup]: { inquire: 'All' } },
      allowed: { [CUSTOMIZE.systemTableSetup]: [TABLE.agreementType] },
    });
    expect((await rest(psa, 'GET', '/finance/agreements/types', { auth: withTable })).status).toBe(200);
  });
});
