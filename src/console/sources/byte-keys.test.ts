// ByteKeyTable: keys made of byte ranges of any buffer behave like a Map keyed by the parts' bytes —
// part boundaries and absent parts count, collisions of the (sampled) hash never mix keys up, the
// table grows, and it empties itself at its bounds instead of growing further.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteKeyTable, hashParts, KeyParts } from './byte-keys.js';

/** A buffer holding the given parts (null: absent) at an offset, and the KeyParts pointing at them. */
function keyOf(parts: ReadonlyArray<Uint8Array | null>, offset = 0): { bytes: Buffer; parts: KeyParts } {
  const total = parts.reduce((n, p) => n + (p?.length ?? 0), 0);
  const bytes = Buffer.alloc(offset + total + 8, 0x2a);
  const key = new KeyParts();
  key.count = parts.length;
  let at = offset;
  parts.forEach((p, i) => {
    if (p === null) key.set(i, -1, -1);
    else {
      bytes.set(p, at);
      key.set(i, at, at + p.length);
      at += p.length;
    }
  });
  return { bytes, parts: key };
}

const text = (s: string) => new TextEncoder().encode(s);

function lookup<V>(table: ByteKeyTable<V>, parts: ReadonlyArray<Uint8Array | null>, offset = 0) {
  const k = keyOf(parts, offset);
  const view = new DataView(k.bytes.buffer, k.bytes.byteOffset, k.bytes.byteLength);
  const hash = hashParts(k.bytes, view, k.parts);
  return {
    get: () => table.get(k.bytes, view, k.parts, hash),
    add: (value: V) => table.add(k.bytes, k.parts, hash, value),
  };
}

describe('ByteKeyTable', () => {
  it('finds a key wherever its bytes lie, and tells part boundaries and absent parts apart', () => {
    const t = new ByteKeyTable<string>();
    lookup(t, [text('ab'), text('c')]).add('ab|c');
    lookup(t, [text(''), null]).add('empty|absent');
    expect(lookup(t, [text('ab'), text('c')], 13).get()).toBe('ab|c');
    expect(lookup(t, [text('a'), text('bc')]).get()).toBeUndefined();
    expect(lookup(t, [text('abc')]).get()).toBeUndefined();
    expect(lookup(t, [text(''), null], 5).get()).toBe('empty|absent');
    expect(lookup(t, [null, text('')]).get()).toBeUndefined();
    expect(lookup(t, [text(''), text('')]).get()).toBeUndefined();
    // 0xFF and 0xFE are not separators: bytes that are not UTF-8 are keys like any other.
    lookup(t, [Uint8Array.of(0x78, 0xff), text('y')]).add('x\xff|y');
    expect(lookup(t, [text('x'), Uint8Array.of(0xff, 0x79)]).get()).toBeUndefined();
    expect(lookup(t, [Uint8Array.of(0x78, 0xff), text('y')], 3).get()).toBe('x\xff|y');
  });

  it('keeps keys apart whose hashed bytes are the same (first and last eight, length)', () => {
    const t = new ByteKeyTable<number>();
    const keys = Array.from({ length: 200 }, (_, i) =>
      text(`host-aa.${String(i).padStart(6, '0')}.example.tst`),
    );
    keys.forEach((k, i) => {
      const same = text(`host-aa.XXXXXX.example.tst`);
      expect(k.length).toBe(same.length);
      lookup(t, [k]).add(i);
    });
    keys.forEach((k, i) => {
      expect(lookup(t, [k], i % 7).get()).toBe(i);
    });
    expect(lookup(t, [text('host-aa.XXXXXX.example.tst')]).get()).toBeUndefined();
  });

  it('grows past its first size, and empties itself at maxEntries or maxBytes', () => {
    const t = new ByteKeyTable<number>({ maxEntries: 1024 });
    for (let i = 0; i < 1000; i++) lookup(t, [text(`key-${i}`)]).add(i);
    expect(t.size).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(lookup(t, [text(`key-${i}`)]).get()).toBe(i);
    for (let i = 1000; i < 1100; i++) lookup(t, [text(`key-${i}`)]).add(i);
    expect(t.size).toBe(1100 - 1024);
    expect(lookup(t, [text('key-5')]).get()).toBeUndefined();
    expect(lookup(t, [text('key-1099')]).get()).toBe(1099);

    const small = new ByteKeyTable<number>({ maxBytes: 100 });
    for (let i = 0; i < 10; i++) lookup(small, [text(`0123456789-${i}`)]).add(i);
    expect(small.size).toBeLessThan(10);
    expect(lookup(small, [text('0123456789-9')]).get()).toBe(9);
    lookup(small, [new Uint8Array(200)]).add(-1); // longer than the whole table: not kept
    expect(lookup(small, [new Uint8Array(200)]).get()).toBeUndefined();
  });

  it('behaves like a Map keyed by the parts (property)', () => {
    const part = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null, freq: 5 });
    const key = fc.array(part, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 60 }), fc.nat(9), (keys, offset) => {
        const t = new ByteKeyTable<number>();
        const model = new Map<string, number>();
        const name = (k: ReadonlyArray<Uint8Array | null>) =>
          JSON.stringify(k.map((p) => (p === null ? null : [...p])));
        keys.forEach((k, i) => {
          const l = lookup(t, k, offset);
          expect(l.get()).toBe(model.get(name(k)));
          if (!model.has(name(k))) {
            l.add(i);
            model.set(name(k), i);
          }
        });
        for (const k of keys) expect(lookup(t, k, offset + 1).get()).toBe(model.get(name(k)));
      }),
      { numRuns: 300 },
    );
  });
});
