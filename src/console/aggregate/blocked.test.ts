// What a ticket says about an identity's window, checked against a reference computed straight from
// raw Umbrella log lines: random lines, cut into units ingested in any order and merged as the store
// merges them, then read back for a random rule (categories, window length).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY,
  CATEGORY_LABELS as LABELS,
  type RawLine,
  rawLineArb,
  umbrellaLine,
} from '../../../test/support/umbrella-lines.js';
import { parseUmbrellaCsv } from '../sources/umbrella-csv.js';
import {
  BLOCKED_DOMAIN_CAPACITY,
  BlockedCells,
  type BlockedWindowRow,
  mergeBlockedWindow,
  PENDING_BLOCKED_DOMAINS,
  summarizeBlocked,
} from './blocked.js';
import { AggregateBatch } from './counts.js';
import { SpaceSaving } from './heavy-hitters.js';
import { MINUTE_MS } from './windows.js';

const IDENTITIES = [
  { identity: 'RECEPTION-PC', identityType: 'Roaming Computers' },
  { identity: 'Jane Doe (jane@example.com)', identityType: 'AD Users' },
  { identity: 'Office', identityType: 'Networks' },
];
const TYPE_KIND: Record<string, string> = {
  'Roaming Computers': 'roaming-computer',
  'AD Users': 'ad-user',
  Networks: 'network',
};

// Whole seconds over two days.
const rowArb = rawLineArb({
  who: IDENTITIES,
  seconds: 2 * 86_400,
  domains: ['c2-a.example', 'C2-B.example', 'mal.example', 'phish.example', 'ok.example'],
});

type Raw = RawLine;

const line = (r: Raw) => umbrellaLine(r, '2304567');

/** The ingest of one unit: parse its lines, aggregate them, hand back the blocked rows. */
function unitRows(lines: readonly Raw[], windowMinutes: number): BlockedWindowRow[] {
  const { events, errors } = parseUmbrellaCsv(lines.map(line).join('\n'));
  expect(errors).toEqual([]);
  const batch = new AggregateBatch({ windowMinutes });
  for (const e of events) batch.add({ ...e, customerId: 1 });
  return batch.deltas().blocked ?? [];
}

const keyOf = (r: BlockedWindowRow) =>
  JSON.stringify([r.identity, r.identityType, r.category, r.windowMinutes, r.windowStart]);

