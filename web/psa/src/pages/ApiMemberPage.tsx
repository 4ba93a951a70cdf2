// One API member: Details (Member ID, name, Role ID, …), API Keys, API Logs and History tabs; a new
// member has the Details tab only until it is saved.
import { useTranslation } from 'react-i18next';
import { Tabs } from '../../../shared/Tabs.js';
import { adminApi } from '../api.js';
import { ErrorMessage, Loading } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import type { Member } from '../session.js';
import { ApiKeysTab } from './ApiKeysTab.js';
import { ApiLogsTab } from './ApiLogsTab.js';
import { HistoryTab } from './HistoryTab.js';
import { MemberDetails } from './MemberDetails.js';

const TABS = ['details', 'keys', 'logs', 'history'] as const;

export function ApiMemberPage({ id, tab }: { id: number | undefined; tab: string }) {
  const { t } = useTranslation();
  const member = useLoad(
    () => (id === undefined ? Promise.resolve(undefined) : adminApi.get<Member>(`/members/${id}`)),
    [id],
  );
  if (member.error) return <ErrorMessage error={member.error} />;
  if (id !== undefined && !member.data) return <Loading />;
  const m = member.data;
  const current = (TABS as readonly string[]).includes(tab) ? tab : 'details';
  return (
    <>
      <p className="breadcrumb">
        <a href={href('system', 'members', 'api')}>
          {t('members.title')} - {t('members.apiMembers')}
        </a>
        {m && ` > ${t(`members.tabs.${current}`)}`}
      </p>
      <h1>{m ? `${m.name} (${m.identifier})` : t('members.new')}</h1>
      {m ? (
        <Tabs
          label={t('members.tabsLabel')}
          tabs={TABS.map((key) => ({
            key,
            label: t(`members.tabs.${key}`),
            href: href('system', 'members', 'api', m.id, key),
          }))}
          current={current}
        >
          {current === 'details' && <MemberDetails member={m} onSaved={member.reload} />}
          {current === 'keys' && <ApiKeysTab member={m} />}
          {current === 'logs' && <ApiLogsTab member={m} />}
          {current === 'history' && <HistoryTab member={m} />}
        </Tabs>
      ) : (
        <MemberDetails member={undefined} onSaved={member.reload} />
      )}
    </>
  );
}
