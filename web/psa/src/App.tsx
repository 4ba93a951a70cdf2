// The app shell: sign-in when there is no session, otherwise the navigation and the screen the
// URL's fragment names.
import { useTranslation } from 'react-i18next';
import { type SessionGate, useSessionGate } from '../../shared/Shell.js';
import { adminApi, configureApi } from './api.js';
import { Layout } from './components/Layout.js';
import { ERRORS, ErrorMessage, Loading } from './components/ui.js';
import { ApiMemberPage } from './pages/ApiMemberPage.js';
import { ApiMembers } from './pages/ApiMembers.js';
import { Companies } from './pages/Companies.js';
import { Configurations } from './pages/Configurations.js';
import { RoleEditor } from './pages/RoleEditor.js';
import { RoleNew } from './pages/RoleNew.js';
import { SecurityRoles } from './pages/SecurityRoles.js';
import { ServiceBoard } from './pages/ServiceBoard.js';
import { SignIn } from './pages/SignIn.js';
import { TableSetup } from './pages/TableSetup.js';
import { TicketPage } from './pages/TicketPage.js';
import { useRoute } from './router.js';
import { type Session, SessionContext } from './session.js';

/** The session of the server's GET /session, handed to the API client. */
const GATE: SessionGate<Session> = {
  load: () => adminApi.get<Session>('/session'),
  configure: (s, signedOut) => configureApi({ csrf: s.csrfToken, codebase: s.codebase, signedOut }),
  errors: ERRORS,
};

export function App() {
  const { session, error, accept } = useSessionGate(GATE);

  if (error) return <ErrorMessage error={error} />;
  if (session === undefined) return <Loading />;
  if (session === null) return <SignIn onSignedIn={accept} />;
  return (
    <SessionContext.Provider value={session}>
      <Layout onSignedOut={() => accept(null)}>
        <Screen />
      </Layout>
    </SessionContext.Provider>
  );
}

function Screen() {
  const { t } = useTranslation();
  const [area, section, a, b, c] = useRoute();
  if (area === 'system' && section === 'security-roles') {
    if (a === 'new') return <RoleNew />;
    if (a) return <RoleEditor id={Number(a)} />;
    return <SecurityRoles />;
  }
  if (area === 'system' && section === 'members' && a === 'api') {
    if (b === 'new') return <ApiMemberPage id={undefined} tab="details" />;
    if (b) return <ApiMemberPage id={Number(b)} tab={c ?? 'details'} />;
    return <ApiMembers />;
  }
  if (area === 'system' && section === 'table-setup') return <TableSetup />;
  if (area === 'companies' && section === 'configurations') return <Configurations selected={a} />;
  if (area === 'companies') return <Companies selected={section} />;
  if (area === 'service-board' && section === 'tickets' && a) return <TicketPage id={Number(a)} />;
  if (area === 'service-board') return <ServiceBoard />;
  if (area === undefined) return <SecurityRoles />;
  return <p role="alert">{t('app.noSuchPage')}</p>;
}
