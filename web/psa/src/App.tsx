// The app shell: sign-in when there is no session, otherwise the navigation and the screen the
// URL's fragment names.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, adminApi, configureApi } from './api.js';
import { Layout } from './components/Layout.js';
import { ErrorMessage, Loading } from './components/ui.js';
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

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();

  const accept = useCallback((s: Session | null) => {
    if (s) configureApi({ csrf: s.csrfToken, codebase: s.codebase, signedOut: () => setSession(null) });
    setSession(s);
  }, []);

  useEffect(() => {
    adminApi.get<Session>('/session').then(accept, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) accept(null);
      else setError(e);
    });
  }, [accept]);

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
