import { describe, expect, it } from 'vitest';
import { dailyAt, every } from './scheduler.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();

describe('dailyAt', () => {
  it('is the next occurrence strictly after the given instant, in UTC', () => {
    const next = dailyAt('02:30');
    expect(iso(next(at('2026-03-02T01:00:00Z')))).toBe('2026-03-02T02:30:00.000Z');
    expect(iso(next(at('2026-03-02T02:30:00Z')))).toBe('2026-03-03T02:30:00.000Z');
    expect(iso(next(at('2026-03-02T02:29:59.999Z')))).toBe('2026-03-02T02:30:00.000Z');
    expect(iso(next(at('2026-12-31T23:00:00Z')))).toBe('2027-01-01T02:30:00.000Z');
    expect(iso(dailyAt('00:00')(at('2026-03-02T00:00:00Z')))).toBe('2026-03-03T00:00:00.000Z');
    expect(iso(dailyAt('23:59')(at('2026-02-28T23:59:30Z')))).toBe('2026-03-01T23:59:00.000Z');
  });

  it('refuses a time that is not HH:MM, naming it', () => {
    for (const bad of ['2:30', '24:00', '12:60', '12:30:00', ' 12:30', ''])
      expect(() => dailyAt(bad)).toThrow(`expected a UTC time as HH:MM (00:00 to 23:59), got '${bad}'`);
  });
});

describe('every', () => {
  it('adds the interval', () => {
    expect(every(60_000)(1_000)).toBe(61_000);
  });

  it('refuses a non-positive interval', () => {
    expect(() => every(0)).toThrow(/intervalMs must be a positive integer, got 0/);
  });
});
