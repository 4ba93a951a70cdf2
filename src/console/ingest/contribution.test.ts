// Taking a unit's contribution back: negated deltas undo the sums exactly, and a top-domain summary
// without a merged stream keeps its bounds for the domains it still reports.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AggregateBatch,
  columnsOf,
  deltaRows,
  emptyColumns,
  mergeDailyTotals,
  mergeSummary,
  SpaceSaving,
} from '../aggregate/index.js';
import {
  decodeContribution,
  decodeDeltas,
  encodeContribution,
  encodeDeltas,
  negateDeltas,
  subtractSummary,
} from './contribution.js';

const domainArb = fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `d${i}.test`));
const streamArb = fc.array(fc.tuple(domainArb, fc.integer({ min: 1, max: 5 })), { maxLength: 300 });

function summarize(stream: ReadonlyArray<readonly [string, number]>, k: number) {
  const s = new SpaceSaving(k);
  for (const [d, w] of stream) s.offer(d, w);
  return s.toJSON();
}

describe('subtractSummary', () => {
  it('keeps count ≥ true ≥ count − error for the rest of the stream (property)', () => {
    fc.assert(
      fc.property(
        streamArb,
        streamArb,
        fc.integer({ min: 2, max: 30 }),
        fc.boolean(),
        (old, rest, k, oldFirst) => {
          const a = summarize(old, k);
          const b = summarize(rest, k);
          const stored = oldFirst
            ? mergeSummary(mergeSummary(undefined, a, k), b, k)
            : mergeSummary(mergeSummary(undefined, b, k), a, k);
          const left = subtractSummary(stored, a);
          const truth = new Map<string, number>();
          for (const [d, w] of rest) truth.set(d, (truth.get(d) ?? 0) + w);
          expect(left.n).toBe(rest.reduce((n, [, w]) => n + w, 0));
          for (const [d, count, error] of left.entries) {
            const t = truth.get(d) ?? 0;
            expect(count).toBeGreaterThanOrEqual(t);
            expect(count - error).toBeLessThanOrEqual(t);
            expect(error).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is exact when nothing was evicted', () => {
    const a = summarize(
      [
        ['x.test', 3],
        ['y.test', 1],
      ],
      16,
    );
    const b = summarize(
      [
        ['x.test', 2],
        ['z.test', 4],
      ],
      16,
    );
    expect(subtractSummary(mergeSummary(a, b, 16), a)).toEqual({
      v: 1,
      capacity: 16,
      n: 6,
      entries: [
        ['z.test', 4, 0],
        ['x.test', 2, 0],
      ],
    });
  });
});

describe('negateDeltas', () => {
  it('undoes the sums of a batch, and the deltas survive their stored form', () => {
    const batch = new AggregateBatch({ windowMinutes: 240, heavyHitterCapacity: 16 });
    for (let i = 0; i < 50; i++)
      batch.add({
        ts: Date.UTC(2026, 0, 5, i % 24),
        customerId: 1 + (i % 2),
        identity: { label: `pc-${i % 3}`, type: 'roaming-computer' },
        domain: `d${i % 7}.test`,
        action: i % 4 === 0 ? 'blocked' : 'allowed',
        categories: i % 4 === 0 ? ['command-and-control'] : [],
      });
    const d = batch.deltas();
    expect(decodeDeltas(encodeDeltas(d))).toEqual(d);
    const n = negateDeltas(d);
    n.windowCounts.forEach((r, i) => {
      expect(r.total + d.windowCounts[i]!.total).toBe(0);
      expect(r.blocked + d.windowCounts[i]!.blocked).toBe(0);
    });
    n.dailyTotals.forEach((r, i) => {
      const zero = mergeDailyTotals(d.dailyTotals[i], r);
      expect([zero.requests, zero.allowed, zero.blocked]).toEqual([0, 0, 0]);
      for (const c of Object.values(zero.byCategory)) expect(c).toEqual({ blocked: 0, total: 0 });
    });
    n.identities.forEach((r, i) => {
      expect(r.requests + d.identities[i]!.requests).toBe(0);
    });
    expect(n.topDomains).toEqual([]);
  });
});

describe('encodeDeltas', () => {
  it('round-trips deltas written in many pieces, the same as one JSON text', () => {
    const batch = new AggregateBatch();
    for (let i = 0; i < 9000; i++) {
      batch.add({
        ts: Date.UTC(2026, 0, 5) + i * 9_000,
        customerId: 1 + (i % 2),
        identity: { label: `host-${i % 3000}`, type: 'Roaming Computers' },
        domain: `d${i % 50}.test`,
        action: i % 7 === 0 ? 'blocked' : 'allowed',
        categories: i % 7 === 0 ? ['malware'] : [],
      });
    }
    const deltas = batch.deltas();
    expect(deltas.windowCounts.length).toBeGreaterThan(8192);
    expect(deltas.blocked?.length).toBeGreaterThan(0);
    expect(decodeDeltas(encodeDeltas(deltas))).toEqual(JSON.parse(JSON.stringify(deltas)));
    const empty = new AggregateBatch().deltas();
    expect(decodeDeltas(encodeDeltas(empty))).toEqual(empty);
  });
});

describe('encodeContribution', () => {
  it('round-trips columns, and reads a contribution kept as JSON before', () => {
    const batch = new AggregateBatch();
    for (let i = 0; i < 3000; i++) {
      batch.add({
        ts: Date.UTC(2026, 0, 5) + i * 9_000,
        customerId: 1 + (i % 2),
        identity: { label: `host-${i % 1000} Zoë`, type: 'Roaming Computers' },
        domain: `d${i % 50}.test`,
        action: i % 7 === 0 ? 'blocked' : 'allowed',
        categories: i % 7 === 0 ? ['malware', 'phishing'] : [],
      });
    }
    const deltas = batch.deltas();
    const columns = columnsOf(deltas);
    const stored = encodeContribution(columns);
    expect(decodeContribution(stored)).toEqual(columns);
    expect(deltaRows(decodeContribution(stored)).blocked?.length).toBeGreaterThan(0);
    expect(decodeContribution(encodeDeltas(deltas))).toEqual(columns);
    expect(decodeContribution(encodeContribution(emptyColumns()))).toEqual(emptyColumns());
    // A few bytes per row, not a JSON text of them.
    expect(stored.length).toBeLessThan(encodeDeltas(deltas).length);
  }, 30_000);
});
