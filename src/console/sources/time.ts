// UTC timestamps without Date's leniency: 2024-02-30 is refused, not rolled over into March.

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (no validation). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Epoch ms of a UTC date and time, or NaN when any part is impossible. Years 1970–9999. */
export function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number {
  if (!(y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1)) return Number.NaN;
  if (d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59 || ms > 999) return Number.NaN;
  if (h < 0 || mi < 0 || s < 0 || ms < 0) return Number.NaN;
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -10_000; // poisons any sum it enters
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

let lastDayKey = -1;
let lastDayMs = 0;

/**
 * Parses `YYYY-MM-DD HH:MM:SS` (a 'T' instead of the space, a fraction of a second and a final 'Z' are
 * also accepted) between `start` and `end` of `s`, as UTC. NaN when malformed or impossible.
 */
export function parseUtcDateTime(s: string, start = 0, end = s.length): number {
  let n = end - start;
  if (n < 19) return Number.NaN;
  const i = start;
  if (s.charCodeAt(end - 1) === 90 /* Z */) n--;
  const y = digit(s, i) * 1000 + digit(s, i + 1) * 100 + two(s, i + 2);
  const mo = two(s, i + 5);
  const d = two(s, i + 8);
  const sep = s.charCodeAt(i + 10);
  if (s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45 || (sep !== 32 && sep !== 84))
    return Number.NaN;
  if (s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58) return Number.NaN;
  const h = two(s, i + 11);
  const mi = two(s, i + 14);
  const sec = two(s, i + 17);
  let ms = 0;
  if (n > 19) {
    if (s.charCodeAt(i + 19) !== 46 || n === 20 || n > 29) return Number.NaN; // '.' then 1–9 digits
    let scale = 100;
    for (let k = i + 20; k < i + n; k++) {
      const dg = digit(s, k);
      if (dg < 0) return Number.NaN;
      ms += dg * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return Number.NaN;
  const key = y * 10_000 + mo * 100 + d;
  let dayMs: number;
  if (key === lastDayKey) dayMs = lastDayMs;
  else {
    dayMs = utcMs(y, mo, d, 0, 0, 0);
    if (Number.isNaN(dayMs)) return Number.NaN;
    lastDayKey = key;
    lastDayMs = dayMs;
  }
  return dayMs + ((h * 60 + mi) * 60 + sec) * 1000 + ms;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 date-time WITH a zone ('Z' or ±hh:mm), as epoch ms; NaN when malformed or impossible. */
export function parseIsoDateTime(s: string): number {
  const m = ISO.exec(s);
  if (!m) return Number.NaN;
  const frac = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const base = utcMs(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    m[6] ? Number(m[6]) : 0,
    frac,
  );
  if (Number.isNaN(base)) return base;
  const zone = m[8]!;
  if (zone === 'Z' || zone === 'z') return base;
  const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
  const digits = zone.replace(':', '');
  const oh = Number(digits.slice(1, 3));
  const om = Number(digits.slice(3, 5));
  if (oh > 23 || om > 59) return Number.NaN;
  return base - sign * (oh * 60 + om) * 60_000;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS` of an epoch-ms instant, in UTC (milliseconds dropped), as Umbrella writes it. */
export function formatUtcDateTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  );
}
