// Times in ticket text (CON-7), in the customer's time zone when the rule (or the customer's
// override) names one, else in UTC — always named, so a reader never guesses: "2026-03-10 12:00–16:00
// UTC", "2026-03-10 13:00–17:00 Europe/Berlin". Zones are IANA names, checked with the runtime's own
// time-zone data (Intl), which also gives daylight saving time.

/** The zone named when none is set. */
export const UTC = 'UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    if (formatters.size >= 64) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The IANA name of a time zone as tickets show it, or undefined when the runtime knows no such zone:
 * the name as written, in the runtime's spelling when that differs only in case ('europe/berlin' →
 * 'Europe/Berlin'; 'Asia/Kolkata' stays, though the runtime's own name is 'Asia/Calcutta'), and 'UTC'
 * for its aliases. Offsets like '+02:00' are refused: they ignore daylight saving time, and a ticket
 * read in summer would be an hour off.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.trim() !== name || name === '' || name.length > 64 || /^[+-]/.test(name)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  if (['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT'].includes(resolved)) return UTC;
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

interface LocalTime {
  date: string;
  hm: string;
  hms: string;
}

function local(ms: number, zone: string): LocalTime | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const hm = `${parts.hour}:${parts.minute}`;
  return { date, hm, hms: `${hm}:${parts.second}` };
}

/** "2026-03-10 13:04:05 Europe/Berlin" (seconds shown: first and last requests). */
export function formatZonedInstant(ms: number, zone: string | null): string {
  const z = zone ?? UTC;
  const t = local(ms, z);
  return t ? `${t.date} ${t.hms} ${z}` : 'unknown';
}

/** "2026-03-10 13:00 Europe/Berlin" (minutes: window bounds). */
export function formatZonedMinute(ms: number, zone: string | null): string {
  const z = zone ?? UTC;
  const t = local(ms, z);
  return t ? `${t.date} ${t.hm} ${z}` : 'unknown';
}

/**
 * A window [start, end) on one line: "2026-03-10 12:00–16:00 UTC" when it ends on the day it starts
 * (a window ending at midnight ends at 24:00 of its day), else both dates: "2026-03-10 22:00 –
 * 2026-03-11 02:00 Europe/Berlin".
 */
export function formatZonedWindow(start: number, end: number, zone: string | null): string {
  const z = zone ?? UTC;
  const a = local(start, z);
  const b = local(end, z);
  if (!a || !b) return 'unknown';
  if (b.date === a.date) return `${a.date} ${a.hm}–${b.hm} ${z}`;
  // The end is exclusive: a window that ends at the next local midnight ends at 24:00 of its day.
  const beforeEnd = local(end - 1, z);
  if (b.hms === '00:00:00' && beforeEnd?.date === a.date) return `${a.date} ${a.hm}–24:00 ${z}`;
  return `${a.date} ${a.hm} – ${b.date} ${b.hm} ${z}`;
}
