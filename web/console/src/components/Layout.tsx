// Header with the navigation (Dashboard, Customers, MSP/MSSP Settings, Ticketing, Configuration
// sync, Activity), the language switch, the signed-in user and sign-out.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { href, useRoute } from '../router.js';
import { useSession } from '../session.js';
import { LanguageSwitch } from './LanguageSwitch.js';

const NAV = [
  { area: 'dashboard', key: 'nav.dashboard' },
  { area: 'customers', key: 'nav.customers' },
  { area: 'settings', key: 'nav.settings' },
  { area: 'ticketing', key: 'nav.ticketing' },
  { area: 'config-sync', key: 'nav.configSync' },
  { area: 'activity', key: 'nav.activity' },
] as const;

export function Layout({ children, onSignedOut }: { children: ReactNode; onSignedOut: () => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const [area = 'dashboard'] = useRoute();
  const signOut = async () => {
    await api.del('/session').catch(() => undefined);
    onSignedOut();
  };
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        <nav aria-label={t('nav.label')}>
          {NAV.map((item) => (
            <a
              key={item.area}
              href={item.area === 'settings' ? href('settings', 'psa-integration') : href(item.area)}
              aria-current={area === item.area ? 'page' : undefined}
            >
              {t(item.key, { kind: session.provider.kind })}
            </a>
          ))}
        </nav>
        <div className="account">
          <LanguageSwitch />
          <span className="who">
            {session.user.name}{' '}
            <span className="role">
              ({t(session.user.role === 'admin' ? 'app.roleAdmin' : 'app.roleReadOnly')})
            </span>
          </span>
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
