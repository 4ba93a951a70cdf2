import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows perMinute requests in a burst, then asks to wait until a token is back', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(60, clock);
    for (let i = 0; i < 60; i++) expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBe(1);
    clock.advance(1000);
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBeGreaterThanOrEqual(1);
  });

  it('keeps keys apart and never refills above capacity', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(2, clock);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(30);
    expect(limiter.take('b')).toBe(0);
    clock.advance(3_600_000);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });
});
