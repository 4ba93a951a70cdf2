import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BlockedWindowRow, mergeBlockedWindow } from './blocked.js';
import {
  AggregateBatch,
  type AggregateDeltas,
  type DailyTotalsRow,
  type IdentityRow,
  mergeDailyTotals,
  mergeIdentity,
  mergeTopDomains,
  mergeWindowCount,
  PENDING_DOMAINS,
  type TopDomainsRow,
  topDomainKey,
  type WindowCountRow,
} from './counts.js';
import { SpaceSaving } from './heavy-hitters.js';
import type { AggregatableEvent } from './types.js';

const t = (iso: string) => Date.parse(iso);

function ev(partial: Partial<AggregatableEvent> & { ts: number }): AggregatableEvent {
  return {
    customerId: 1,
    identity: { label: 'laptop-7', type: 'roaming-computer' },
    domain: 'example.com',
    action: 'allowed',
    categories: [],
    ...partial,
  };
}

/** windowCounts as "identity|category|window start ISO → blocked/total", for readable assertions. */
function windowTable(d: AggregateDeltas): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of d.windowCounts) {
    out[`${r.customerId}|${r.identity}|${r.category}|${new Date(r.windowStart).toISOString().slice(0, 16)}`] =
      `${r.blocked}/${r.total}`;
  }
  return out;
}

