// Numbers, days and instants in the reader's language and time zone (Intl), for both UIs: an instant
// is shown as the reader reads dates ("07.12.2026, 19:04"), with the exact value on hover.
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

/** An instant in the reader's format and time zone; the exact value (ISO 8601, UTC) on hover. */
export function Time({ value }: { value: string | null | undefined }) {
  const { when } = useFormat();
  if (!value || Number.isNaN(Date.parse(value))) return <>{value || '—'}</>;
  return (
    <time dateTime={value} title={value}>
      {when(value)}
    </time>
  );
}
