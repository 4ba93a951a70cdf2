import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSummary, parseSummary, type SerializedSummary, SpaceSaving } from './heavy-hitters.js';

/** A seeded PRNG (mulberry32): the same stream on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function exactCounts(stream: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of stream) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

function summarise(stream: readonly string[], k: number): SpaceSaving {
  const s = new SpaceSaving(k);
  for (const x of stream) s.offer(x);
  return s;
}

/** The documented guarantees of a summary of `stream`, checked against exact counts. */
function expectGuarantees(s: SpaceSaving, stream: readonly string[]): void {
  const exact = exactCounts(stream);
  const n = stream.length;
  const k = s.capacity;
  expect(s.streamLength).toBe(n);
  expect(s.size).toBeLessThanOrEqual(k);
  const floor = s.maxError();
  expect(floor).toBeLessThanOrEqual(n / k);
  const reported = new Map(s.top().map((h) => [h.domain, h]));
  let sum = 0;
  for (const h of reported.values()) {
    const f = exact.get(h.domain) ?? 0;
    expect(h.count - h.error).toBeLessThanOrEqual(f);
    expect(f).toBeLessThanOrEqual(h.count);
    expect(h.error).toBeLessThanOrEqual(floor);
    sum += h.count;
  }
  expect(sum).toBeLessThanOrEqual(n);
  for (const [item, f] of exact) {
    if (f > n / k) expect(reported.has(item), `${item} occurs ${f} > N/k = ${n / k} times`).toBe(true);
    if (!reported.has(item)) expect(f).toBeLessThanOrEqual(floor);
  }
  // Deterministic order: count descending, then error, then name.
  const top = s.top();
  for (let i = 1; i < top.length; i++) expect(top[i - 1]!.count).toBeGreaterThanOrEqual(top[i]!.count);
}

/** Merges summaries pairwise in an order chosen by `order`, half of them through JSON. */
function mergeAll(parts: SpaceSaving[], capacity: number, order: number[]): SpaceSaving {
  const pool = [...parts];
  let j = 0;
  while (pool.length > 1) {
    const i = (order[j++ % order.length] ?? 0) % (pool.length - 1);
    const [a, b] = pool.splice(i, 2) as [SpaceSaving, SpaceSaving];
    const merged =
      j % 2 === 0
        ? SpaceSaving.merge(a, b, capacity)
        : SpaceSaving.fromJSON(JSON.parse(JSON.stringify(mergeSummary(a.toJSON(), b.toJSON(), capacity))));
    pool.splice(i, 0, merged);
  }
  return pool[0]!;
}

