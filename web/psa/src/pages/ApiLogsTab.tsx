// The API Logs tab: the calls made with this member's keys (never a key), newest first.
import { useTranslation } from 'react-i18next';
import { Time } from '../../../shared/format.js';
import { adminApi } from '../api.js';
import { Empty, ErrorMessage, Loading, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import type { Member } from '../session.js';

interface ApiLog {
  id: number;
  keyId: number | null;
  at: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

export function ApiLogsTab({ member }: { member: Member }) {
  const { t } = useTranslation();
  const logs = useLoad(() => adminApi.get<ApiLog[]>(`/members/${member.id}/api-logs`), [member.id]);
  if (logs.error) return <ErrorMessage error={logs.error} />;
  if (!logs.data) return <Loading />;
  if (logs.data.length === 0) return <Empty text={t('logs.none')} />;
  return (
    <Table caption={t('members.tabs.logs')}>
      <thead>
        <tr>
          <th scope="col">{t('logs.at')}</th>
          <th scope="col">{t('logs.method')}</th>
          <th scope="col">{t('logs.path')}</th>
          <th scope="col">{t('logs.status')}</th>
          <th scope="col">{t('logs.duration')}</th>
        </tr>
      </thead>
      <tbody>
        {logs.data.map((l) => (
          <tr key={l.id}>
            <td>
              <Time value={l.at} />
            </td>
            <td>{l.method}</td>
            <td>
              <code>{l.path}</code>
            </td>
            <td>{l.status}</td>
            <td>{l.durationMs}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
