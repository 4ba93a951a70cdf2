// A hash table keyed by bytes read straight out of a decompressed chunk, for the ingest's hot path
// (umbrella-csv-bytes.ts): a line's identity, domain, categories and organization are looked up
// without first being decoded into strings — a string per field and line is most of what parsing
// used to cost. A key is made of up to MAX_PARTS fields of one line (byte ranges of one buffer); a
// part may be absent, which is a different key from an empty part. A hit is confirmed by comparing
// every byte with the stored copy (each part stored as its length, then its bytes), so two keys
// never share a value however their hashes collide.
//
// Memory is bounded: when a table holds maxEntries keys or maxBytes of key bytes, it is emptied and
// starts again (its values are caches of what the bytes mean, rebuilt on the next miss).

export const MAX_PARTS = 4;

/** Mixed into the hash after each part (with its length) and for an absent part. */
const PART_END = 0xff;
const PART_ABSENT = 0xfe;
/** The stored length of an absent part (a stored part is its length, 4 bytes, then its bytes). */
const ABSENT_LENGTH = -1;

const HASH_SEED = 0x811c9dc5 | 0;
const INITIAL_ENTRIES = 64;
const MULTIPLIER = 0x01000193;

/**
 * The parts of one key: part i spans [starts[i], ends[i]) of a buffer; starts[i] = -1 marks an absent
 * part. Fill `count` parts, then look the key up.
 */
export class KeyParts {
  readonly starts = new Int32Array(MAX_PARTS);
  readonly ends = new Int32Array(MAX_PARTS);
  count = 0;

  set(i: number, start: number, end: number): void {
    this.starts[i] = start;
    this.ends[i] = end;
  }
}

/**
 * The hash of the parts' bytes (the same for equal keys in any buffers). A part longer than 16 bytes
 * is hashed by its length and its first and last eight bytes only: lookups compare every byte anyway,
 * so the hash only has to spread keys, and identities and domains differ at their ends.
 */
