import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS, retryDelay } from './backoff.js';

const top = () => 0.999_999;
const bottom = () => 0;

describe('retryDelay', () => {
  it('doubles the ceiling per attempt from 1 s', () => {
    expect(retryDelay(1, top)).toBe(999);
    expect(retryDelay(2, top)).toBe(1_999);
    expect(retryDelay(3, top)).toBe(3_999);
    expect(retryDelay(9, top)).toBe(255_999);
  });

  it('never exceeds five minutes, however many attempts', () => {
    expect(retryDelay(10, top)).toBe(BACKOFF_CAP_MS - 1);
    expect(retryDelay(25, top)).toBe(BACKOFF_CAP_MS - 1);
    expect(retryDelay(10_000, top)).toBe(BACKOFF_CAP_MS - 1);
  });

  it('jitters over the whole range (full jitter)', () => {
    expect(retryDelay(5, bottom)).toBe(0);
    expect(retryDelay(5, () => 0.5)).toBe(8_000);
  });

  it('honours Retry-After with at most 10% added', () => {
    expect(retryDelay(1, bottom, 30_000)).toBe(30_000);
    expect(retryDelay(1, top, 30_000)).toBe(32_999);
    // Retry-After wins over the backoff even when it is shorter.
    expect(retryDelay(12, bottom, 2_000)).toBe(2_000);
    expect(retryDelay(1, bottom, 0)).toBe(0);
  });

  it('caps Retry-After at one hour', () => {
    expect(retryDelay(1, bottom, 24 * 3_600_000)).toBe(RETRY_AFTER_CAP_MS);
    expect(retryDelay(1, top, RETRY_AFTER_CAP_MS - 1)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('ignores a Retry-After that is not a duration', () => {
    expect(retryDelay(2, top, Number.NaN)).toBe(1_999);
    expect(retryDelay(2, top, -5)).toBe(1_999);
  });

  it('refuses an attempt count below 1', () => {
    expect(() => retryDelay(0, top)).toThrow(/attempts must be an integer ≥ 1, got 0/);
  });
});
