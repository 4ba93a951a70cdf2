// Sign-in of a console user (email and password); the server answers with the session.
import { SignIn as SharedSignIn } from '../../../shared/SignIn.js';
import { api } from '../api.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { ERRORS } from '../components/ui.js';
import type { Session } from '../session.js';

const ACCOUNT = { name: 'email', labelKey: 'signIn.email', type: 'email' } as const;

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  return (
    <SharedSignIn
      account={ACCOUNT}
      signIn={(email, password) => api.post<Session>('/session', { email, password })}
      errors={ERRORS}
      onSignedIn={onSignedIn}
      languageSwitch={<LanguageSwitch />}
    />
  );
}