describe('AggregateBatch', () => {
  it('counts per identity × category × window: a "*" row and one row per security category', () => {
    const b = new AggregateBatch({ windowMinutes: 240 });
    b.addAll([
      ev({
        ts: t('2026-03-10T01:00:00Z'),
        action: 'blocked',
        categories: ['command-and-control', 'malware'],
      }),
      ev({ ts: t('2026-03-10T02:00:00Z'), action: 'blocked', categories: ['command-and-control'] }),
      ev({ ts: t('2026-03-10T03:00:00Z'), action: 'allowed', categories: ['newly-seen'] }),
      ev({ ts: t('2026-03-10T03:30:00Z'), action: 'blocked', categories: ['content'] }),
      ev({ ts: t('2026-03-10T03:40:00Z'), action: 'allowed', categories: [] }),
      // Exactly 04:00 opens the next block.
      ev({ ts: t('2026-03-10T04:00:00Z'), action: 'blocked', categories: ['command-and-control'] }),
      // A category repeated in one event counts once; unknown categories have no row.
      ev({ ts: t('2026-03-10T05:00:00Z'), action: 'allowed', categories: ['phishing', 'phishing', 'weird'] }),
      ev({
        ts: t('2026-03-10T05:00:00Z'),
        identity: { label: 'HQ', type: 'network' },
        categories: ['malware'],
      }),
    ]);
    expect(windowTable(b.deltas())).toEqual({
      '1|HQ|*|2026-03-10T04:00': '0/1',
      '1|HQ|malware|2026-03-10T04:00': '0/1',
      '1|laptop-7|*|2026-03-10T00:00': '3/5',
      '1|laptop-7|malware|2026-03-10T00:00': '1/1',
      '1|laptop-7|command-and-control|2026-03-10T00:00': '2/2',
      '1|laptop-7|newly-seen|2026-03-10T00:00': '0/1',
      '1|laptop-7|*|2026-03-10T04:00': '1/2',
      '1|laptop-7|command-and-control|2026-03-10T04:00': '1/1',
      '1|laptop-7|phishing|2026-03-10T04:00': '0/1',
    });
    const row = b.deltas().windowCounts.find((r) => r.category === 'command-and-control');
    expect(row).toEqual({
      customerId: 1,
      identity: 'laptop-7',
      identityType: 'roaming-computer',
      category: 'command-and-control',
      windowMinutes: 240,
      windowStart: t('2026-03-10T00:00:00Z'),
      blocked: 2,
      total: 2,
    });
  });

  it.each([
    [60, 4],
    [240, 2],
    [1440, 1],
  ])(
    'with %i-minute windows, four events an hour apart around 04:00 fall in %i windows',
    (minutes, windows) => {
      const b = new AggregateBatch({ windowMinutes: minutes });
      for (const hour of ['02:00', '03:00', '04:00', '05:00']) {
        b.add(ev({ ts: t(`2026-03-10T${hour}:00Z`), action: 'blocked', categories: ['malware'] }));
      }
      const rows = b.deltas().windowCounts.filter((r) => r.category === 'malware');
      expect(rows).toHaveLength(windows);
      expect(rows.reduce((n, r) => n + r.blocked, 0)).toBe(4);
      expect(rows.every((r) => r.windowMinutes === minutes && r.windowStart % (minutes * 60_000) === 0)).toBe(
        true,
      );
    },
  );

  it('keeps identities apart by type and customers apart entirely', () => {
    const b = new AggregateBatch();
    b.addAll([
      ev({ ts: 1000, identity: { label: 'x', type: 'network' } }),
      ev({ ts: 1000, identity: { label: 'x', type: 'site' } }),
      ev({ ts: 1000, customerId: 2, identity: { label: 'x', type: 'site' } }),
    ]);
    const d = b.deltas();
    expect(d.identities.map((i) => `${i.customerId}:${i.type}:${i.label}`)).toEqual([
      '1:network:x',
      '1:site:x',
      '2:site:x',
    ]);
    expect(d.dailyTotals.map((r) => [r.customerId, r.requests])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(d.events).toBe(3);
  });

  it('adds up daily totals per UTC day, cutting at midnight UTC', () => {
    const b = new AggregateBatch();
    b.addAll([
      ev({ ts: t('2026-03-10T23:59:59.999Z'), action: 'blocked', categories: ['malware', 'phishing'] }),
      ev({ ts: t('2026-03-10T12:00:00Z'), action: 'allowed', categories: ['malware'] }),
      ev({ ts: t('2026-03-10T12:00:00Z'), action: 'blocked', categories: ['content'] }),
      ev({ ts: t('2026-03-11T00:00:00.000Z'), action: 'allowed', categories: ['newly-seen'] }),
    ]);
    expect(b.deltas().dailyTotals).toEqual([
      {
        customerId: 1,
        day: '2026-03-10',
        requests: 3,
        allowed: 1,
        blocked: 2,
        byCategory: { malware: { blocked: 1, total: 2 }, phishing: { blocked: 1, total: 1 } },
      },
      {
        customerId: 1,
        day: '2026-03-11',
        requests: 1,
        allowed: 1,
        blocked: 0,
        byCategory: { 'newly-seen': { blocked: 0, total: 1 } },
      },
    ] satisfies DailyTotalsRow[]);
  });

  it('records first and last seen whatever the order of events, and the requests', () => {
    const b = new AggregateBatch();
    for (const iso of [
      '2026-03-10T10:00:00Z',
      '2026-03-09T22:00:00Z',
      '2026-03-11T01:00:00Z',
      '2026-03-10T00:00:00Z',
    ]) {
      b.add(ev({ ts: t(iso) }));
    }
    expect(b.deltas().identities).toEqual([
      {
        customerId: 1,
        label: 'laptop-7',
        type: 'roaming-computer',
        firstSeen: t('2026-03-09T22:00:00Z'),
        lastSeen: t('2026-03-11T01:00:00Z'),
        requests: 4,
      },
    ] satisfies IdentityRow[]);
  });

  it('keeps top blocked and top allowed domains per customer × day, names normalised', () => {
    const b = new AggregateBatch({ heavyHitterCapacity: 4 });
    const day1 = t('2026-03-10T08:00:00Z');
    b.addAll([
      ev({ ts: day1, action: 'blocked', domain: 'Evil.example.' }),
      ev({ ts: day1, action: 'blocked', domain: 'evil.example' }),
      ev({ ts: day1, action: 'blocked', domain: 'bad.example' }),
      ev({ ts: day1, action: 'allowed', domain: 'good.example' }),
      ev({ ts: day1, action: 'allowed', domain: '' }),
      ev({ ts: t('2026-03-11T08:00:00Z'), action: 'allowed', domain: 'good.example' }),
    ]);
    const d = b.deltas();
    expect(d.topDomains.map((r) => [r.day, r.action, r.summary.entries])).toEqual([
      ['2026-03-10', 'allowed', [['good.example', 1, 0]]],
      [
        '2026-03-10',
        'blocked',
        [
          ['evil.example', 2, 0],
          ['bad.example', 1, 0],
        ],
      ],
      ['2026-03-11', 'allowed', [['good.example', 1, 0]]],
    ]);
    expect(d.topDomains[0]!.summary).toMatchObject({ v: 1, capacity: 4, n: 1 });
    // The empty domain is counted in the totals but not in the top list.
    expect(d.dailyTotals[0]!.allowed).toBe(2);
    expect(topDomainKey('WWW.Example.COM.')).toBe('www.example.com');
  });

  it('refuses malformed events and bad options, leaving the batch unchanged', () => {
    const b = new AggregateBatch();
    b.add(ev({ ts: 0 }));
    const before = b.deltas();
    const bad: unknown[] = [
      ev({ ts: Number.NaN }),
      ev({ ts: 0, customerId: 1.5 }),
      { ...ev({ ts: 0 }), action: 'dropped' },
      { ...ev({ ts: 0 }), identity: null },
      { ...ev({ ts: 0 }), categories: 'malware' },
      { ...ev({ ts: 0 }), domain: undefined },
    ];
    for (const e of bad) expect(() => b.add(e as AggregatableEvent)).toThrow();
    expect(b.deltas()).toEqual(before);
    expect(() => new AggregateBatch({ windowMinutes: 420 })).toThrow(/different time each day/);
    expect(() => new AggregateBatch({ heavyHitterCapacity: 0 })).toThrow(/capacity/);
    expect(() => b.merge(new AggregateBatch({ windowMinutes: 60 }))).toThrow(/60-minute/);
    expect(() => b.merge(b)).toThrow(/itself/);
  });

  it('produces plain data: deltas survive JSON unchanged', () => {
    const b = new AggregateBatch();
    b.add(ev({ ts: t('2026-03-10T08:00:00Z'), action: 'blocked', categories: ['malware'] }));
    const d = b.deltas();
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('takeDeltas hands over the same rows as deltas and then takes no more events (property)', () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 60 }), (events) => {
        const kept = new AggregateBatch().addAll(events);
        const taken = new AggregateBatch().addAll(events);
        expect(taken.takeDeltas()).toEqual(kept.deltas());
        expect(() => taken.add(events[0] ?? ev({ ts: 0 }))).toThrow(/handed over/);
        expect(() => taken.deltas()).toThrow(/handed over/);
        expect(() => kept.merge(taken)).toThrow(/handed over/);
      }),
    );
  });
});

