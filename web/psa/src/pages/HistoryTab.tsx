// The History tab: what was done to this member and its keys, by whom and when.
import { useTranslation } from 'react-i18next';
import { adminApi } from '../api.js';
import { Empty, ErrorMessage, Loading, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import type { Member } from '../session.js';

interface HistoryRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

export function HistoryTab({ member }: { member: Member }) {
  const { t } = useTranslation();
  const rows = useLoad(() => adminApi.get<HistoryRow[]>(`/members/${member.id}/history`), [member.id]);
  if (rows.error) return <ErrorMessage error={rows.error} />;
  if (!rows.data) return <Loading />;
  if (rows.data.length === 0) return <Empty text={t('history.none')} />;
  return (
    <Table caption={t('members.tabs.history')}>
      <thead>
        <tr>
          <th scope="col">{t('history.at')}</th>
          <th scope="col">{t('history.actor')}</th>
          <th scope="col">{t('history.action')}</th>
          <th scope="col">{t('history.detail')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.data.map((r) => (
          <tr key={r.id}>
            <td>{r.at}</td>
            <td>{r.actor}</td>
            <td>{t(`history.actions.${r.action}`, { defaultValue: r.action })}</td>
            <td>{r.detail}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
