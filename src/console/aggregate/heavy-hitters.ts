// Top domains with bounded memory (CON-6): the Space-Saving summary of Metwally, Agrawal and
// El Abbadi, made mergeable so that one stored summary per customer × day × action absorbs the
// summary of each ingested batch.
//
// A summary of capacity k monitors at most k items, each with a count and an error. It describes a
// stream of length N (the sum of the weights offered to it and to every summary merged into it).
// Write f(x) for the true frequency of x in that stream and `floor` for the smallest monitored count
// when the summary is full (k items), 0 otherwise. Invariants, kept by offer() and merge():
//   (1) every monitored x: count − error ≤ f(x) ≤ count   (counts overestimate, by at most `error`)
//   (2) every monitored x: error ≤ floor                  (so a summary that is not full is exact)
//   (3) every unmonitored x: f(x) ≤ floor
//   (4) the monitored counts add up to at most N          (exactly N until a merge)
// From (4), floor ≤ N/k. Hence the documented bounds:
//   * each reported count overestimates the true count by at most error ≤ floor ≤ N/k;
//   * every item with f(x) > N/k (indeed > floor) is reported;
//   * top(n) is the exact top n, in order, whenever consecutive true counts among the first n + 1
//     items differ by more than floor (x with f(x) > f(y) + floor has count(x) ≥ f(x) > count(y)).
// `floor` is the a-posteriori bound (maxError()); on skewed traffic it is far below N/k.
//
// Merging (merge(), mergeSummary()). The mergeable-summaries construction of Agarwal et al. is
// stated for Misra–Gries (add the counters, keep the top k, subtract the (k+1)-th counter), whose
// counts underestimate. Space-Saving is the same summary shifted by its minimum, and its merge keeps
// overestimates instead: an item missing from a full summary A may still have occurred up to
// floor(A) times there, so it is charged floor(A), as count and as error:
//   count(x) = countA(x) (or floorA when x is not in A) + countB(x) (or floorB), likewise error(x);
//   keep the k largest counts. N = NA + NB.
// Invariants (1)–(4) hold for the result with k its capacity: (1) and (2) term by term (every merged
// count is at least floorA + floorB, so the new floor is too); (3) for dropped items because their
// merged count is at most the new floor, for items in neither because f ≤ floorA + floorB; (4)
// because among the k kept items, the ones missing from A are at most as many as the items of A that
// were not kept, each of which counted at least floorA. So after ANY sequence of merges the bound is
// the same as for one pass over the concatenated streams: error ≤ floor ≤ N/k with N the total length.
// A full summary of capacity k' cannot vouch for more than k' items, so a merge never yields more
// than the capacity of a full input: raising the configured capacity takes effect on new summaries
// (the next day's), lowering it takes effect at once (truncating to the k largest keeps (1)–(4)).
//
// Memory: at most k monitored items — the domain string, two numbers and a map entry each, about
// 100 bytes + the domain — and the JSON form is at most k entries of [domain, count, error].
// Cost: O(log k) per offer (a binary min-heap on count with an index map), O(k log k) per merge.

/** The plain-JSON form of a summary, as stored per customer × day × action. */
export interface SerializedSummary {
  /** Format version. */
  v: 1;
  capacity: number;
  /** Length of the summarised stream (sum of weights, across merges). */
  n: number;
  /** [item, count, error], by count descending then item. */
  entries: Array<[item: string, count: number, error: number]>;
}

export interface HeavyHitter {
  domain: string;
  /** Upper bound of the true count. */
  count: number;
  /** count − error is a lower bound of the true count. */
  error: number;
}

/** Largest accepted capacity: far above any sensible top-domain list, and keeps the JSON form small. */
export const MAX_CAPACITY = 100_000;

export function assertCapacity(capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw new RangeError(
      `A heavy-hitter capacity must be a whole number from 1 to ${MAX_CAPACITY} (got ${String(capacity)}).`,
    );
  }
}

function byCountDesc(a: HeavyHitter, b: HeavyHitter): number {
  if (a.count !== b.count) return b.count - a.count;
  if (a.error !== b.error) return a.error - b.error;
  return a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0;
}

