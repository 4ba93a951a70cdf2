// The sign-in form of both UIs: an account field (the PSA's member ID, the console's email) and a
// password; the app's own call answers with its session.
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, type ErrorReading, Field } from './ui.js';

/** The account field: its form name, the key of its label, and what the input accepts. */
export interface AccountField {
  name: string;
  labelKey: string;
  type?: 'email' | undefined;
  maxLength?: number | undefined;
}

export function SignIn<S>({
  account,
  signIn,
  errors,
  onSignedIn,
  languageSwitch,
}: {
  account: AccountField;
  /** The app's call that opens a session (POST …/session). */
  signIn: (account: string, password: string) => Promise<S>;
  errors: ErrorReading;
  onSignedIn: (session: S) => void;
  languageSwitch: ReactNode;
}) {
  const { t } = useTranslation();
  const [accountValue, setAccountValue] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(accountValue, password));
    } catch (err) {
      // The two answers a person can act on, in their language; anything else as the server said it.
      const failure = errors.failureOf(err);
      if (failure?.status === 401) setError(t('signIn.wrong'));
      else if (failure?.status === 429) setError(t('signIn.locked', { seconds: failure.retryAfter ?? 60 }));
      else setError(err);
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <div className="sign-in-top">
        <span className="brand">{t('app.title')}</span>
        {languageSwitch}
      </div>
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        <p className="muted">{t('signIn.intro')}</p>
        <Field label={t(account.labelKey)} required>
          <input
            name={account.name}
            type={account.type}
            autoComplete="username"
            required
            maxLength={account.maxLength}
            value={accountValue}
            onChange={(e) => setAccountValue(e.target.value)}
          />
        </Field>
        <Field label={t('signIn.password')} required>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        {typeof error === 'string' ? (
          <p className="message error" role="alert">
            {error}
          </p>
        ) : (
          <ErrorMessage error={error} reading={errors} />
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
