// "+" on Security Roles: a Role ID name, then Save opens the new role's module grid.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../api.js';
import { ErrorMessage, Field, PageHeader } from '../components/ui.js';
import { href, navigate } from '../router.js';
import type { Role } from './role-types.js';

export function RoleNew() {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const role = await adminApi.post<Role>('/roles', { name });
      navigate('system', 'security-roles', role.id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={save}>
      <PageHeader title={t('roles.new')}>
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
        <a className="button" href={href('system', 'security-roles')}>
          {t('common.cancel')}
        </a>
      </PageHeader>
      <ErrorMessage error={error} />
      <Field label={t('roles.roleId')} required>
        <input required maxLength={30} value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
    </form>
  );
}