export class SpaceSaving {
  readonly capacity: number;
  #n = 0;
  // A binary min-heap on count over parallel arrays; #index maps an item to its heap slot.
  readonly #items: string[] = [];
  readonly #counts: number[] = [];
  readonly #errors: number[] = [];
  readonly #index = new Map<string, number>();

  constructor(capacity: number) {
    assertCapacity(capacity);
    this.capacity = capacity;
  }

  /** Length N of the summarised stream. */
  get streamLength(): number {
    return this.#n;
  }

  /** Number of monitored items (≤ capacity). */
  get size(): number {
    return this.#items.length;
  }

  isFull(): boolean {
    return this.#items.length >= this.capacity;
  }

  /** `floor`: bound of every error and of the frequency of every unreported item (≤ N/k). */
  maxError(): number {
    return this.isFull() ? this.#counts[0]! : 0;
  }

  /** Counts `weight` occurrences of item. */
  offer(item: string, weight = 1): void {
    if (!Number.isSafeInteger(weight) || weight < 1) {
      throw new RangeError(`A weight must be a positive whole number (got ${String(weight)}).`);
    }
    this.#n += weight;
    const slot = this.#index.get(item);
    if (slot !== undefined) {
      this.#counts[slot]! += weight;
      this.#siftDown(slot);
      return;
    }
    if (!this.isFull()) {
      this.#push(item, weight, 0);
      return;
    }
    // Replace the item with the smallest count: the newcomer may have occurred that often unseen.
    const floor = this.#counts[0]!;
    this.#index.delete(this.#items[0]!);
    this.#items[0] = item;
    this.#counts[0] = floor + weight;
    this.#errors[0] = floor;
    this.#index.set(item, 0);
    this.#siftDown(0);
  }

  /** Bounds for any item: for an unreported one, count = error = floor. */
  estimate(item: string): { count: number; error: number } {
    const slot = this.#index.get(item);
    if (slot === undefined) {
      const floor = this.maxError();
      return { count: floor, error: floor };
    }
    return { count: this.#counts[slot]!, error: this.#errors[slot]! };
  }

  /** The n (default: all) monitored items with the largest counts, by count descending. */
  top(n: number = this.size): HeavyHitter[] {
    const all: HeavyHitter[] = this.#items.map((domain, i) => ({
      domain,
      count: this.#counts[i]!,
      error: this.#errors[i]!,
    }));
    all.sort(byCountDesc);
    return n >= all.length ? all : all.slice(0, Math.max(0, n));
  }

  toJSON(): SerializedSummary {
    return {
      v: 1,
      capacity: this.capacity,
      n: this.#n,
      entries: this.top().map((h) => [h.domain, h.count, h.error]),
    };
  }

  /** Rebuilds a summary from its JSON form (validated: stored data is not trusted blindly). */
  static fromJSON(value: unknown): SpaceSaving {
    const json = parseSummary(value);
    return SpaceSaving.#build(json.capacity, json.n, json.entries);
  }

  /**
   * Merges two summaries into one of `capacity` (default: the larger input capacity), clamped to the
   * capacity of any full input; the inputs are left unchanged. See the header for the bounds.
   */
  static merge(
    a: SpaceSaving,
    b: SpaceSaving,
    capacity: number = Math.max(a.capacity, b.capacity),
  ): SpaceSaving {
    assertCapacity(capacity);
    let k = capacity;
    if (a.isFull()) k = Math.min(k, a.capacity);
    if (b.isFull()) k = Math.min(k, b.capacity);
    const floorA = a.maxError();
    const floorB = b.maxError();
    const merged = new Map<string, HeavyHitter>();
    for (let i = 0; i < a.#items.length; i++) {
      const domain = a.#items[i]!;
      const slotB = b.#index.get(domain);
      merged.set(domain, {
        domain,
        count: a.#counts[i]! + (slotB === undefined ? floorB : b.#counts[slotB]!),
        error: a.#errors[i]! + (slotB === undefined ? floorB : b.#errors[slotB]!),
      });
    }
    for (let i = 0; i < b.#items.length; i++) {
      const domain = b.#items[i]!;
      if (merged.has(domain)) continue;
      merged.set(domain, { domain, count: b.#counts[i]! + floorA, error: b.#errors[i]! + floorA });
    }
    const kept = [...merged.values()].sort(byCountDesc).slice(0, k);
    return SpaceSaving.#build(
      k,
      a.#n + b.#n,
      kept.map((h) => [h.domain, h.count, h.error]),
    );
  }

  static #build(
    capacity: number,
    n: number,
    entries: ReadonlyArray<readonly [string, number, number]>,
  ): SpaceSaving {
    const s = new SpaceSaving(capacity);
    s.#n = n;
    for (const [item, count, error] of entries) {
      s.#index.set(item, s.#items.length);
      s.#items.push(item);
      s.#counts.push(count);
      s.#errors.push(error);
    }
    for (let i = (s.#items.length >> 1) - 1; i >= 0; i--) s.#siftDown(i);
    return s;
  }

  #push(item: string, count: number, error: number): void {
    let i = this.#items.length;
    this.#items.push(item);
    this.#counts.push(count);
    this.#errors.push(error);
    this.#index.set(item, i);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#counts[parent]! <= this.#counts[i]!) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(start: number): void {
    const size = this.#items.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.#counts[right]! < this.#counts[left]! ? right : left;
      if (this.#counts[i]! <= this.#counts[child]!) return;
      this.#swap(i, child);
      i = child;
    }
  }

  #swap(i: number, j: number): void {
    const item = this.#items[i]!;
    const count = this.#counts[i]!;
    const error = this.#errors[i]!;
    this.#items[i] = this.#items[j]!;
    this.#counts[i] = this.#counts[j]!;
    this.#errors[i] = this.#errors[j]!;
    this.#items[j] = item;
    this.#counts[j] = count;
    this.#errors[j] = error;
    this.#index.set(this.#items[i]!, i);
    this.#index.set(item, j);
  }
}

