// Sign-in of a PSA member (member ID and password); the server answers with the session.
import { SignIn as SharedSignIn } from '../../../shared/SignIn.js';
import { adminApi } from '../api.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { ERRORS } from '../components/ui.js';
import type { Session } from '../session.js';

/** A member ID is at most 15 characters, as in ConnectWise. */
const ACCOUNT = { name: 'identifier', labelKey: 'signIn.identifier', maxLength: 15 };

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  return (
    <SharedSignIn
      account={ACCOUNT}
      signIn={(identifier, password) => adminApi.post<Session>('/session', { identifier, password })}
      errors={ERRORS}
      onSignedIn={onSignedIn}
      languageSwitch={<LanguageSwitch />}
    />
  );
}
