// Small building blocks shared by the screens (the kit in web/shared, with failed requests read from
// this UI's ApiError), plus the console's own: the read-only notice, state badges and sections.
import { type ReactNode, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { type ErrorReading, ErrorMessage as SharedErrorMessage } from '../../../shared/ui.js';
import { ApiError } from '../api.js';
import { useIsAdmin } from '../session.js';

export { Empty, Field, Loading, PageHeader, Success, Table } from '../../../shared/ui.js';

/** The console's errors as the kit reads them (their issues name the field `path`), and its own
 * answers: a conflicting change and an unreachable PSA. */
export const ERRORS: ErrorReading = {
  failureOf: (error) =>
    error instanceof ApiError
      ? {
          status: error.status,
          message: error.message,
          key: error.key,
          params: error.params,
          issues: error.issues.map((i) => ({
            field: i.path,
            message: i.message,
            key: i.key,
            params: i.params,
          })),
          retryAfter: error.retryAfter,
        }
      : undefined,
  summaries: { 409: 'errors.conflict', 502: 'errors.psaUnavailable' },
  // The things a message names ('customer', 'ticket rule' …) in the reader's words.
  useLocalizeParam: () => {
    const { t } = useTranslation();
    return (name, value) =>
      name === 'what' ? t(`serverErrors.things.${String(value)}`, { defaultValue: String(value) }) : value;
  },
};

/** A failed request: a translated summary, then the server's own words and the fields it named. */
export function ErrorMessage({ error }: { error: unknown }) {
  return <SharedErrorMessage error={error} reading={ERRORS} />;
}

/** Said once on every screen with settings when the user's role is read-only. */
export function ReadOnlyNotice() {
  const { t } = useTranslation();
  if (useIsAdmin()) return null;
  return <p className="message info">{t('app.readOnly')}</p>;
}

const MAPPING_TONE = { mapped: 'ok', unmapped: 'warn', missing: 'bad' } as const;

export function MappingBadge({ state }: { state: 'unmapped' | 'mapped' | 'missing' }) {
  const { t } = useTranslation();
  return <span className={`badge ${MAPPING_TONE[state]}`}>{t(`mapping.state.${state}`)}</span>;
}

/** A section with its own heading, named for assistive technology by that heading. */
export function Section({
  title,
  children,
  className,
}: {
  title: string;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id} className={className ?? 'panel'}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
