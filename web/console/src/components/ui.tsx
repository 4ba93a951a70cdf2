// Small building blocks shared by the screens: messages, errors, labelled fields, page headings,
// tables that scroll on a narrow screen, the read-only notice and state badges.
import { cloneElement, type ReactElement, type ReactNode, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.js';
import { useIsAdmin } from '../session.js';

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t('app.loading')}
    </p>
  );
}

/** A failed request: a translated summary, then the server's own words and the fields it named. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const summary =
    api?.status === 403
      ? t('errors.forbidden')
      : api?.status === 400
        ? t('errors.invalid')
        : api?.status === 404
          ? t('errors.notFound')
          : api?.status === 409
            ? t('errors.conflict')
            : api?.status === 502
              ? t('errors.psaUnavailable')
              : t('errors.failed');
  return (
    <div className="message error" role="alert">
      <strong>{summary}</strong> {error instanceof Error ? error.message : String(error)}
      {api && api.issues.length > 0 && (
        <ul>
          {api.issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              {i.path ? `${i.path}: ` : ''}
              {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Success({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <p className="message success" role="status">
      ✓ {text}
    </p>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="toolbar">{children}</div>}
    </div>
  );
}

/**
 * A control with its visible label, tied by id (not by nesting, which would put the control's own
 * value into its accessible name); an optional hint is tied with aria-describedby.
 */
export function Field({
  label,
  hint,
  required,
  children,
}: {
  label: string;
  hint?: string | undefined;
  required?: boolean;
  children: ReactElement<{ id?: string; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required && <span aria-hidden="true">*</span>}
      </label>
      {cloneElement(children, { id, ...(hint ? { 'aria-describedby': hintId } : {}) })}
      {hint && (
        <span id={hintId} className="hint muted">
          {hint}
        </span>
      )}
    </div>
  );
}

/** A table that scrolls sideways on a narrow screen instead of breaking the layout. */
export function Table({ caption, children }: { caption: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

export function Empty({ text }: { text: string }) {
  return <p className="muted">{text}</p>;
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
