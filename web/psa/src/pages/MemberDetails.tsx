// The Details tab of an API member (and the form of a new one): Member ID, name, Role ID, email,
// notes, inactive; Save.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../api.js';
import { ErrorMessage, Field, Success } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { navigate } from '../router.js';
import { type Member, useCan } from '../session.js';
import type { Role } from './role-types.js';

export function MemberDetails({ member, onSaved }: { member: Member | undefined; onSaved: () => void }) {
  const { t } = useTranslation();
  const canSave = useCan('System/MemberMaintenance', member ? 'edit' : 'add');
  const roles = useLoad(() => adminApi.get<Role[]>('/roles').catch(() => [] as Role[]), []);
  const [identifier, setIdentifier] = useState(member?.identifier ?? '');
  const [name, setName] = useState(member?.name ?? '');
  const [roleId, setRoleId] = useState(member ? String(member.roleId) : '');
  const [email, setEmail] = useState(member?.email ?? '');
  const [notes, setNotes] = useState(member?.notes ?? '');
  const [inactive, setInactive] = useState(member?.inactiveFlag ?? false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();

  const roleOptions = roles.data?.length
    ? roles.data.map((r) => ({ id: String(r.id), name: r.name }))
    : member
      ? [{ id: String(member.roleId), name: member.roleName }]
      : [];

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved(undefined);
    const body = {
      identifier,
      name,
      role: Number(roleId),
      email: email.trim() === '' ? null : email.trim(),
      notes,
      inactiveFlag: inactive,
    };
    try {
      if (member) {
        await adminApi.patch(`/members/${member.id}`, body);
        setSaved(t('common.savedRecord'));
        onSaved();
      } else {
        const created = await adminApi.post<Member>('/members', { kind: 'api', ...body });
        navigate('system', 'members', 'api', created.id, 'details');
      }
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form onSubmit={save} className="form">
      <Success text={saved} />
      <ErrorMessage error={error} />
      <fieldset disabled={!canSave}>
        <legend className="sr-only">{t('members.tabs.details')}</legend>
        <Field label={t('members.memberId')} required>
          <input
            required
            maxLength={15}
            pattern="[A-Za-z0-9._\-]+"
            value={identifier}
            onChange={(e) => setIdentifier(e.target.value)}
          />
        </Field>
        <Field label={t('members.name')}>
          <input maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('members.roleId')} required>
          <select required value={roleId} onChange={(e) => setRoleId(e.target.value)}>
            <option value="">{t('members.chooseRole')}</option>
            {roleOptions.map((r) => (
              <option key={r.id} value={r.id} translate="no">
                {r.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('members.email')}>
          <input type="email" maxLength={250} value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label={t('members.notes')}>
          <textarea maxLength={4000} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={inactive} onChange={(e) => setInactive(e.target.checked)} />
          {t('members.inactive')}
        </label>
        <div className="toolbar">
          <button type="submit" className="primary">
            {t('common.save')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
