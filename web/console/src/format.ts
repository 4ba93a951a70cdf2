// Numbers, days and instants in the chosen language (Intl), and days counted back from today (UTC).
import { useTranslation } from 'react-i18next';

export function useFormat() {
  const { i18n } = useTranslation();
  const lang = i18n.language;
  const number = new Intl.NumberFormat(lang);
  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const dayFormat = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return {
    number: (n: number) => number.format(n),
    /** An instant (ISO 8601), in the browser's time zone; '—' when there is none. */
    when: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—'),
    /** A UTC day 'YYYY-MM-DD', short ("4 Dec"). */
    day: (day: string) => dayFormat.format(new Date(`${day}T00:00:00Z`)),
  };
}

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
