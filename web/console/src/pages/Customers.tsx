// Customers (CON-4): the list with each mapping state, adding a customer, the mapping CSV (export,
// import with a report per line) and the check for mapped companies that disappeared from the PSA.
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
import type { Customer } from '../types.js';

interface ImportReport {
  applied: number;
  unchanged: number;
  errors: Array<{ line: number; message: string }>;
}

export function Customers() {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const list = useLoad(() => api.get<Customer[]>('/customers'), []);
  const check = useAction();
  const [checked, setChecked] = useState<string>();
  const runCheck = async () => {
    setChecked(undefined);
    const r = await check.run(() =>
      api.post<{ missing: Array<{ customerId: number; psaCompanyIdentifier: string }> }>('/mappings/check'),
    );
    if (r) {
      setChecked(t('customers.checked', { count: r.missing.length }));
      list.reload();
    }
  };
  return (
    <>
      <PageHeader title={t('customers.title')}>
        <a className="button" href="/api/v1/mappings.csv" download="mappings.csv">
          {t('customers.export')}
        </a>
        <button type="button" onClick={runCheck} disabled={!admin || check.busy}>
          {t('customers.check')}
        </button>
      </PageHeader>
      <ReadOnlyNotice />
      <ErrorMessage error={list.error ?? check.error} />
      <Success text={checked} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <Empty text={t('customers.none')} />}
      {list.data && list.data.length > 0 && (
        <Table caption={t('customers.title')}>
          <thead>
            <tr>
              <th scope="col">{t('customers.col.name')}</th>
              <th scope="col">{t('customers.col.seats')}</th>
              <th scope="col">{t('customers.col.mapping')}</th>
              <th scope="col">{t('customers.col.company')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.id}>
                <th scope="row">
                  <a href={href('customers', c.id)}>{c.name}</a>
                </th>
                <td>{f.number(c.seats)}</td>
                <td>
                  <MappingBadge state={c.mappingState} />
                </td>
                <td>{c.psaCompanyIdentifier ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <div className="columns">
        <AddCustomer onAdded={list.reload} />
        <ImportCsv onImported={list.reload} />
      </div>
    </>
  );
}

function AddCustomer({ onAdded }: { onAdded: () => void }) {
  const { t } = useTranslation();
  const admin = useIsAdmin();
  const [name, setName] = useState('');
  const [seats, setSeats] = useState('0');
  const [done, setDone] = useState<string>();
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    const c = await action.run(() => api.post<Customer>('/customers', { name, seats: Number(seats) }));
    if (c) {
      setDone(t('customers.added', { name: c.name }));
      setName('');
      setSeats('0');
      onAdded();
    }
  };
  return (
    <Section title={t('customers.addTitle')}>
      <form onSubmit={submit}>
        <fieldset disabled={!admin || action.busy}>
          <Field label={t('customers.col.name')} required>
            <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label={t('customers.col.seats')}>
            <input
              type="number"
              min={0}
              max={10_000_000}
              value={seats}
              onChange={(e) => setSeats(e.target.value)}
            />
          </Field>
          <button type="submit" className="primary">
            {t('customers.add')}
          </button>
        </fieldset>
      </form>
      <ErrorMessage error={action.error} />
      <Success text={done} />
    </Section>
  );
}

function ImportCsv({ onImported }: { onImported: () => void }) {
  const { t } = useTranslation();
  const admin = useIsAdmin();
  const [text, setText] = useState('');
  const [report, setReport] = useState<ImportReport>();
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setReport(undefined);
    const r = await action.run(() => api.postCsv<ImportReport>('/mappings.csv', text));
    if (r) {
      setReport(r);
      onImported();
    }
  };
  return (
    <Section title={t('customers.importTitle')}>
      <p className="muted">{t('customers.importIntro')}</p>
      <form onSubmit={submit}>
        <fieldset disabled={!admin || action.busy}>
          <Field label={t('customers.csvFile')}>
            <input
              type="file"
              accept=".csv,text/csv"
              onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? '')}
            />
          </Field>
          <Field label={t('customers.csvText')}>
            <textarea rows={5} value={text} onChange={(e) => setText(e.target.value)} />
          </Field>
          <button type="submit" className="primary" disabled={text.trim() === ''}>
            {t('customers.import')}
          </button>
        </fieldset>
      </form>
      <ErrorMessage error={action.error} />
      {report && (
        <div className="message info" role="status">
          {t('customers.importReport', {
            applied: report.applied,
            unchanged: report.unchanged,
            errors: report.errors.length,
          })}
          {report.errors.length > 0 && (
            <ul>
              {report.errors.map((er) => (
                <li key={`${er.line}:${er.message}`}>
                  {t('customers.importLine', { line: er.line })} {er.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Section>
  );
}
