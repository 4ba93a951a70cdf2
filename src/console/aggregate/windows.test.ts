import { describe, expect, it } from 'vitest';
import { assertWindowMinutes, dayOf, dayStart, windowLengthProblem, windowOf } from './windows.js';

const t = (iso: string) => Date.parse(iso);

describe('windowOf', () => {
  it.each([
    // [event time, minutes, window start, window end]
    ['2026-03-10T00:00:00.000Z', 240, '2026-03-10T00:00:00.000Z', '2026-03-10T04:00:00.000Z'],
    ['2026-03-10T03:59:59.999Z', 240, '2026-03-10T00:00:00.000Z', '2026-03-10T04:00:00.000Z'],
    ['2026-03-10T04:00:00.000Z', 240, '2026-03-10T04:00:00.000Z', '2026-03-10T08:00:00.000Z'],
    ['2026-03-10T04:00:00.001Z', 240, '2026-03-10T04:00:00.000Z', '2026-03-10T08:00:00.000Z'],
    ['2026-03-10T21:17:00.000Z', 240, '2026-03-10T20:00:00.000Z', '2026-03-11T00:00:00.000Z'],
    ['2026-03-10T23:59:59.999Z', 240, '2026-03-10T20:00:00.000Z', '2026-03-11T00:00:00.000Z'],
    ['2026-03-11T00:00:00.000Z', 240, '2026-03-11T00:00:00.000Z', '2026-03-11T04:00:00.000Z'],
    ['2026-03-10T13:00:00.000Z', 60, '2026-03-10T13:00:00.000Z', '2026-03-10T14:00:00.000Z'],
    ['2026-03-10T13:59:59.999Z', 60, '2026-03-10T13:00:00.000Z', '2026-03-10T14:00:00.000Z'],
    ['2026-03-10T13:45:00.000Z', 15, '2026-03-10T13:45:00.000Z', '2026-03-10T14:00:00.000Z'],
    ['2026-03-10T00:00:00.000Z', 1440, '2026-03-10T00:00:00.000Z', '2026-03-11T00:00:00.000Z'],
    ['2026-03-10T23:59:59.999Z', 1440, '2026-03-10T00:00:00.000Z', '2026-03-11T00:00:00.000Z'],
    ['2026-03-10T11:00:00.000Z', 720, '2026-03-10T00:00:00.000Z', '2026-03-10T12:00:00.000Z'],
    ['2026-03-10T12:00:00.000Z', 720, '2026-03-10T12:00:00.000Z', '2026-03-11T00:00:00.000Z'],
    // A 7-day window counts whole UTC days from the epoch: Thursday 2026-03-05 to Thursday 2026-03-12.
    ['2026-03-10T09:00:00.000Z', 10080, '2026-03-05T00:00:00.000Z', '2026-03-12T00:00:00.000Z'],
    ['2026-03-10T09:00:00.000Z', 2880, '2026-03-10T00:00:00.000Z', '2026-03-12T00:00:00.000Z'],
    ['1969-12-31T23:00:00.000Z', 240, '1969-12-31T20:00:00.000Z', '1970-01-01T00:00:00.000Z'],
  ] as const)('%s in %i-minute windows is [%s, %s)', (ts, minutes, start, end) => {
    expect(windowOf(t(ts), minutes)).toEqual({ start: t(start), end: t(end) });
  });

  it('windows of every valid length tile each day from midnight UTC', () => {
    const midnight = t('2026-07-01T00:00:00.000Z');
    for (let minutes = 1; minutes <= 1440; minutes++) {
      if (1440 % minutes !== 0) continue;
      let start = midnight;
      for (let i = 0; i < 1440 / minutes; i++) {
        const w = windowOf(start + 1, minutes);
        expect(w).toEqual({ start, end: start + minutes * 60_000 });
        start = w.end;
      }
      expect(start).toBe(midnight + 86_400_000);
    }
  });

  it.each([
    [0, /positive whole number/],
    [-240, /positive whole number/],
    [1.5, /positive whole number/],
    [Number.NaN, /positive whole number/],
    [7, /different time each day.*divide 1440/],
    [420, /different time each day/],
    [1000, /different time each day/],
    [2000, /whole number of days/],
  ])('refuses a %s-minute window and says why', (minutes, why) => {
    expect(windowLengthProblem(minutes)).toMatch(why);
    expect(() => windowOf(0, minutes)).toThrow(RangeError);
    expect(() => assertWindowMinutes(minutes)).toThrow(why);
  });

  it.each([1, 5, 60, 240, 1440, 2880])('accepts %i minutes', (minutes) => {
    expect(windowLengthProblem(minutes)).toBeUndefined();
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 9e15])('refuses the timestamp %s', (ts) => {
    expect(() => windowOf(ts, 240)).toThrow(/timestamp/);
  });
});

describe('dayOf / dayStart', () => {
  it.each([
    ['2026-03-10T00:00:00.000Z', '2026-03-10'],
    ['2026-03-10T23:59:59.999Z', '2026-03-10'],
    ['2026-03-11T00:00:00.000Z', '2026-03-11'],
    ['2024-02-29T12:00:00.000Z', '2024-02-29'],
    ['1970-01-01T00:00:00.000Z', '1970-01-01'],
  ])('%s is on %s (UTC), which starts at midnight UTC', (ts, day) => {
    expect(dayOf(t(ts))).toBe(day);
    expect(dayStart(day)).toBe(t(`${day}T00:00:00.000Z`));
    expect(windowOf(t(ts), 1440).start).toBe(dayStart(day));
  });

  it('follows UTC, not local time', () => {
    // 23:30 in New York on 10 March is 03:30 UTC on 11 March.
    expect(dayOf(t('2026-03-10T23:30:00.000-04:00'))).toBe('2026-03-11');
  });

  it.each(['2026-02-30', '2026-3-10', '10/03/2026', ''])('dayStart refuses %j', (day) => {
    expect(() => dayStart(day)).toThrow(RangeError);
  });

  it('refuses timestamps without a four-digit year', () => {
    expect(() => dayOf(t('+010000-01-01T00:00:00.000Z'))).toThrow(/0000–9999/);
    expect(() => dayOf(Number.NaN)).toThrow(/timestamp/);
  });
});