// ---- merging ----

const CATEGORIES = ['malware', 'command-and-control', 'phishing', 'content', 'newly-seen', 'tunneling'];
const arbEvent: fc.Arbitrary<AggregatableEvent> = fc.record({
  // Two days and a bit, so windows and days straddle batches.
  ts: fc.integer({ min: t('2026-03-09T20:00:00Z'), max: t('2026-03-11T04:00:00Z') }),
  customerId: fc.integer({ min: 1, max: 3 }),
  identity: fc.record({ label: fc.constantFrom('a', 'b', 'c'), type: fc.constantFrom('network', 'site') }),
  domain: fc.constantFrom('x.example', 'y.example', 'Z.example.', 'w.example'),
  action: fc.constantFrom('allowed', 'blocked'),
  categories: fc.array(fc.constantFrom(...CATEGORIES), { maxLength: 3 }),
});

/** Stored aggregates updated with the row-wise merge helpers, as the persistence layer does. */
function applyDeltas(stored: Map<string, unknown>, d: AggregateDeltas, capacity: number): void {
  for (const r of d.windowCounts) {
    const key = `w|${r.customerId}|${r.identityType}|${r.identity}|${r.category}|${r.windowStart}`;
    stored.set(key, mergeWindowCount(stored.get(key) as WindowCountRow | undefined, r));
  }
  for (const r of d.dailyTotals) {
    const key = `d|${r.customerId}|${r.day}`;
    stored.set(key, mergeDailyTotals(stored.get(key) as DailyTotalsRow | undefined, r));
  }
  for (const r of d.topDomains) {
    const key = `t|${r.customerId}|${r.day}|${r.action}`;
    stored.set(key, mergeTopDomains(stored.get(key) as TopDomainsRow | undefined, r, capacity));
  }
  for (const r of d.identities) {
    const key = `i|${r.customerId}|${r.type}|${r.label}`;
    stored.set(key, mergeIdentity(stored.get(key) as IdentityRow | undefined, r));
  }
  for (const r of d.blocked ?? []) {
    const key = `b|${r.customerId}|${r.identityType}|${r.identity}|${r.category}|${r.windowStart}`;
    stored.set(key, mergeBlockedWindow(stored.get(key) as BlockedWindowRow | undefined, r));
  }
}

