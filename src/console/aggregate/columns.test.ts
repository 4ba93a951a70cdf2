// Deltas as columns: the same rows as the row objects, in the store's key order, and buffers that a
// thread can hand over without copying.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnBuffers, columnsOf, DeltaReader, deltaRows, emptyColumns } from './columns.js';
import { AggregateBatch, type AggregateDeltas } from './counts.js';
import type { AggregatableEvent } from './types.js';

const t = (iso: string) => Date.parse(iso);
const CATEGORIES = ['malware', 'command-and-control', 'phishing', 'content', 'newly-seen', 'tunneling'];
const arbEvent: fc.Arbitrary<AggregatableEvent> = fc.record({
  ts: fc.integer({ min: t('2026-03-09T20:00:00Z'), max: t('2026-03-11T04:00:00Z') }),
  customerId: fc.integer({ min: 1, max: 3 }),
  identity: fc.record({
    label: fc.constantFrom('a', 'b', 'B', 'ä', 'host-10', 'host-9', '東京'),
    type: fc.constantFrom('network', 'site'),
  }),
  domain: fc.constantFrom('x.example', 'y.example', 'Z.example.', 'w.example', ''),
  action: fc.constantFrom('allowed', 'blocked'),
  categories: fc.array(fc.constantFrom(...CATEGORIES), { maxLength: 3 }),
});

const cmp = (a: readonly (string | number)[], b: readonly (string | number)[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
};
const windowKey = (r: AggregateDeltas['windowCounts'][number]) => [
  r.customerId,
  r.category,
  r.windowMinutes,
  r.windowStart,
  r.identity,
  r.identityType,
];
const blockedKey = (r: NonNullable<AggregateDeltas['blocked']>[number]) => [
  r.customerId,
  r.identity,
  r.identityType,
  r.windowStart,
  r.category,
  r.windowMinutes,
];
const identityKey = (r: AggregateDeltas['identities'][number]) => [r.customerId, r.label, r.type];

/** The rows of deltas in the store's key order (what columns hold). */
function inStoreOrder(d: AggregateDeltas): AggregateDeltas {
  return {
    ...d,
    windowCounts: [...d.windowCounts].sort((a, b) => cmp(windowKey(a), windowKey(b))),
    identities: [...d.identities].sort((a, b) => cmp(identityKey(a), identityKey(b))),
    blocked: [...(d.blocked ?? [])].sort((a, b) => cmp(blockedKey(a), blockedKey(b))),
  };
}

describe('DeltaColumns', () => {
  it('a batch taken as columns holds the rows of its deltas, in the store’s key order (property)', () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 80 }), fc.constantFrom(60, 240), (events, minutes) => {
        const kept = new AggregateBatch({ windowMinutes: minutes }).addAll(events);
        const taken = new AggregateBatch({ windowMinutes: minutes }).addAll(events);
        const columns = taken.takeColumns();
        const expected = inStoreOrder(kept.deltas());
        const rows = deltaRows(columns);
        expect(rows.windowCounts).toEqual(expected.windowCounts);
        expect(rows.identities).toEqual(expected.identities);
        expect(rows.blocked).toEqual(expected.blocked);
        expect(rows.events).toBe(expected.events);
        expect(
          [...rows.dailyTotals].sort((a, b) => cmp([a.customerId, a.day], [b.customerId, b.day])),
        ).toEqual(expected.dailyTotals);
        expect(rows.topDomains).toEqual(
          expect.arrayContaining(expected.topDomains as unknown as Record<string, unknown>[]),
        );
        expect(rows.topDomains).toHaveLength(expected.topDomains.length);
        // Row objects from any source give the same columns.
        expect(deltaRows(columnsOf(kept.deltas()))).toEqual({
          ...expected,
          dailyTotals: kept.deltas().dailyTotals,
        });
        expect(() => taken.add(events[0] ?? { ...events[0]!, ts: 0 })).toThrow(/handed over/);
      }),
    );
  });

  it('holds window rows of identities it has no identity row for, and writes no such identity', () => {
    const columns = columnsOf({
      events: 1,
      windowCounts: [
        {
          customerId: 1,
          identity: 'h',
          identityType: 'site',
          category: '*',
          windowMinutes: 240,
          windowStart: 0,
          blocked: 0,
          total: 1,
        },
      ],
      dailyTotals: [],
      topDomains: [],
      identities: [],
    });
    const rows = deltaRows(columns);
    expect(rows.windowCounts).toHaveLength(1);
    expect(rows.identities).toEqual([]);
  });

  it('picks the window rows ticket rules count: blocked requests of a security category', () => {
    const b = new AggregateBatch();
    b.addAll([
      {
        ts: t('2026-03-10T01:00:00Z'),
        customerId: 1,
        identity: { label: 'x', type: 's' },
        domain: 'c2.test',
        action: 'blocked',
        categories: ['command-and-control'],
      },
      {
        ts: t('2026-03-10T01:00:00Z'),
        customerId: 1,
        identity: { label: 'y', type: 's' },
        domain: 'ok.test',
        action: 'allowed',
        categories: ['malware'],
      },
      {
        ts: t('2026-03-10T01:00:00Z'),
        customerId: 1,
        identity: { label: 'z', type: 's' },
        domain: 'ad.test',
        action: 'blocked',
        categories: ['content'],
      },
    ]);
    const picked = new DeltaReader(b.takeColumns()).blockedWindows();
    expect(picked.map((r) => [r.identity, r.category, r.blocked])).toEqual([['x', 'command-and-control', 1]]);
  });

  it('moves its buffers to another thread without copying them', () => {
    const b = new AggregateBatch();
    for (let i = 0; i < 500; i++) {
      b.add({
        ts: t('2026-03-10T00:00:00Z') + i * 60_000,
        customerId: 1,
        identity: { label: `host-${i % 40}`, type: 'site' },
        domain: `d${i % 9}.test`,
        action: i % 5 === 0 ? 'blocked' : 'allowed',
        categories: i % 5 === 0 ? ['malware'] : [],
      });
    }
    const columns = b.takeColumns();
    const expected = deltaRows(columns);
    const buffers = columnBuffers(columns);
    expect(new Set(buffers).size).toBe(buffers.length);
    const moved = structuredClone(columns, { transfer: buffers });
    expect(columns.windows.total.length).toBe(0); // detached: given up by the sender
    expect(deltaRows(moved)).toEqual(expected);
    expect(deltaRows(emptyColumns())).toEqual({
      events: 0,
      windowCounts: [],
      dailyTotals: [],
      topDomains: [],
      identities: [],
      blocked: [],
    });
  });
});
