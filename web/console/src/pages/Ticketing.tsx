// Ticketing (CON-7, CON-12): the provider's rules, the chosen rule's settings with the ticket's
// board, status, priority, type/subtype/item and source picked from the PSA's own lists, the
// threshold simulator (what the rule as edited would have raised, before it is saved) and the
// per-customer overrides.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import {
  ErrorMessage,
  Field,
  Loading,
  PageHeader,
  ReadOnlyNotice,
  Section,
  Success,
} from '../components/ui.js';
import { useFormat } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';
import { useIsAdmin } from '../session.js';
import type { Customer, Reference, Rule } from '../types.js';
import { Overrides } from './Overrides.js';
import { RuleEditor } from './RuleEditor.js';

export function Ticketing({ selected }: { selected: string | undefined }) {
  const { t } = useTranslation();
  const rules = useLoad(() => api.get<Rule[]>('/ticket-rules'), []);
  const reference = useLoad(() => api.get<Reference>('/psa/reference'), []);
  const customers = useLoad(() => api.get<Customer[]>('/customers'), []);
  const error = rules.error ?? reference.error ?? customers.error;
  const creating = selected === 'new';
  const rule = rules.data?.find((r) => String(r.id) === selected) ?? (creating ? undefined : rules.data?.[0]);
  return (
    <>
      <PageHeader title={t('ticketing.title')} />
      <p className="muted">{t('ticketing.intro')}</p>
      <ReadOnlyNotice />
      <ErrorMessage error={error} />
      {(!rules.data || !reference.data || !customers.data) && !error && <Loading />}
      {rules.data && reference.data && customers.data && (
        <>
          <RuleList rules={rules.data} current={creating ? 'new' : rule?.id} />
          <ReferenceState reference={reference.data} onRefreshed={reference.reload} />
          {creating && (
            <NewRule
              onCreated={(r) => {
                rules.reload();
                navigate('ticketing', 'rules', r.id);
              }}
            />
          )}
          {rule && (
            <RuleEditor
              key={rule.id}
              rule={rule}
              reference={reference.data}
              customers={customers.data}
              onSaved={rules.reload}
              onDeleted={() => {
                rules.reload();
                navigate('ticketing');
              }}
            />
          )}
          {rule && (
            <Overrides
              key={`o${rule.id}`}
              rule={rule}
              reference={reference.data}
              customers={customers.data}
            />
          )}
        </>
      )}
    </>
  );
}

function RuleList({ rules, current }: { rules: Rule[]; current: number | 'new' | undefined }) {
  const { t } = useTranslation();
  const admin = useIsAdmin();
  return (
    <nav aria-label={t('ticketing.rules')} className="rule-list">
      <h2>{t('ticketing.rules')}</h2>
      <ul>
        {rules.map((r) => (
          <li key={r.id}>
            <a href={href('ticketing', 'rules', r.id)} aria-current={r.id === current ? 'page' : undefined}>
              {r.name}
            </a>{' '}
            <span className="muted">{r.enabled ? t('ticketing.on') : t('ticketing.off')}</span>
          </li>
        ))}
        {admin && (
          <li>
            <a href={href('ticketing', 'rules', 'new')} aria-current={current === 'new' ? 'page' : undefined}>
              {t('ticketing.newRule')}
            </a>
          </li>
        )}
      </ul>
    </nav>
  );
}

/** Where the pickers' lists come from, and a reload from the PSA. */
function ReferenceState({ reference, onRefreshed }: { reference: Reference; onRefreshed: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const action = useAction();
  const refresh = async () => {
    if (await action.run(() => api.post<Reference>('/psa/reference/refresh'))) onRefreshed();
  };
  return (
    <div className="reference">
      <p className={reference.refreshedAt ? 'muted' : 'message warning'}>
        {reference.refreshedAt
          ? t('ticketing.listsFrom', { at: f.when(reference.refreshedAt) })
          : t('ticketing.noLists')}{' '}
        <button type="button" onClick={refresh} disabled={!admin || action.busy}>
          {t('ticketing.reloadLists')}
        </button>
      </p>
      <ErrorMessage error={action.error} />
    </div>
  );
}

function NewRule({ onCreated }: { onCreated: (r: Rule) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await action.run(() => api.post<Rule>('/ticket-rules', { name, enabled: false }));
    if (r) onCreated(r);
  };
  return (
    <Section title={t('ticketing.newRule')}>
      <p className="muted">{t('ticketing.newRuleIntro')}</p>
      <form onSubmit={submit} className="inline-form">
        <Field label={t('ticketing.fields.name')} required>
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={action.busy}>
          {t('ticketing.create')}
        </button>
      </form>
      <ErrorMessage error={action.error} />
      <Success text={undefined} />
    </Section>
  );
}
