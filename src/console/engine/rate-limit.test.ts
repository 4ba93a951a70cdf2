import { describe, expect, it } from 'vitest';
import { WriteRateLimit } from './rate-limit.js';

describe('WriteRateLimit', () => {
  it('is off for 0 or undefined', () => {
    for (const rate of [0, undefined]) {
      const limit = new WriteRateLimit(rate, () => 0);
      for (let i = 0; i < 1000; i++) expect(limit.take(1)).toBe(0);
    }
  });

  it("spends a minute's allowance, then spaces writes evenly", () => {
    let now = 0;
    const limit = new WriteRateLimit(60, () => now);
    for (let i = 0; i < 60; i++) expect(limit.take(1)).toBe(0);
    expect(limit.take(1)).toBe(1000);
    now += 999;
    expect(limit.take(1)).toBe(1);
    now += 1;
    expect(limit.take(1)).toBe(0);
  });

  it('keeps one bucket per provider', () => {
    const limit = new WriteRateLimit(1, () => 0);
    expect(limit.take(1)).toBe(0);
    expect(limit.take(1)).toBe(60_000);
    expect(limit.take(2)).toBe(0);
  });

  it('takes the rate per provider from a function, and a new rate starts a new bucket', () => {
    let rate2 = 2;
    const limit = new WriteRateLimit(
      (id) => (id === 2 ? rate2 : undefined),
      () => 0,
    );
    expect(limit.take(1)).toBe(0);
    expect(limit.take(2)).toBe(0);
    expect(limit.take(2)).toBe(0);
    expect(limit.take(2)).toBe(30_000);
    rate2 = 3;
    expect(limit.take(2)).toBe(0);
  });

  it('refuses a negative rate, naming the provider', () => {
    expect(() =>
      new WriteRateLimit(
        () => -1,
        () => 0,
      ).take(7),
    ).toThrow(/provider 7 must be ≥ 0, got -1/);
  });
});
