// Small building blocks of both UIs' screens: messages, errors, labelled fields, page headings,
// tables. They know nothing of either app's API client: a failed request comes with what the app's
// own error class says of it (see RequestFailure).
import { cloneElement, type ReactElement, type ReactNode, useId } from 'react';
import { useTranslation } from 'react-i18next';

/** A server message's stable key and parameters (see MESSAGES in each server's errors.ts). */
export interface Keyed {
  key?: string | undefined;
  params?: Readonly<Record<string, string | number>> | undefined;
}

/** What the kit reads of a failed request, whichever app's API client threw it. */
export interface RequestFailure extends Keyed {
  status: number;
  /** The server's own (English) words. */
  message: string;
  /** The fields the server named ('' for none), each with its message. */
  issues: ReadonlyArray<{ field: string; message: string } & Keyed>;
  /** Seconds from Retry-After (a lock-out or a rate limit). */
  retryAfter?: number | undefined;
}

/** The summary key of each status both UIs explain; an app adds its own (the console's 409 and 502). */
const SUMMARIES: Readonly<Record<number, string>> = {
  400: 'errors.invalid',
  403: 'errors.forbidden',
  404: 'errors.notFound',
};

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t('app.loading')}
    </p>
  );
}

/** How an app's errors read: its API errors as RequestFailures, and summaries of its own statuses. */
export interface ErrorReading {
  failureOf: (error: unknown) => RequestFailure | undefined;
  /** Summary keys by status beyond the shared ones. */
  summaries?: Readonly<Record<number, string>>;
  /** A parameter's value in the reader's words (a function id → its name …); the value as it is if none. */
  useLocalizeParam?: () => (name: string, value: string | number) => string | number;
}

const sameValue = (_name: string, value: string | number) => value;
const noLocalizer = () => sameValue;

/**
 * A server message in the reader's language: `serverErrors.<key>` of the app's catalogue with the
 * parameters (each in the reader's words), or the server's English words for a key the catalogue
 * lacks or a message without one.
 */
export function useServerText(reading: ErrorReading) {
  const { t } = useTranslation();
  const localize = (reading.useLocalizeParam ?? noLocalizer)();
  return (m: Keyed & { message: string }): string => {
    if (!m.key) return m.message;
    const params: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(m.params ?? {})) params[name] = localize(name, value);
    return t(`serverErrors.${m.key}`, { ...params, defaultValue: m.message });
  };
}

/** A failed request: a translated summary, then the server's message and the fields it named. */
export function ErrorMessage({ error, reading }: { error: unknown; reading: ErrorReading }) {
  const { t } = useTranslation();
  const text = useServerText(reading);
  if (!error) return null;
  const failure = reading.failureOf(error);
  const key = failure && (reading.summaries?.[failure.status] ?? SUMMARIES[failure.status]);
  return (
    <div className="message error" role="alert">
      <strong>{t(key ?? 'errors.failed')}</strong>{' '}
      {failure ? text(failure) : error instanceof Error ? error.message : String(error)}
      {failure && failure.issues.length > 0 && (
        <ul>
          {failure.issues.map((i) => (
            <li key={`${i.field}:${i.message}`}>
              {/* A keyed message says what it is about; an unkeyed one is prefixed by its field. */}
              {i.field && !i.key ? `${i.field}: ` : ''}
              {text(i)}
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
  required,
  hint,
  children,
}: {
  label: string;
  required?: boolean;
  hint?: string | undefined;
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
