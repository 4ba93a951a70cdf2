// System → Security Roles: the list of roles and "+" to create one.
import { useTranslation } from 'react-i18next';
import { Time } from '../../../shared/format.js';
import { adminApi } from '../api.js';
import { ErrorMessage, Loading, PageHeader, Table } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import { useCan } from '../session.js';
import type { Role } from './role-types.js';

export function SecurityRoles() {
  const { t } = useTranslation();
  const canAdd = useCan('System/SecurityRoles', 'add');
  const roles = useLoad(() => adminApi.get<Role[]>('/roles'), []);
  return (
    <>
      <PageHeader title={t('roles.title')}>
        {canAdd && (
          <a className="button icon" href={href('system', 'security-roles', 'new')} title={t('roles.new')}>
            <span aria-hidden="true">+</span>
            <span className="sr-only">{t('roles.new')}</span>
          </a>
        )}
      </PageHeader>
      <ErrorMessage error={roles.error} />
      {!roles.data && !roles.error && <Loading />}
      {roles.data && (
        <Table caption={t('roles.title')}>
          <thead>
            <tr>
              <th scope="col">{t('roles.roleId')}</th>
              <th scope="col">{t('roles.admin')}</th>
              <th scope="col">{t('roles.inactive')}</th>
              <th scope="col">{t('common.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {roles.data.map((r) => (
              <tr key={r.id}>
                <td translate="no">
                  <a href={href('system', 'security-roles', r.id)}>{r.name}</a>
                </td>
                <td>{r.adminFlag ? t('common.yes') : t('common.no')}</td>
                <td>{r.inactiveFlag ? t('common.yes') : t('common.no')}</td>
                <td>
                  <Time value={r.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