/** Validates the JSON form of a summary, including invariants (2) and (4); throws a TypeError. */
export function parseSummary(value: unknown): SerializedSummary {
  const fail = (why: string): never => {
    throw new TypeError(`Not a heavy-hitter summary: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not an object');
  const { v, capacity, n, entries } = value as Record<string, unknown>;
  if (v !== 1) fail(`unknown version ${String(v)}`);
  if (typeof capacity !== 'number') return fail('capacity is not a number');
  try {
    assertCapacity(capacity);
  } catch (e) {
    fail((e as Error).message);
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail('n is not a count');
  if (!Array.isArray(entries)) return fail('entries is not an array');
  if (entries.length > capacity) fail(`${entries.length} entries exceed the capacity ${capacity}`);
  const seen = new Set<string>();
  let sum = 0;
  let floor = Number.POSITIVE_INFINITY;
  let maxError = 0;
  const out: SerializedSummary['entries'] = [];
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3) return fail('an entry is not [item, count, error]');
    const [item, count, error] = entry as unknown[];
    if (typeof item !== 'string') return fail('an item is not a string');
    if (seen.has(item)) fail(`item ${JSON.stringify(item)} appears twice`);
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1)
      return fail('a count is not positive');
    if (typeof error !== 'number' || !Number.isSafeInteger(error) || error < 0 || error > count) {
      return fail('an error is not between 0 and its count');
    }
    seen.add(item);
    sum += count;
    floor = Math.min(floor, count);
    maxError = Math.max(maxError, error);
    out.push([item, count, error]);
  }
  if (sum > n) fail(`counts add up to ${sum}, more than the stream length ${n}`);
  const full = out.length === capacity;
  if (!full && (sum !== n || maxError > 0)) fail('a summary that is not full must be exact');
  if (full && maxError > floor) fail('an error exceeds the smallest count');
  out.sort((a, b) => b[1] - a[1] || a[2] - b[2] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { v: 1, capacity, n, entries: out };
}

/**
 * Merges a stored summary (absent on the first batch of a day) with a batch's delta, both in JSON
 * form, into a summary of `capacity` (clamped as SpaceSaving.merge does): what the persistence layer
 * writes back in the transaction that records the batch.
 */
export function mergeSummary(
  stored: SerializedSummary | null | undefined,
  delta: SerializedSummary,
  capacity: number,
): SerializedSummary {
  const d = SpaceSaving.fromJSON(delta);
  if (stored === null || stored === undefined) {
    return SpaceSaving.merge(d, new SpaceSaving(capacity), capacity).toJSON();
  }
  return SpaceSaving.merge(SpaceSaving.fromJSON(stored), d, capacity).toJSON();
}
