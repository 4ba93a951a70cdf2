import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cwDate } from './clock.js';

describe('cwDate', () => {
  it('formats every instant like toISOString without the milliseconds, in any order of calls', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -8.64e15, max: 8.64e15 }), { minLength: 1 }), (times) => {
        for (const t of times) {
          const d = new Date(t);
          expect(cwDate(d)).toBe(d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
        }
      }),
    );
  });

  it('gives one text for every instant of a second, and another for the next second', () => {
    expect(cwDate(new Date('2026-03-02T10:00:00.000Z'))).toBe('2026-03-02T10:00:00Z');
    expect(cwDate(new Date('2026-03-02T10:00:00.999Z'))).toBe('2026-03-02T10:00:00Z');
    expect(cwDate(new Date('2026-03-02T10:00:01.000Z'))).toBe('2026-03-02T10:00:01Z');
    expect(cwDate(new Date('1969-12-31T23:59:59.500Z'))).toBe('1969-12-31T23:59:59Z');
  });

  it('still refuses an invalid date', () => {
    expect(() => cwDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});
