// The app shell of both UIs: the session asked of the server once at start (sign-in when there is
// none), and the frame of a signed-in screen — skip link, header with the app's name, its navigation,
// the language switch, who is signed in and sign-out, then the screen.
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorReading } from './ui.js';

export interface SessionGate<S> {
  /** The app's GET …/session. */
  load: () => Promise<S>;
  /** Hands the session to the app's API client, with what to do when the server ends it. */
  configure: (session: S, signedOut: () => void) => void;
  errors: ErrorReading;
}

/**
 * The session: undefined while the server is asked, null when nobody is signed in (a 401), with the
 * error of any other answer. `accept` takes a new session (sign-in) or null (sign-out). The gate of
 * the first render is kept: it is the app's constant.
 */
export function useSessionGate<S>(gate: SessionGate<S>): {
  session: S | null | undefined;
  error: unknown;
  accept: (session: S | null) => void;
} {
  const [{ load, configure, errors }] = useState(gate);
  const [session, setSession] = useState<S | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();

  const accept = useCallback(
    (s: S | null) => {
      if (s) configure(s, () => setSession(null));
      setSession(s);
    },
    [configure],
  );

  useEffect(() => {
    load().then(accept, (e: unknown) => {
      if (errors.failureOf(e)?.status === 401) accept(null);
      else setError(e);
    });
  }, [accept, load, errors]);

  return { session, error, accept };
}

/** A signed-in screen's frame; `endSession` is the app's DELETE …/session (its failure is ignored). */
export function Frame({
  nav,
  who,
  languageSwitch,
  endSession,
  onSignedOut,
  children,
}: {
  nav: ReactNode;
  who: ReactNode;
  languageSwitch: ReactNode;
  endSession: () => Promise<unknown>;
  onSignedOut: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const signOut = async () => {
    await endSession().catch(() => undefined);
    onSignedOut();
  };
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        <nav aria-label={t('nav.label')}>{nav}</nav>
        <div className="account">
          {languageSwitch}
          {who}
          <button type="button" onClick={signOut}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