describe('SpaceSaving', () => {
  it('is exact while it has room', () => {
    const s = summarise(['a', 'b', 'a', 'c', 'a', 'b'], 4);
    expect(s.top()).toEqual([
      { domain: 'a', count: 3, error: 0 },
      { domain: 'b', count: 2, error: 0 },
      { domain: 'c', count: 1, error: 0 },
    ]);
    expect(s.maxError()).toBe(0);
    expect(s.estimate('zzz')).toEqual({ count: 0, error: 0 });
    // Once full, the floor is the smallest count even if nothing was evicted yet: the summary can no
    // longer tell an unseen item from one it would have evicted.
    s.offer('d');
    expect(s.maxError()).toBe(1);
    expect(s.top().every((h) => h.error === 0)).toBe(true);
  });

  it('replaces the smallest count and charges the newcomer with it', () => {
    const s = summarise(['a', 'a', 'a', 'b', 'b', 'c'], 2);
    // c evicts b, the smallest count (2): c may have occurred twice unseen, so count 3, error 2.
    expect(s.top()).toEqual([
      { domain: 'a', count: 3, error: 0 },
      { domain: 'c', count: 3, error: 2 },
    ]);
    expect(s.estimate('b')).toEqual({ count: 3, error: 3 });
    expect(s.maxError()).toBe(3);
    expect(s.top(1)).toEqual([{ domain: 'a', count: 3, error: 0 }]);
    expect(s.top(0)).toEqual([]);
  });

  it('accepts weights and refuses bad weights and capacities', () => {
    const s = new SpaceSaving(2);
    s.offer('a', 5);
    s.offer('b', 2);
    s.offer('c', 1);
    expect(s.top()).toEqual([
      { domain: 'a', count: 5, error: 0 },
      { domain: 'c', count: 3, error: 2 },
    ]);
    expect(s.streamLength).toBe(8);
    expect(() => s.offer('a', 0)).toThrow(RangeError);
    expect(() => s.offer('a', 1.5)).toThrow(RangeError);
    expect(() => new SpaceSaving(0)).toThrow(/capacity/);
    expect(() => new SpaceSaving(2.5)).toThrow(/capacity/);
    expect(() => new SpaceSaving(1_000_000)).toThrow(/capacity/);
  });

  it('round-trips through plain JSON', () => {
    const s = summarise(['x', 'y', 'x', 'z', 'w', 'x', 'y'], 3);
    const json = JSON.parse(JSON.stringify(s)) as SerializedSummary;
    expect(json).toEqual(s.toJSON());
    expect(json.entries[0]).toEqual(['x', 3, 0]);
    const back = SpaceSaving.fromJSON(json);
    expect(back.toJSON()).toEqual(json);
    back.offer('x');
    s.offer('x');
    expect(back.toJSON()).toEqual(s.toJSON());
  });

  it.each([
    [null, /not an object/],
    [{ v: 2, capacity: 2, n: 0, entries: [] }, /version/],
    [{ v: 1, capacity: 0, n: 0, entries: [] }, /capacity/],
    [{ v: 1, capacity: 2, n: -1, entries: [] }, /n is not/],
    [{ v: 1, capacity: 2, n: 3, entries: {} }, /entries/],
    [
      {
        v: 1,
        capacity: 1,
        n: 3,
        entries: [
          ['a', 2, 0],
          ['b', 1, 0],
        ],
      },
      /exceed the capacity/,
    ],
    [
      {
        v: 1,
        capacity: 2,
        n: 3,
        entries: [
          ['a', 2, 0],
          ['a', 1, 0],
        ],
      },
      /twice/,
    ],
    [{ v: 1, capacity: 2, n: 3, entries: [['a', 0, 0]] }, /count/],
    [{ v: 1, capacity: 2, n: 3, entries: [['a', 2, 3]] }, /error/],
    [{ v: 1, capacity: 2, n: 3, entries: [['a', 2]] }, /\[item, count, error\]/],
    [
      {
        v: 1,
        capacity: 2,
        n: 3,
        entries: [
          ['a', 2, 0],
          ['b', 2, 0],
        ],
      },
      /more than the stream length/,
    ],
    [
      {
        v: 1,
        capacity: 3,
        n: 4,
        entries: [
          ['a', 2, 0],
          ['b', 1, 0],
        ],
      },
      /not full must be exact/,
    ],
    [
      {
        v: 1,
        capacity: 2,
        n: 9,
        entries: [
          ['a', 5, 4],
          ['b', 2, 0],
        ],
      },
      /exceeds the smallest count/,
    ],
  ])('refuses the stored summary %j', (value, why) => {
    expect(() => parseSummary(value)).toThrow(why);
    expect(() => SpaceSaving.fromJSON(value)).toThrow(TypeError);
  });

  it('merges as documented: an item missing from a full summary is charged its floor', () => {
    const a = summarise(['a', 'a', 'a', 'b', 'b'], 2); // a:3, b:2 (full, floor 2)
    const b = summarise(['c', 'c', 'c', 'c', 'a'], 2); // c:4, a:1 (full, floor 1)
    const m = SpaceSaving.merge(a, b, 2);
    // a: 3 + 1, b: 2 + floor(B) = 3 (dropped), c: 4 + floor(A) = 6 with error 2.
    expect(m.top()).toEqual([
      { domain: 'c', count: 6, error: 2 },
      { domain: 'a', count: 4, error: 0 },
    ]);
    expect(m.maxError()).toBe(4);
    expect(m.streamLength).toBe(10);
    expectGuarantees(m, ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c', 'a']);
    // Merging with an empty summary (the first batch of a day) changes nothing.
    expect(mergeSummary(undefined, a.toJSON(), 2)).toEqual(a.toJSON());
    expect(mergeSummary(null, a.toJSON(), 2)).toEqual(a.toJSON());
  });

  it('never yields more items than a full input could vouch for, and truncates to a smaller capacity', () => {
    const full = summarise(['a', 'b', 'c', 'c'], 2);
    const exact = summarise(['d', 'e', 'f'], 8);
    const grown = SpaceSaving.merge(full, exact, 8);
    expect(grown.capacity).toBe(2);
    expect(grown.size).toBe(2);
    expectGuarantees(grown, ['a', 'b', 'c', 'c', 'd', 'e', 'f']);
    const two = summarise(['d', 'e', 'f'], 8);
    const exactMerge = SpaceSaving.merge(exact, two, 8);
    expect(exactMerge.capacity).toBe(8);
    expect(exactMerge.maxError()).toBe(0);
    const shrunk = SpaceSaving.merge(exactMerge, new SpaceSaving(8), 2);
    expect(shrunk.capacity).toBe(2);
    expectGuarantees(shrunk, ['d', 'e', 'f', 'd', 'e', 'f']);
  });

  it('keeps its guarantees on random streams (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        (values, k, skew) => {
          // Skewed streams square the value range down to make heavy hitters likely.
          const stream = values.map((v) => `d${skew ? Math.floor((v * v) / 80) : v}`);
          expectGuarantees(summarise(stream, k), stream);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps its guarantees after merging random splits in random orders (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.nat({ max: 400 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        (values, k, cuts, order) => {
          const stream = values.map((v) => `d${Math.floor((v * v) / 60)}`);
          const bounds = [...new Set([0, ...cuts.map((c) => c % stream.length), stream.length])].sort(
            (a, b) => a - b,
          );
          const parts: SpaceSaving[] = [];
          for (let i = 1; i < bounds.length; i++)
            parts.push(summarise(stream.slice(bounds[i - 1], bounds[i]), k));
          expectGuarantees(mergeAll(parts, k, order), stream);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports the exact top 10 of a 1M-event Zipf stream (100k domains, s = 1.1) with k = 256', () => {
    const DOMAINS = 100_000;
    const EVENTS = 1_000_000;
    const K = 256;
    const names = Array.from({ length: DOMAINS }, (_, i) => `host${i}.example.com`);
    const cumulative = new Float64Array(DOMAINS);
    let total = 0;
    for (let i = 0; i < DOMAINS; i++) {
      total += 1 / (i + 1) ** 1.1;
      cumulative[i] = total;
    }
    // Ranks are shuffled onto names so that popularity is unrelated to the name or to insertion order.
    const random = prng(20260310);
    const rankToName = names.slice();
    for (let i = DOMAINS - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rankToName[i], rankToName[j]] = [rankToName[j]!, rankToName[i]!];
    }
    const exact = new Int32Array(DOMAINS);
    const s = new SpaceSaving(K);
    let maxSize = 0;
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
      s.offer(rankToName[lo]!);
      if ((e & 0xffff) === 0) maxSize = Math.max(maxSize, s.size);
    }
    const exactTop = [...exact.keys()]
      .sort((a, b) => exact[b]! - exact[a]! || (rankToName[a]! < rankToName[b]! ? -1 : 1))
      .slice(0, 10)
      .map((rank) => rankToName[rank]!);
    const reported = s.top(10);
    expect(reported.map((h) => h.domain)).toEqual(exactTop);
    const exactByName = new Map(rankToName.map((name, rank) => [name, exact[rank]!]));
    for (const h of reported) {
      const f = exactByName.get(h.domain)!;
      expect(h.count - h.error).toBeLessThanOrEqual(f);
      expect(f).toBeLessThanOrEqual(h.count);
    }
    expect(Math.max(maxSize, s.size)).toBeLessThanOrEqual(K);
    expect(s.size).toBe(K);
    expect(s.toJSON().entries).toHaveLength(K);
    expect(s.streamLength).toBe(EVENTS);
    // The a-posteriori bound (2334 on this stream) is under the a-priori N/k = 3906.
    expect(s.maxError()).toBeLessThan(EVENTS / K);
  });
});
