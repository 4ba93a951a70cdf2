// The frame of a signed-in screen (web/shared) with the PSA's navigation (System, Companies, Service
// Desk) and the signed-in member.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Frame } from '../../../shared/Shell.js';
import { adminApi } from '../api.js';
import { href, useRoute } from '../router.js';
import { useSession } from '../session.js';
import { LanguageSwitch } from './LanguageSwitch.js';

const NAV: ReadonlyArray<{ group: string; items: ReadonlyArray<{ key: string; path: string[] }> }> = [
  {
    group: 'nav.system',
    items: [
      { key: 'nav.securityRoles', path: ['system', 'security-roles'] },
      { key: 'nav.apiMembers', path: ['system', 'members', 'api'] },
      { key: 'nav.tableSetup', path: ['system', 'table-setup'] },
    ],
  },
  {
    group: 'nav.companies',
    items: [
      { key: 'nav.companies', path: ['companies'] },
      { key: 'nav.configurations', path: ['companies', 'configurations'] },
    ],
  },
  { group: 'nav.serviceDesk', items: [{ key: 'nav.serviceBoard', path: ['service-board'] }] },
];

function isCurrent(route: string[], path: string[]): boolean {
  const current = route.length === 0 ? ['system', 'security-roles'] : route;
  if (path.length === 1 && current[1] === 'configurations') return false;
  return path.every((p, i) => current[i] === p);
}

export function Layout({ children, onSignedOut }: { children: ReactNode; onSignedOut: () => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const route = useRoute();
  return (
    <Frame
      nav={NAV.map((g) => (
        <div className="nav-group" key={g.group}>
          <span className="nav-title">{t(g.group)}</span>
          {g.items.map((item) => (
            <a
              key={item.key}
              href={href(...item.path)}
              aria-current={isCurrent(route, item.path) ? 'page' : undefined}
            >
              {t(item.key)}
            </a>
          ))}
        </div>
      ))}
      who={<span className="who">{session.member.name}</span>}
      languageSwitch={<LanguageSwitch />}
      endSession={() => adminApi.del('/session')}
      onSignedOut={onSignedOut}
    >
      {children}
    </Frame>
  );
}
