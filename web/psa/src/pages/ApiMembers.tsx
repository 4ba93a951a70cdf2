// System → Members → API Members: the list and "+" to create one.
import { useTranslation } from 'react-i18next';
import { adminApi } from '../api.js';
import { Empty, ErrorMessage, Loading, PageHeader, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import { type Member, useCan } from '../session.js';

export function ApiMembers() {
  const { t } = useTranslation();
  const canAdd = useCan('System/MemberMaintenance', 'add');
  const members = useLoad(() => adminApi.get<Member[]>('/members?kind=api'), []);
  return (
    <>
      <PageHeader title={`${t('members.title')} - ${t('members.apiMembers')}`}>
        {canAdd && (
          <a className="button icon" href={href('system', 'members', 'api', 'new')} title={t('members.new')}>
            <span aria-hidden="true">+</span>
            <span className="sr-only">{t('members.new')}</span>
          </a>
        )}
      </PageHeader>
      <ErrorMessage error={members.error} />
      {!members.data && !members.error && <Loading />}
      {members.data?.length === 0 && <Empty text={t('members.none')} />}
      {members.data && members.data.length > 0 && (
        <Table caption={t('members.apiMembers')}>
          <thead>
            <tr>
              <th scope="col">{t('members.memberId')}</th>
              <th scope="col">{t('members.name')}</th>
              <th scope="col">{t('members.roleId')}</th>
              <th scope="col">{t('members.inactive')}</th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.id}>
                <td>
                  <a href={href('system', 'members', 'api', m.id, 'details')}>{m.identifier}</a>
                </td>
                <td>{m.name}</td>
                <td>{m.roleName}</td>
                <td>{m.inactiveFlag ? t('common.yes') : t('common.no')}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
