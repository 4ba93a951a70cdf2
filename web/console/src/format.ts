// Days counted back from today (UTC); numbers, days and instants in the chosen language come from
// the shared kit.
export { Time, useFormat } from '../../shared/format.js';

/** 'YYYY-MM-DD' of the UTC day `back` days before today. */
export function utcDay(back = 0, now = Date.now()): string {
  return new Date(now - back * 86_400_000).toISOString().slice(0, 10);
}

/** Every UTC day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
