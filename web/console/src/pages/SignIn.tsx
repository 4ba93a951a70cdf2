// Sign-in of a console user (email and password); the server answers with the session.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { ErrorMessage, Field } from '../components/ui.js';
import type { Session } from '../session.js';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api.post<Session>('/session', { email, password }));
    } catch (err) {
      // The two answers a person can act on, in their language; anything else as the server said it.
      if (err instanceof ApiError && err.status === 401) setError(t('signIn.wrong'));
      else if (err instanceof ApiError && err.status === 429)
        setError(t('signIn.locked', { seconds: err.retryAfter ?? 60 }));
      else setError(err);
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <div className="sign-in-top">
        <span className="brand">{t('app.title')}</span>
        <LanguageSwitch />
      </div>
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        <p className="muted">{t('signIn.intro')}</p>
        <Field label={t('signIn.email')} required>
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
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
          <ErrorMessage error={error} />
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