describe('merging batches and deltas', () => {
  it('a batch split anywhere gives the same aggregates, merged in memory or row by row (property)', () => {
    fc.assert(
      fc.property(
        fc.array(arbEvent, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (events, cuts) => {
          // Capacity above the number of distinct domains: summaries are exact, so all must be equal.
          const options = { windowMinutes: 240, heavyHitterCapacity: 8 };
          const whole = new AggregateBatch(options).addAll(events);
          const bounds = [...new Set([0, ...cuts.map((c) => c % (events.length + 1)), events.length])].sort(
            (a, b) => a - b,
          );
          const parts: AggregateBatch[] = [];
          for (let i = 1; i < bounds.length; i++) {
            parts.push(new AggregateBatch(options).addAll(events.slice(bounds[i - 1], bounds[i])));
          }
          const merged = new AggregateBatch(options);
          for (const p of parts) merged.merge(p);
          expect(merged.deltas()).toEqual(whole.deltas());

          const storedWhole = new Map<string, unknown>();
          applyDeltas(storedWhole, whole.deltas(), 8);
          const storedParts = new Map<string, unknown>();
          for (const p of parts) applyDeltas(storedParts, JSON.parse(JSON.stringify(p.deltas())), 8);
          expect(Object.fromEntries([...storedParts].sort())).toEqual(
            Object.fromEntries([...storedWhole].sort()),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('merging leaves the merged-in batch untouched', () => {
    const x = new AggregateBatch();
    x.add(ev({ ts: 0, action: 'blocked', categories: ['malware'] }));
    const y = new AggregateBatch();
    y.add(ev({ ts: 5, action: 'blocked', categories: ['malware'] }));
    const before = y.deltas();
    x.merge(y);
    x.add(ev({ ts: 6, action: 'blocked', categories: ['malware'] }));
    expect(y.deltas()).toEqual(before);
    expect(x.deltas().windowCounts.find((r) => r.category === 'malware')?.total).toBe(3);
  });

  it('row helpers refuse rows of different keys', () => {
    const w: WindowCountRow = {
      customerId: 1,
      identity: 'a',
      identityType: 'site',
      category: '*',
      windowMinutes: 240,
      windowStart: 0,
      blocked: 1,
      total: 2,
    };
    expect(mergeWindowCount(w, w)).toEqual({ ...w, blocked: 2, total: 4 });
    expect(() => mergeWindowCount(w, { ...w, windowMinutes: 60 })).toThrow(/windowMinutes/);
    expect(() => mergeWindowCount(w, { ...w, identity: 'b' })).toThrow(/identity/);
    const d: DailyTotalsRow = {
      customerId: 1,
      day: '2026-03-10',
      requests: 2,
      allowed: 1,
      blocked: 1,
      byCategory: {},
    };
    expect(mergeDailyTotals(null, d)).toEqual(d);
    expect(() => mergeDailyTotals(d, { ...d, day: '2026-03-11' })).toThrow(/day/);
    const i: IdentityRow = {
      customerId: 1,
      label: 'a',
      type: 'site',
      firstSeen: 5,
      lastSeen: 9,
      requests: 2,
    };
    expect(mergeIdentity(i, { ...i, firstSeen: 2, lastSeen: 7, requests: 1 })).toEqual({
      ...i,
      firstSeen: 2,
      lastSeen: 9,
      requests: 3,
    });
    expect(() => mergeIdentity(i, { ...i, type: 'network' })).toThrow(/type/);
    const s = new SpaceSaving(4);
    s.offer('a.example');
    const top: TopDomainsRow = { customerId: 1, day: '2026-03-10', action: 'blocked', summary: s.toJSON() };
    expect(mergeTopDomains(top, top, 4).summary.entries).toEqual([['a.example', 2, 0]]);
    expect(() => mergeTopDomains(top, { ...top, action: 'allowed' }, 4)).toThrow(/action/);
  });
});

// ---- memory ----

describe('memory bound', () => {
  it('a day of 300k requests from 300 identities stays within identities × windows × categories + 2k', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const day = t('2026-03-10T00:00:00Z');
    const b = new AggregateBatch({ windowMinutes: 240, heavyHitterCapacity: 256 });
    const categories = [
      [],
      [],
      [],
      ['malware'],
      ['command-and-control'],
      ['phishing', 'newly-seen'],
      ['content'],
    ];
    const identities = Array.from({ length: 300 }, (_, i) => ({
      label: `host-${i}`,
      type: 'roaming-computer',
    }));
    const EVENTS = 300_000;
    for (let e = 0; e < EVENTS; e++) {
      b.add({
        ts: day + Math.floor(random() * 86_400_000),
        customerId: 42,
        identity: identities[Math.floor(random() * identities.length)]!,
        domain: `d${Math.floor(random() * 20_000)}.example`,
        action: random() < 0.2 ? 'blocked' : 'allowed',
        categories: categories[Math.floor(random() * categories.length)]!,
      });
    }
    const size = b.size();
    expect(size.identities).toBe(300);
    expect(size.dailyRows).toBe(1);
    expect(size.summaries).toBe(2);
    expect(size.summaryEntries).toBe(2 * 256);
    // '*' plus the 4 security categories used, in each of 6 windows, for each identity.
    expect(size.windowRows).toBe(300 * 6 * 5);
    const d = b.deltas();
    expect(d.events).toBe(EVENTS);
    expect(d.windowCounts).toHaveLength(size.windowRows);
    expect(d.dailyTotals[0]!.requests).toBe(EVENTS);
  }, 60_000); // seconds of work: the unit tests' 5 s default is too tight on a loaded machine
});

describe('AggregateBatch: top domains', () => {
  it('reports the exact top 10 of a 1M-event Zipf stream within k + PENDING_DOMAINS entries', () => {
    const DOMAINS = 100_000;
    const EVENTS = 1_000_000;
    const K = 256;
    let seed = 20261205;
    const random = () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let x = Math.imul(seed ^ (seed >>> 15), seed | 1);
      x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const cumulative = new Float64Array(DOMAINS);
    let total = 0;
    for (let i = 0; i < DOMAINS; i++) {
      total += 1 / (i + 1) ** 1.1;
      cumulative[i] = total;
    }
    // Popularity unrelated to the name; some names in upper case with the root's dot, as logs have them.
    const names = Array.from({ length: DOMAINS }, (_, i) => `host${i}.example.com`);
    for (let i = DOMAINS - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [names[i], names[j]] = [names[j]!, names[i]!];
    }
    const exact = new Int32Array(DOMAINS);
    const b = new AggregateBatch({ windowMinutes: 240, heavyHitterCapacity: K });
    const identity = { label: 'host-1', type: 'roaming-computer' };
    const day = Date.UTC(2026, 11, 5);
    let maxHeld = 0;
    for (let e = 0; e < EVENTS; e++) {
      const u = random() * total;
      let lo = 0;
      let hi = DOMAINS - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      exact[lo]! += 1;
      const name = names[lo]!;
      b.add({
        ts: day + (e % 86_400_000),
        customerId: 1,
        identity,
        domain: e % 3 === 0 ? `${name.toUpperCase()}.` : name,
        action: 'allowed',
        categories: [],
      });
      if ((e & 0x3fff) === 0) {
        const size = b.size();
        maxHeld = Math.max(maxHeld, size.summaryEntries + size.pendingDomains);
      }
    }
    expect(maxHeld).toBeLessThanOrEqual(K + PENDING_DOMAINS);
    const top = b.deltas().topDomains;
    expect(top).toHaveLength(1);
    const summary = top[0]!.summary;
    expect(summary.n).toBe(EVENTS);
    expect(summary.entries).toHaveLength(K);
    const exactTop = [...exact.keys()]
      .sort((x, y) => exact[y]! - exact[x]! || (names[x]! < names[y]! ? -1 : 1))
      .slice(0, 10);
    expect(summary.entries.slice(0, 10).map(([domain]) => domain)).toEqual(exactTop.map((r) => names[r]));
    for (const [domain, count, error] of summary.entries.slice(0, 10)) {
      const f = exact[names.indexOf(domain)]!;
      expect(count - error).toBeLessThanOrEqual(f);
      expect(f).toBeLessThanOrEqual(count);
    }
  }, 60_000); // ~5 s alone: the unit tests' 5 s default timed out on a loaded machine
});
