// The History tab: what was done to this member and its keys, by whom and when — each entry said in
// the reader's language from the parameters the server keeps (a role by its name, a key by its
// description and public key); an entry no pattern reads keeps the server's words.
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Time } from '../../../shared/format.js';
import { adminApi } from '../api.js';
import { Empty, ErrorMessage, Loading, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import type { Member } from '../session.js';

interface HistoryRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  /** The server's English words. */
  detail: string;
  /** The entry's parameters; null when the server could not read them (then `detail` is shown). */
  params?: Record<string, string | number> | null;
}

/** An entry's detail in the reader's words. */
export function historyDetail(t: TFunction, row: HistoryRow): string {
  const p = row.params;
  if (!p) return row.detail;
  if (p.publicKey !== undefined) return t('history.details.key', p);
  if (p.roleId !== undefined) return t('history.details.role', { role: p.roleName || p.roleId });
  if (p.fields !== undefined) {
    const fields = String(p.fields)
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean)
      .map((f) => t(`history.fields.${f}`, { defaultValue: f }));
    return t('history.details.fields', { fields: fields.join(', ') });
  }
  if (p.failures !== undefined) return t('history.details.locked', p);
  return Object.keys(p).length === 0 ? '' : row.detail;
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
            <td>
              <Time value={r.at} />
            </td>
            <td translate="no">{r.actor}</td>
            <td>{t(`history.actions.${r.action}`, { defaultValue: r.action })}</td>
            <td>{historyDetail(t, r)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
