// Time windows of aggregation (CON-6) and ticketing (CON-7). Like Umbrella's four-hour blocks
// (00:00–04:00, 04:00–08:00, … UTC), a window of L minutes starts at a multiple of L counted from
// midnight UTC, so every day is cut the same way and windows never straddle midnight:
//   * L divides 1440 (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 30, 32, 36, 40, 45, 48, 60,
//     72, 80, 90, 96, 120, 144, 160, 180, 240, 288, 360, 480, 720, 1440): windows tile each UTC day;
//   * L is a multiple of 1440 (2, 3, 7, … days): windows are whole UTC days, grouped from the epoch
//     (1970-01-01, a Thursday), so a 7-day window runs Thursday to Wednesday.
// Any other length (e.g. 7 hours = 420) would start at a different time of day each day, and is
// refused. Windows are half-open: [start, end); an event at exactly 04:00:00.000 belongs to the
// window that starts at 04:00.

export const MINUTE_MS = 60_000;
export const DAY_MINUTES = 1440;
export const DAY_MS = DAY_MINUTES * MINUTE_MS;
/** Umbrella's blocks. */
export const DEFAULT_WINDOW_MINUTES = 240;

/** Largest timestamp a Date accepts, in either direction. */
const MAX_TIME_MS = 8.64e15;

export interface TimeWindow {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive: start + length. */
  end: number;
}

/** Why a window length is refused, in words an administrator understands; undefined when it is valid. */
export function windowLengthProblem(lengthMinutes: number): string | undefined {
  if (!Number.isSafeInteger(lengthMinutes) || lengthMinutes <= 0) {
    return `A window length must be a positive whole number of minutes (got ${String(lengthMinutes)}).`;
  }
  if (DAY_MINUTES % lengthMinutes !== 0 && lengthMinutes % DAY_MINUTES !== 0) {
    return (
      `A window of ${lengthMinutes} minutes would start at a different time each day: ` +
      'windows are aligned to midnight UTC, so the length must divide 1440 (a day), ' +
      'e.g. 60, 120, 240 or 720, or be a whole number of days, e.g. 1440 or 2880.'
    );
  }
  if (lengthMinutes * MINUTE_MS > MAX_TIME_MS) {
    return `A window of ${lengthMinutes} minutes is longer than any date range.`;
  }
  return undefined;
}

/** Throws a RangeError explaining why, unless lengthMinutes is a valid window length. */
export function assertWindowMinutes(lengthMinutes: number): void {
  const problem = windowLengthProblem(lengthMinutes);
  if (problem !== undefined) throw new RangeError(problem);
}

function assertTimestamp(ts: number): void {
  if (!Number.isFinite(ts) || Math.abs(ts) > MAX_TIME_MS) {
    throw new RangeError(`Not a timestamp in epoch milliseconds: ${String(ts)}`);
  }
}

/** Start of the window of `lengthMs` that holds ts; no validation (hot path of the accumulator). */
export function windowStartMs(ts: number, lengthMs: number): number {
  return Math.floor(ts / lengthMs) * lengthMs;
}

/** The window of `lengthMinutes` (validated) that holds ts. */
export function windowOf(ts: number, lengthMinutes: number): TimeWindow {
  assertWindowMinutes(lengthMinutes);
  assertTimestamp(ts);
  const lengthMs = lengthMinutes * MINUTE_MS;
  const start = windowStartMs(ts, lengthMs);
  return { start, end: start + lengthMs };
}

/** The UTC day of ts, 'YYYY-MM-DD' (years 0000–9999). */
export function dayOf(ts: number): string {
  assertTimestamp(ts);
  const iso = new Date(ts).toISOString();
  if (iso.length !== 24) throw new RangeError(`Timestamp outside years 0000–9999: ${ts}`);
  return iso.slice(0, 10);
}

/** Midnight UTC (epoch ms) of a 'YYYY-MM-DD' day; the inverse of dayOf. */
export function dayStart(day: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : Number.NaN;
  if (Number.isNaN(ms) || dayOf(ms) !== day) throw new RangeError(`Not a day (YYYY-MM-DD): ${day}`);
  return ms;
}
