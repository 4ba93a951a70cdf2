// The app shell: sign-in when there is no session, otherwise the navigation and the screen the
// URL's fragment names.
import { useTranslation } from 'react-i18next';
import { type SessionGate, useSessionGate } from '../../shared/Shell.js';
import { api, configureApi } from './api.js';
import { Layout } from './components/Layout.js';
import { ERRORS, ErrorMessage, Loading } from './components/ui.js';
import { Activity } from './pages/Activity.js';
import { Billing } from './pages/Billing.js';
import { ConfigSync } from './pages/ConfigSync.js';
import { CustomerDashboard } from './pages/CustomerDashboard.js';
import { CustomerPage } from './pages/CustomerPage.js';
import { Customers } from './pages/Customers.js';
import { Dashboard } from './pages/Dashboard.js';
import { PsaIntegration } from './pages/PsaIntegration.js';
import { SignIn } from './pages/SignIn.js';
import { Ticketing } from './pages/Ticketing.js';
import { useRoute } from './router.js';
import { type Session, SessionContext } from './session.js';

/** The session of the server's GET /session, handed to the API client. */
const GATE: SessionGate<Session> = {
  load: () => api.get<Session>('/session'),
  configure: (s, signedOut) => configureApi({ csrf: s.csrfToken, signedOut }),
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
  const [area, a, b] = useRoute();
  if (area === undefined || area === 'dashboard') {
    if (a === 'customers' && b) return <CustomerDashboard id={Number(b)} />;
    return <Dashboard />;
  }
  if (area === 'customers') return a ? <CustomerPage id={Number(a)} /> : <Customers />;
  if (area === 'settings') return <PsaIntegration />;
  if (area === 'ticketing') return <Ticketing selected={a === 'rules' ? b : undefined} />;
  if (area === 'config-sync') return <ConfigSync />;
  if (area === 'billing') return <Billing />;
  if (area === 'activity') return <Activity tab={a ?? 'customers'} />;
  return <p role="alert">{t('app.noSuchPage')}</p>;
}
