// Small building blocks shared by the screens: messages, errors, labelled fields, page headings.
import { cloneElement, type ReactElement, type ReactNode, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.js';

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
          : t('errors.failed');
  return (
    <div className="message error" role="alert">
      <strong>{summary}</strong> {error instanceof Error ? error.message : String(error)}
      {api && api.issues.length > 0 && (
        <ul>
          {api.issues.map((i) => (
            <li key={`${i.field}:${i.message}`}>
              {i.field ? `${i.field}: ` : ''}
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
 * value into its accessible name).
 */
export function Field({
  label,
  required,
  children,
}: {
  label: string;
  required?: boolean;
  children: ReactElement<{ id?: string }>;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required && <span aria-hidden="true">*</span>}
      </label>
      {cloneElement(children, { id })}
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
