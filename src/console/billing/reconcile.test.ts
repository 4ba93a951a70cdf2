import { describe, expect, it } from 'vitest';
import { BILLING_TABLE, decide, type Line, SITUATIONS, seatCount, situationOf } from './reconcile.js';
import { billingSettingsSchema, DEFAULT_BILLING_SETTINGS } from './settings.js';

const active = { kind: 'active', agreementId: 7, name: 'MSA' } as const;
const line = (id: number, quantity: number, unitPrice = 4, lessIncluded = 0): Line => ({
  id,
  quantity,
  unitPrice,
  lessIncluded,
});
const base = { agreementType: 'Managed Services', productIdentifier: 'DNS-SECURITY-SEAT', productPrice: 5 };

describe('billing state table', () => {
  it('has one row per situation, and only report rows carry a problem', () => {
    expect(Object.keys(BILLING_TABLE).sort()).toEqual([...SITUATIONS].sort());
    for (const s of SITUATIONS)
      expect(BILLING_TABLE[s].problem !== null).toBe(BILLING_TABLE[s].action === 'report');
  });

  it('creates a missing line, patches a different one, leaves an equal one', () => {
    const created = decide({ ...base, agreement: active, lines: [], quantity: 12 });
    expect(created).toMatchObject({
      situation: 'line-missing',
      action: 'create',
      psaQuantity: 0,
      difference: 12,
    });
    expect(created.monthlyChange).toBe(60);
    const patched = decide({ ...base, agreement: active, lines: [line(3, 10)], quantity: 12 });
    expect(patched).toMatchObject({
      action: 'patch',
      lineId: 3,
      difference: 2,
      monthlyChange: 8,
      agreementId: 7,
    });
    const equal = decide({ ...base, agreement: active, lines: [line(3, 12)], quantity: 12 });
    expect(equal).toMatchObject({ action: 'none', difference: 0, monthlyChange: 0, problem: null });
  });

  it('bills only what exceeds the included quantity', () => {
    const d = decide({ ...base, agreement: active, lines: [line(3, 8, 4, 10)], quantity: 12 });
    expect(d.monthlyChange).toBe(8); // 8 → 12 with 10 included: 0 → 2 billable
  });

  it('reports a duplicate line and never writes to it', () => {
    const d = decide({ ...base, agreement: active, lines: [line(3, 10), line(4, 2)], quantity: 12 });
    expect(d).toMatchObject({ situation: 'line-duplicate', action: 'report', lineId: null, difference: 0 });
    expect(d.problem).toContain('3, 4');
  });

  it('reports agreement problems without a write', () => {
    for (const agreement of [
      { kind: 'none' },
      { kind: 'ambiguous', agreementIds: [1, 2] },
      { kind: 'cancelled', agreementId: 7, name: 'MSA' },
      { kind: 'missing', agreementId: 7 },
      { kind: 'other-company', agreementId: 7 },
    ] as const) {
      const d = decide({ ...base, agreement, lines: [line(3, 1)], quantity: 12 });
      expect(d.action).toBe('report');
      expect(d.agreementId).toBeNull();
      expect(d.problem).toBeTruthy();
    }
    expect(situationOf({ kind: 'none' }, [], 0)).toBe('no-agreement');
  });
});

describe('seats', () => {
  it('counts configured seats, identities, or the larger of both', () => {
    expect(seatCount('configured', 10, 14, 30).quantity).toBe(10);
    expect(seatCount('identities', 10, 14, 30).quantity).toBe(14);
    expect(seatCount('larger', 10, 14, 30)).toMatchObject({ quantity: 14 });
    expect(seatCount('larger', 20, 14, 30).explanation).toContain('20 configured seats');
  });
});

describe('settings', () => {
  it('accepts the defaults and refuses a product identifier that would break a condition', () => {
    expect(billingSettingsSchema.parse(DEFAULT_BILLING_SETTINGS)).toEqual(DEFAULT_BILLING_SETTINGS);
    expect(
      billingSettingsSchema.safeParse({ ...DEFAULT_BILLING_SETTINGS, productIdentifier: 'A" or id>0' })
        .success,
    ).toBe(false);
    expect(billingSettingsSchema.safeParse({ ...DEFAULT_BILLING_SETTINGS, identityDays: 0 }).success).toBe(
      false,
    );
  });
});
