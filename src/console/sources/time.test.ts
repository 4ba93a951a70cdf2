// UTC timestamps without Date's leniency, and DNS type/rcode names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIpLike, normalizeQueryType, queryTypeNumber, responseCodeName, umbrellaQueryType } from './dns.js';
import { formatUtcDateTime, parseIsoDateTime, parseUtcDateTime, utcMs } from './time.js';

describe('parseUtcDateTime', () => {
  it.each([
    ['2026-02-03 04:05:06', Date.UTC(2026, 1, 3, 4, 5, 6)],
    ['1970-01-01 00:00:00', 0],
    ['2024-02-29 12:00:00', Date.UTC(2024, 1, 29, 12)],
    ['2000-02-29 12:00:00', Date.UTC(2000, 1, 29, 12)],
    ['2025-05-23 05:20:24.085', Date.UTC(2025, 4, 23, 5, 20, 24, 85)],
    ['2025-05-23 05:20:24.1', Date.UTC(2025, 4, 23, 5, 20, 24, 100)],
    ['2025-05-23 05:20:24.123456789', Date.UTC(2025, 4, 23, 5, 20, 24, 123)],
    ['2025-05-23T05:20:24Z', Date.UTC(2025, 4, 23, 5, 20, 24)],
    ['9999-12-31 23:59:59', Date.UTC(9999, 11, 31, 23, 59, 59)],
  ])('%s', (text, ms) => {
    expect(parseUtcDateTime(text)).toBe(ms);
  });

  it.each([
    '2024-13-01 00:00:00',
    '2024-00-01 00:00:00',
    '2023-02-29 00:00:00',
    '1900-02-29 00:00:00',
    '2024-04-31 00:00:00',
    '2024-01-00 00:00:00',
    '2024-01-01 24:00:00',
    '2024-01-01 23:60:00',
    '2024-01-01 23:59:60',
    '1969-12-31 23:59:59',
    '2024-1-01 00:00:00',
    '2024/01/01 00:00:00',
    '2024-01-01  0:00:00',
    '2024-01-01 00:00:00.',
    '2024-01-01 00:00:00.1234567890',
    '2024-01-01 00:00:00+02:00',
    '2024-01-01 0a:00:00',
    '',
    'Timestamp',
  ])('refuses %j', (text) => {
    expect(parseUtcDateTime(text)).toBeNaN();
  });

  it('agrees with Date.UTC on every valid second, and formatUtcDateTime writes it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (seconds) => {
        const ms = seconds * 1000;
        const text = formatUtcDateTime(ms);
        expect(parseUtcDateTime(text)).toBe(ms);
        expect(parseUtcDateTime(`xx${text}yy`, 2, 2 + text.length)).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });

  it('utcMs refuses impossible parts', () => {
    expect(utcMs(2024, 2, 30, 0, 0, 0)).toBeNaN();
    expect(utcMs(2024, 2, 29, 0, 0, 0, 1000)).toBeNaN();
    expect(utcMs(2024, 2, 29, -1, 0, 0)).toBeNaN();
  });
});

describe('parseIsoDateTime', () => {
  it.each([
    ['2026-01-05T10:00:00Z', Date.UTC(2026, 0, 5, 10)],
    ['2026-01-05T12:00:00+02:00', Date.UTC(2026, 0, 5, 10)],
    ['2026-01-05T05:30:00-0430', Date.UTC(2026, 0, 5, 10)],
    ['2026-01-05T10:00Z', Date.UTC(2026, 0, 5, 10)],
    ['2026-01-05 10:00:00.250z', Date.UTC(2026, 0, 5, 10, 0, 0, 250)],
  ])('%s', (text, ms) => {
    expect(parseIsoDateTime(text)).toBe(ms);
  });

  it.each([
    '2026-01-05T10:00:00',
    '2026-02-30T10:00:00Z',
    '2026-01-05T10:00:00+25:00',
    'yesterday',
    '1767607200000',
  ])('refuses %j (no zone, impossible, not ISO)', (text) => {
    expect(parseIsoDateTime(text)).toBeNaN();
  });
});

describe('DNS names', () => {
  it('normalizes query types', () => {
    expect(normalizeQueryType('1 (A)')).toBe('A');
    expect(normalizeQueryType('28 (AAAA)')).toBe('AAAA');
    expect(normalizeQueryType('28')).toBe('AAAA');
    expect(normalizeQueryType(' https ')).toBe('HTTPS');
    expect(normalizeQueryType('65536')).toBeNull();
    expect(normalizeQueryType('A B')).toBeNull();
    expect(normalizeQueryType('')).toBeNull();
    expect(queryTypeNumber('TYPE4242')).toBe(4242);
    expect(umbrellaQueryType('aaaa')).toBe('28 (AAAA)');
    expect(umbrellaQueryType('WEIRD')).toBe('WEIRD');
  });

  it('names response codes', () => {
    expect(responseCodeName(0)).toBe('NOERROR');
    expect(responseCodeName(3)).toBe('NXDOMAIN');
    expect(responseCodeName(5)).toBe('REFUSED');
    expect(responseCodeName(42)).toBe('RCODE42');
  });

  it.each([
    ['10.0.0.1', true],
    ['2001:db8::1', true],
    ['::ffff:192.0.2.1', true],
    ['fe80::1%eth0', true],
    ['', false],
    ['host.example', false],
    ['1234', false],
    ['fe80::1%', false],
    ['10.0.0.1 ', false],
  ])('isIpLike(%j) = %s', (text, expected) => {
    expect(isIpLike(text)).toBe(expected);
  });
});
