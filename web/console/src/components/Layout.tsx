// The frame of a signed-in screen (web/shared) with the console's navigation (Dashboard, Customers, MSP/MSSP Settings, Ticketing, Configuration
// sync, Activity) and the signed-in user with their role.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Frame } from '../../../shared/Shell.js';
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
  { area: 'billing', key: 'billing.nav' },
  { area: 'activity', key: 'nav.activity' },
] as const;

export function Layout({ children, onSignedOut }: { children: ReactNode; onSignedOut: () => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const [area = 'dashboard'] = useRoute();
  return (
    <Frame
      nav={NAV.map((item) => (
        <a
          key={item.area}
          href={item.area === 'settings' ? href('settings', 'psa-integration') : href(item.area)}
          aria-current={area === item.area ? 'page' : undefined}
        >
          {t(item.key, { kind: session.provider.kind })}
        </a>
      ))}
      who={
        <span className="who">
          {session.user.name}{' '}
          <span className="role">
            ({t(session.user.role === 'admin' ? 'app.roleAdmin' : 'app.roleReadOnly')})
          </span>
        </span>
      }
      languageSwitch={<LanguageSwitch />}
      endSession={() => api.del('/session')}
      onSignedOut={onSignedOut}
    >
      {children}
    </Frame>
  );
}