export function hashParts(bytes: Uint8Array, view: DataView, parts: KeyParts): number {
  let h = HASH_SEED;
  for (let p = 0; p < parts.count; p++) {
    const s = parts.starts[p]!;
    if (s < 0) {
      h = Math.imul(h ^ PART_ABSENT, MULTIPLIER);
      continue;
    }
    const e = parts.ends[p]!;
    if (e - s > 16) {
      h = Math.imul(h ^ view.getInt32(s, true), MULTIPLIER);
      h = Math.imul(h ^ view.getInt32(s + 4, true), MULTIPLIER);
      h = Math.imul(h ^ view.getInt32(e - 8, true), MULTIPLIER);
      h = Math.imul(h ^ view.getInt32(e - 4, true), MULTIPLIER);
    } else {
      let i = s;
      for (; i + 4 <= e; i += 4) h = Math.imul(h ^ view.getInt32(i, true), MULTIPLIER);
      for (; i < e; i++) h = Math.imul(h ^ bytes[i]!, MULTIPLIER);
    }
    h = Math.imul(h ^ (PART_END + (e - s) * 256), MULTIPLIER);
  }
  // Final mix: the table indexes by the low bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

export class ByteKeyTable<V> {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Slot → entry index + 1 (0: empty). Twice as many slots as entries at most: probes stay short. */
  #slots: Int32Array;
  #mask: number;
  #hashes: Int32Array;
  #offsets: Int32Array;
  #lengths: Int32Array;
  #values: V[] = [];
  #arena: Uint8Array;
  #arenaView: DataView;
  #used = 0;

  constructor(options: { maxEntries?: number; maxBytes?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 1 << 16;
    this.maxBytes = options.maxBytes ?? 1 << 23;
    // Small to start with and grown on demand: a table of a few hundred keys stays in the CPU's cache.
    const entries = Math.min(this.maxEntries, INITIAL_ENTRIES);
    this.#slots = new Int32Array(entries * 2);
    this.#mask = entries * 2 - 1;
    this.#hashes = new Int32Array(entries);
    this.#offsets = new Int32Array(entries);
    this.#lengths = new Int32Array(entries);
    this.#arena = new Uint8Array(Math.min(this.maxBytes, 1 << 14));
    this.#arenaView = new DataView(this.#arena.buffer);
  }

  get size(): number {
    return this.#values.length;
  }

  /** The value of the key, or undefined. `hash` is hashParts of the same parts. */
  get(bytes: Uint8Array, view: DataView, parts: KeyParts, hash: number): V | undefined {
    const slots = this.#slots;
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const entry = slots[slot]! - 1;
      if (entry < 0) return undefined;
      if (this.#hashes[entry] === hash && this.#matches(entry, bytes, view, parts))
        return this.#values[entry];
    }
  }

  /** Adds the key (not in the table: get() returned undefined) with its value. */
  add(bytes: Uint8Array, parts: KeyParts, hash: number, value: V): void {
    let length = 0;
    for (let p = 0; p < parts.count; p++) {
      const s = parts.starts[p]!;
      length += s < 0 ? 4 : parts.ends[p]! - s + 4;
    }
    if (this.#values.length >= this.maxEntries || this.#used + length > this.maxBytes) this.clear();
    if (length > this.maxBytes) return; // a key longer than the whole arena is simply not kept
    if (this.#values.length === this.#hashes.length) this.#grow();
    this.#reserve(length);
    const arena = this.#arena;
    const arenaView = this.#arenaView;
    let at = this.#used;
    const offset = at;
    for (let p = 0; p < parts.count; p++) {
      const s = parts.starts[p]!;
      if (s < 0) {
        arenaView.setInt32(at, ABSENT_LENGTH, true);
        at += 4;
        continue;
      }
      const e = parts.ends[p]!;
      arenaView.setInt32(at, e - s, true);
      arena.set(bytes.subarray(s, e), at + 4);
      at += e - s + 4;
    }
    this.#used = at;
    const entry = this.#values.length;
    this.#values.push(value);
    this.#hashes[entry] = hash;
    this.#offsets[entry] = offset;
    this.#lengths[entry] = length;
    let slot = hash & this.#mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
    this.#slots[slot] = entry + 1;
  }

  clear(): void {
    this.#slots.fill(0);
    this.#values = [];
    this.#used = 0;
  }

  /** Twice the entries and slots (the slots re-filled from the stored hashes). */
  #grow(): void {
    const entries = Math.min(this.maxEntries, this.#hashes.length * 2);
    const hashes = new Int32Array(entries);
    hashes.set(this.#hashes);
    const offsets = new Int32Array(entries);
    offsets.set(this.#offsets);
    const lengths = new Int32Array(entries);
    lengths.set(this.#lengths);
    this.#hashes = hashes;
    this.#offsets = offsets;
    this.#lengths = lengths;
    this.#slots = new Int32Array(entries * 2);
    this.#mask = entries * 2 - 1;
    for (let entry = 0; entry < this.#values.length; entry++) {
      let slot = hashes[entry]! & this.#mask;
      while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = entry + 1;
    }
  }

  #reserve(length: number): void {
    if (this.#used + length <= this.#arena.length) return;
    let size = this.#arena.length * 2;
    while (size < this.#used + length) size *= 2;
    const bigger = new Uint8Array(Math.min(size, this.maxBytes));
    bigger.set(this.#arena.subarray(0, this.#used));
    this.#arena = bigger;
    this.#arenaView = new DataView(bigger.buffer);
  }

  #matches(entry: number, bytes: Uint8Array, view: DataView, parts: KeyParts): boolean {
    const arena = this.#arena;
    const arenaView = this.#arenaView;
    let at = this.#offsets[entry]!;
    const end = at + this.#lengths[entry]!;
    for (let p = 0; p < parts.count; p++) {
      if (at + 4 > end) return false;
      const s = parts.starts[p]!;
      const n = s < 0 ? ABSENT_LENGTH : parts.ends[p]! - s;
      if (arenaView.getInt32(at, true) !== n) return false;
      at += 4;
      if (n <= 0) continue;
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        if (view.getInt32(s + i, true) !== arenaView.getInt32(at + i, true)) return false;
      }
      for (; i < n; i++) if (bytes[s + i] !== arena[at + i]) return false;
      at += n;
    }
    return at === end;
  }
}