describe('blocked details of a window (what a ticket says)', () => {
  it('property: first/last are blocked requests of that identity in that window and rule categories; domain counts are exact', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 1, maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom(60, 240),
        fc.constantFrom(1, 2, 6),
        fc.subarray(['command-and-control', 'malware', 'phishing'], { minLength: 1 }),
        fc.func(fc.integer()),
        (raws, cuts, aggMinutes, factor, ruleCategories, order) => {
          // Units: the lines cut at random places, committed in a random order.
          const bounds = [...new Set(cuts.map((c) => c % (raws.length + 1)))].sort((a, b) => a - b);
          const units: Raw[][] = [];
          let from = 0;
          for (const b of [...bounds, raws.length]) {
            units.push(raws.slice(from, b));
            from = b;
          }
          units.sort((a, b) => order(a.length) - order(b.length));
          const stored = new Map<string, BlockedWindowRow>();
          for (const unit of units) {
            for (const row of unitRows(unit, aggMinutes)) {
              stored.set(keyOf(row), mergeBlockedWindow(stored.get(keyOf(row)), row));
            }
          }

          const ruleMs = aggMinutes * factor * MINUTE_MS;
          for (const who of IDENTITIES) {
            for (let start = DAY; start < DAY + 2 * 86_400_000; start += ruleMs) {
              // The reference, from the raw lines alone.
              const mine = raws.filter((r) => {
                const ts = DAY + r.second * 1000;
                return (
                  r.who === who &&
                  r.action === 'blocked' &&
                  ts >= start &&
                  ts < start + ruleMs &&
                  r.categories.some((c) => ruleCategories.includes(LABELS[c] ?? ''))
                );
              });
              const counts = new Map<string, number>();
              for (const r of mine) {
                const n = r.categories.filter((c) => ruleCategories.includes(LABELS[c] ?? '')).length;
                const d = r.domain.toLowerCase();
                counts.set(d, (counts.get(d) ?? 0) + n);
              }
              const times = mine.map((r) => DAY + r.second * 1000);

              // What the ticket reads: the rows of the identity inside the rule window, rule categories.
              const rows = [...stored.values()].filter(
                (r) =>
                  r.identity === who.identity &&
                  r.identityType === TYPE_KIND[who.identityType] &&
                  r.windowStart >= start &&
                  r.windowStart < start + ruleMs &&
                  (ruleCategories as string[]).includes(r.category),
              );
              const got = summarizeBlocked(rows, 100);
              expect(got.firstBlocked).toBe(times.length ? Math.min(...times) : null);
              expect(got.lastBlocked).toBe(times.length ? Math.max(...times) : null);
              const want = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
              expect(got.topDomains.map((d) => [d.domain, d.count])).toEqual(want);
              expect(got.topDomains.every((d) => d.atLeast === d.count)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('past the capacity, keeps the most blocked domains with bounds that hold', () => {
    const batch = new AggregateBatch({ windowMinutes: 240 });
    const event = (domain: string, i: number) => ({
      ts: DAY + i * 1000,
      customerId: 1,
      identity: { label: 'HOST', type: 'roaming-computer' },
      domain,
      action: 'blocked' as const,
      categories: ['command-and-control'],
    });
    let i = 0;
    for (let n = 0; n < 50; n++) batch.add(event('beacon.example', i++));
    for (let d = 0; d < 3 * BLOCKED_DOMAIN_CAPACITY; d++) batch.add(event(`dga-${d}.example`, i++));
    const [row] = batch.deltas().blocked ?? [];
    const top = summarizeBlocked([row!], 5).topDomains;
    expect(top[0]).toEqual({ domain: 'beacon.example', count: 50, atLeast: 50 });
    expect(row!.domains.entries.length).toBe(BLOCKED_DOMAIN_CAPACITY);
    expect(row!.domains.n).toBe(50 + 3 * BLOCKED_DOMAIN_CAPACITY);
    for (const d of top.slice(1)) expect(d.atLeast).toBeLessThanOrEqual(1);
    expect(() => SpaceSaving.fromJSON(row!.domains)).not.toThrow();
  });

  it('refuses to merge rows of different cells', () => {
    const a: BlockedWindowRow = {
      customerId: 1,
      identity: 'A',
      identityType: 'network',
      category: 'malware',
      windowMinutes: 240,
      windowStart: DAY,
      firstBlocked: DAY,
      lastBlocked: DAY,
      domains: new SpaceSaving(BLOCKED_DOMAIN_CAPACITY).toJSON(),
    };
    expect(() => mergeBlockedWindow(a, { ...a, category: 'phishing' })).toThrow(/different category/);
  });

  it('BlockedCells keeps what one object per detail kept: first/last and the same summary (property)', () => {
    /** The former BlockedCell: pending counts in a Map, offered in first-seen order when full or read. */
    class Reference {
      first = Infinity;
      last = -Infinity;
      summary = new SpaceSaving(BLOCKED_DOMAIN_CAPACITY);
      pending = new Map<string, number>();
      add(ts: number, domain: string) {
        this.first = Math.min(this.first, ts);
        this.last = Math.max(this.last, ts);
        if (domain === '') return;
        const n = this.pending.get(domain);
        if (n !== undefined) return void this.pending.set(domain, n + 1);
        if (this.pending.size >= PENDING_BLOCKED_DOMAINS) this.fold();
        this.pending.set(domain, 1);
      }
      fold() {
        for (const [domain, n] of this.pending) this.summary.offer(domain, n);
        this.pending.clear();
      }
    }
    const step = fc.oneof(
      {
        weight: 1000,
        arbitrary: fc.record({
          // Few details, so some get past PENDING_BLOCKED_DOMAINS distinct domains.
          cell: fc.nat(1),
          category: fc.nat(1),
          ts: fc.nat(1_000_000),
          // Few domains (exact) and many (past the pending list and the capacity), '' not counted.
          domain: fc.oneof(fc.nat(6), fc.nat(400)).map((d) => (d === 0 ? '' : `d${d}.example`)),
        }),
      },
      // Now and then a cell is let go (its pending entries are reused) and starts again.
      { weight: 1, arbitrary: fc.record({ release: fc.nat(1) }) },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1200, maxLength: 2000 }), (steps) => {
        const cells = new BlockedCells(3);
        const reference = new Map<string, Reference>();
        for (const s of steps) {
          if ('release' in s) {
            cells.release(s.release);
            for (let i = 0; i < 3; i++) reference.delete(`${s.release}/${i}`);
            continue;
          }
          cells.add(s.cell, s.category, s.ts, s.domain);
          const key = `${s.cell}/${s.category}`;
          if (!reference.has(key)) reference.set(key, new Reference());
          reference.get(key)!.add(s.ts, s.domain);
        }
        for (let c = 0; c < 2; c++) {
          for (let i = 0; i < 3; i++) {
            const want = reference.get(`${c}/${i}`);
            expect(cells.has(c, i)).toBe(want !== undefined);
            if (want === undefined) continue;
            want.fold();
            expect([cells.first(c, i), cells.last(c, i)]).toEqual([want.first, want.last]);
            expect(cells.summary(c, i).toJSON()).toEqual(want.summary.toJSON());
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
