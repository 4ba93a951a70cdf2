// Billing reconciliation end to end (issue 17, console side), on both databases, through the built-in
// PSA over HTTPS and the real outbox: the preview shows what "on" then writes; a run creates the one
// missing line and corrects a stale one; an unchanged run writes nothing and reads once per customer;
// seats that change PATCH the quantity once; a remapped customer, a hand-made duplicate, a cancelled
// agreement and the fault proxy's 500-after-commit and timeouts never lead to a second line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../faults/delivery-proxy.js';
import { databaseKinds } from '../support/databases.js';
import { type BillingEnv, startBillingEnv } from './support.js';

const PRODUCT = 'DNS-SECURITY-SEAT';

interface Line {
  id: number;
  quantity: number;
}

describe.each(databaseKinds)('billing reconciliation (console) on %s', (db) => {
  let env: BillingEnv;
  const company = new Map<string, number>();
  const agreement = new Map<string, number>();
  const customer = new Map<string, number>();

  const linesOf = async (identifier: string): Promise<Line[]> => {
    const r = await env.rest(
      'GET',
      `/finance/agreements/${agreement.get(identifier)}/additions?conditions=${encodeURIComponent(`product/identifier="${PRODUCT}"`)}&pageSize=100`,
    );
    expect(r.status).toBe(200);
    return r.body;
  };
  const setSeats = (name: string, seats: number) =>
    env.db.updateTable('con_customer').set({ seats }).where('id', '=', customer.get(name)!).execute();
  const runAndDrain = async () => {
    const summary = await env.billing.run(env.providerId);
    const { failed } = await env.drain();
    expect(failed).toEqual([]);
    return summary;
  };
  const statusOf = async (name: string) =>
    (await env.billing.status(env.providerId)).customers.find((c) => c.customerId === customer.get(name))!;

  beforeAll(async () => {
    env = await startBillingEnv(db);
    for (const id of ['AcmeCorp', 'Globex', 'Initech', 'UmbrellaDental']) {
      company.set(id, await env.companyId(id));
      const a = await env.rest(
        'GET',
        `/finance/agreements?conditions=company/id=${company.get(id)}&pageSize=10`,
      );
      agreement.set(id, a.body[0].id);
    }
    customer.set(
      'Acme',
      await env.addCustomer('Acme', 10, { id: company.get('AcmeCorp')!, identifier: 'AcmeCorp' }),
    );
    customer.set(
      'Globex',
      await env.addCustomer('Globex', 15, { id: company.get('Globex')!, identifier: 'Globex' }),
    );
    customer.set(
      'Initech',
      await env.addCustomer('Initech', 4, { id: company.get('Initech')!, identifier: 'Initech' }),
    );
    customer.set('Unmapped', await env.addCustomer('Unmapped', 3));
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  it('refuses to write while billing is off or preview, and the preview writes nothing', async () => {
    await expect(env.billing.run(env.providerId)).rejects.toThrow(/turn it on/);
    await env.billing.saveSettings(
      env.providerId,
      {
        mode: 'preview',
        productIdentifier: PRODUCT,
        agreementType: 'Managed Services',
        seatBasis: 'configured',
        identityDays: 30,
      },
      'test',
    );
    const mark = await env.logMark();
    const preview = await env.billing.preview(env.providerId);
    expect((await env.requestsSince(mark)).byMethod).not.toHaveProperty('POST');
    expect((await env.requestsSince(mark)).byMethod).not.toHaveProperty('PATCH');
    const row = (name: string) => preview.rows.find((r) => r.name === name)!;
    expect(preview.productFound).toBe(true);
    expect(row('Acme')).toMatchObject({
      action: 'create',
      psaQuantity: 0,
      quantity: 10,
      difference: 10,
      monthlyChange: 35,
    });
    expect(row('Globex')).toMatchObject({
      action: 'patch',
      psaQuantity: 12,
      quantity: 15,
      difference: 3,
      monthlyChange: 10.5,
    });
    expect(row('Globex').reason).toContain('3 more');
    expect(row('Unmapped')).toMatchObject({ action: 'report', situation: 'unmapped' });
    expect(await linesOf('AcmeCorp')).toEqual([]);
  });

  it('"on" writes exactly what the preview showed: one line each', async () => {
    await env.billing.saveSettings(
      env.providerId,
      {
        mode: 'on',
        productIdentifier: PRODUCT,
        agreementType: 'Managed Services',
        seatBasis: 'configured',
        identityDays: 30,
      },
      'test',
    );
    const preview = await env.billing.preview(env.providerId);
    const summary = await runAndDrain();
    expect(summary.enqueued).toBe(3);
    expect(summary.notBilled.map((x) => x.customerId)).toEqual([customer.get('Unmapped')]);
    for (const r of preview.rows.filter((x) => x.action === 'create' || x.action === 'patch')) {
      const id = [...company.keys()].find((k) => k.startsWith(r.name))!;
      const lines = await linesOf(id);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.quantity).toBe(r.quantity);
    }
    expect((await env.billing.preview(env.providerId)).totals.writes).toBe(0);
  });

  it('an unchanged daily run writes nothing and reads once per customer', async () => {
    const mark = await env.logMark();
    await runAndDrain();
    const requests = await env.requestsSince(mark);
    expect(requests.byMethod).toEqual({ GET: 3 });
  });

  it('seats that change PATCH the quantity once', async () => {
    await setSeats('Acme', 13);
    const mark = await env.logMark();
    await runAndDrain();
    expect((await env.requestsSince(mark)).byMethod).toEqual({ GET: 4, PATCH: 1 });
    const lines = await linesOf('AcmeCorp');
    expect(lines.map((l) => l.quantity)).toEqual([13]);
  });

  it('a hand-made duplicate is reported, never written to', async () => {
    const dup = await env.rest('POST', `/finance/agreements/${agreement.get('Globex')}/additions`, {
      product: { identifier: PRODUCT },
      quantity: 2,
    });
    expect(dup.status).toBe(201);
    await setSeats('Globex', 20);
    const mark = await env.logMark();
    await runAndDrain();
    expect((await env.requestsSince(mark)).byMethod).not.toHaveProperty('PATCH');
    expect((await linesOf('Globex')).map((l) => l.quantity).sort()).toEqual([15, 2].sort());
    expect((await statusOf('Globex')).lastError).toMatch(/2 lines for DNS-SECURITY-SEAT/);
    await env.rest('DELETE', `/finance/agreements/${agreement.get('Globex')}/additions/${dup.body.id}`);
    await runAndDrain();
    expect((await linesOf('Globex')).map((l) => l.quantity)).toEqual([20]);
    expect((await statusOf('Globex')).lastError).toBeNull();
  });

  it('a cancelled agreement gets a health message and no write to another agreement', async () => {
    const cancelled = await env.rest('PATCH', `/finance/agreements/${agreement.get('Initech')}`, [
      { op: 'replace', path: 'cancelledFlag', value: true },
    ]);
    expect(cancelled.status).toBe(200);
    await setSeats('Initech', 9);
    const mark = await env.logMark();
    await runAndDrain();
    const byMethod = (await env.requestsSince(mark)).byMethod;
    expect(byMethod).not.toHaveProperty('POST');
    expect(byMethod).not.toHaveProperty('PATCH');
    expect((await statusOf('Initech')).lastError).toMatch(/cancelled/);
    expect((await linesOf('Initech')).map((l) => l.quantity)).toEqual([4]);
  });

  it('a remapped customer and back: still one line per (agreement, product)', async () => {
    const acme = customer.get('Acme')!;
    const remap = (identifier: string) =>
      env.db
        .updateTable('con_customer')
        .set({ psa_company_id: company.get(identifier)!, psa_company_identifier: identifier })
        .where('id', '=', acme)
        .execute();
    await remap('UmbrellaDental');
    await runAndDrain();
    await remap('AcmeCorp');
    await setSeats('Acme', 14);
    await runAndDrain();
    await runAndDrain();
    expect((await linesOf('UmbrellaDental')).map((l) => l.quantity)).toEqual([13]);
    expect((await linesOf('AcmeCorp')).map((l) => l.quantity)).toEqual([14]);
  });

  it("the fault proxy's 500-after-commit and timeouts never lead to a second line", async () => {
    // Each round: a new company with an agreement (a line to create) and Acme's seats changed (a line
    // to PATCH), delivered while the proxy answers 500 after the PSA committed or holds the answer
    // past the client's timeout; then the faults stop and the outbox drains.
    const created: string[] = [];
    for (let round = 0; round < 6; round++) {
      const identifier = `Fault${db}${round}`;
      const c = await env.rest('POST', '/company/companies', {
        identifier,
        name: `Fault ${round}`,
        site: { name: 'Main' },
      });
      expect(c.status).toBe(201);
      company.set(identifier, c.body.id);
      const a = await env.rest('POST', '/finance/agreements', {
        name: `${identifier} - Managed Services`,
        type: { name: 'Managed Services' },
        company: { id: c.body.id },
      });
      expect(a.status).toBe(201);
      agreement.set(identifier, a.body.id);
      await env.addCustomer(identifier, 3 + round, { id: c.body.id, identifier });
      created.push(identifier);
      await setSeats('Acme', 20 + round);
      env.proxy.rates = { ...NO_FAULTS, '500-after': 0.35, timeout: 0.1 };
      await env.billing.run(env.providerId);
      await env.drain().catch(() => undefined);
      env.proxy.rates = { ...NO_FAULTS };
      const { failed } = await env.drain();
      expect(failed).toEqual([]);
      expect((await linesOf('AcmeCorp')).map((l) => l.quantity)).toEqual([20 + round]);
      for (const [k, id] of created.entries())
        expect((await linesOf(id)).map((l) => l.quantity)).toEqual([3 + k]);
    }
    const hitWrites = env.proxy.faults.filter(
      (f) => f.method !== 'GET' && (f.kind === '500-after' || f.kind === 'timeout'),
    );
    expect(hitWrites.length).toBeGreaterThan(0);
  }, 180_000);
});
