// One customer: its mapping to a PSA company (ranked suggestions by similar name, or any company of
// the PSA's list, or none) and its source bindings (organization id, folder prefix, …) that route
// events to it.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import {
  Empty,
  ErrorMessage,
  Field,
  Loading,
  MappingBadge,
  PageHeader,
  ReadOnlyNotice,
  Section,
  Success,
  Table,
} from '../components/ui.js';
import { useFormat } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { href } from '../router.js';
import { useIsAdmin } from '../session.js';
import {
  BINDING_KINDS,
  type Binding,
  type BindingKind,
  type Customer,
  type Reference,
  type Suggestion,
} from '../types.js';

export function CustomerPage({ id }: { id: number }) {
  const { t } = useTranslation();
  const customer = useLoad(() => api.get<Customer>(`/customers/${id}`), [id]);
  if (customer.error) return <ErrorMessage error={customer.error} />;
  if (!customer.data) return <Loading />;
  const c = customer.data;
  return (
    <>
      <p className="breadcrumb">
        <a href={href('customers')}>{t('customers.title')}</a> ›
      </p>
      <PageHeader title={c.name}>
        <MappingBadge state={c.mappingState} />
        <a href={href('dashboard', 'customers', id)}>{t('customers.dashboard')}</a>
      </PageHeader>
      <ReadOnlyNotice />
      <div className="columns">
        <Mapping customer={c} onChanged={customer.reload} />
        <Bindings customerId={id} />
      </div>
    </>
  );
}

const REASONS = [
  'same name',
  'same name apart from legal suffix',
  'same name apart from spacing',
  'same name apart from generic words',
  'identifier matches',
  'same words in another order',
  'similar name',
];

function Mapping({ customer, onChanged }: { customer: Customer; onChanged: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const suggestions = useLoad(
    () => api.get<Suggestion[]>(`/customers/${customer.id}/suggestions`),
    [customer.id],
  );
  const reference = useLoad(() => api.get<Reference>('/psa/reference'), []);
  const [chosen, setChosen] = useState('');
  const [done, setDone] = useState<string>();
  const action = useAction();
  const map = async (identifier: string | null) => {
    setDone(undefined);
    const saved = await action.run(() =>
      api.put<Customer>(`/customers/${customer.id}/mapping`, { psaCompanyIdentifier: identifier }),
    );
    if (saved) {
      setDone(
        saved.psaCompanyIdentifier
          ? t('mapping.mappedTo', { company: saved.psaCompanyIdentifier })
          : t('mapping.unmappedDone'),
      );
      onChanged();
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen) void map(chosen);
  };
  const companies = [...(reference.data?.companies ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const reason = (r: string) => {
    const i = REASONS.indexOf(r);
    return i < 0 ? r : t(`mapping.reasons.r${i}`);
  };
  return (
    <Section title={t('mapping.title')}>
      <p>
        {customer.psaCompanyIdentifier
          ? t('mapping.current', { company: customer.psaCompanyIdentifier })
          : t('mapping.none')}
      </p>
      <h3>{t('mapping.suggestions')}</h3>
      <ErrorMessage error={suggestions.error} />
      {!suggestions.data && !suggestions.error && <Loading />}
      {suggestions.data?.length === 0 && <Empty text={t('mapping.noSuggestions')} />}
      {suggestions.data && suggestions.data.length > 0 && (
        <Table caption={t('mapping.suggestions')}>
          <thead>
            <tr>
              <th scope="col">{t('mapping.col.company')}</th>
              <th scope="col">{t('mapping.col.identifier')}</th>
              <th scope="col">{t('mapping.col.score')}</th>
              <th scope="col">{t('mapping.col.action')}</th>
            </tr>
          </thead>
          <tbody>
            {suggestions.data.map((s) => (
              <tr key={s.company.id}>
                <td>
                  {s.company.name}
                  <br />
                  <span className="muted">{reason(s.reason)}</span>
                </td>
                <td>
                  <code>{s.company.identifier}</code>
                </td>
                <td>{f.number(Math.round(s.score * 100))} %</td>
                <td>
                  <button
                    type="button"
                    disabled={!admin || action.busy || customer.psaCompanyIdentifier === s.company.identifier}
                    aria-label={t('mapping.mapToNamed', { company: s.company.name })}
                    onClick={() => map(s.company.identifier)}
                  >
                    {t('mapping.mapTo')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <form onSubmit={submit} className="inline-form">
        <fieldset disabled={!admin || action.busy} className="inline-form">
          {companies.length > 0 ? (
            <Field label={t('mapping.company')}>
              <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
                <option value="">{t('mapping.pick')}</option>
                {companies.map((c) => (
                  <option key={c.id} value={c.identifier}>
                    {c.name} ({c.identifier})
                  </option>
                ))}
              </select>
            </Field>
          ) : (
            <Field label={t('mapping.identifier')} hint={t('mapping.identifierHint')}>
              <input maxLength={25} value={chosen} onChange={(e) => setChosen(e.target.value)} />
            </Field>
          )}
          <button type="submit" className="primary" disabled={!chosen}>
            {t('mapping.save')}
          </button>
          {customer.psaCompanyIdentifier && (
            <button type="button" onClick={() => map(null)}>
              {t('mapping.unmap')}
            </button>
          )}
        </fieldset>
      </form>
      <ErrorMessage error={action.error} />
      <Success text={done} />
    </Section>
  );
}

function Bindings({ customerId }: { customerId: number }) {
  const { t } = useTranslation();
  const admin = useIsAdmin();
  const list = useLoad(() => api.get<Binding[]>(`/customers/${customerId}/bindings`), [customerId]);
  const [kind, setKind] = useState<BindingKind>('umbrella-org');
  const [value, setValue] = useState('');
  const action = useAction();
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const b = await action.run(() => api.post<Binding>(`/customers/${customerId}/bindings`, { kind, value }));
    if (b) {
      setValue('');
      list.reload();
    }
  };
  const remove = async (b: Binding) => {
    await action.run(() => api.del(`/customers/${customerId}/bindings/${b.id}`));
    list.reload();
  };
  return (
    <Section title={t('bindings.title')}>
      <p className="muted">{t('bindings.intro')}</p>
      <ErrorMessage error={list.error} />
      {list.data?.length === 0 && <Empty text={t('bindings.none')} />}
      {list.data && list.data.length > 0 && (
        <Table caption={t('bindings.title')}>
          <thead>
            <tr>
              <th scope="col">{t('bindings.kind')}</th>
              <th scope="col">{t('bindings.value')}</th>
              <th scope="col">{t('bindings.action')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((b) => (
              <tr key={b.id}>
                <td>{t(`bindings.kinds.${b.kind}`)}</td>
                <td>
                  <code>{b.value}</code>
                </td>
                <td>
                  <button
                    type="button"
                    disabled={!admin || action.busy}
                    aria-label={t('bindings.removeNamed', { value: b.value })}
                    onClick={() => remove(b)}
                  >
                    {t('bindings.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <form onSubmit={add}>
        <fieldset disabled={!admin || action.busy} className="inline-form">
          <Field label={t('bindings.kind')}>
            <select value={kind} onChange={(e) => setKind(e.target.value as BindingKind)}>
              {BINDING_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`bindings.kinds.${k}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('bindings.value')}>
            <input required maxLength={1024} value={value} onChange={(e) => setValue(e.target.value)} />
          </Field>
          <button type="submit" className="primary">
            {t('bindings.add')}
          </button>
        </fieldset>
      </form>
      <ErrorMessage error={action.error} />
    </Section>
  );
}
