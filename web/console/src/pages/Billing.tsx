// Billing reconciliation (issue 17): the provider's billing settings (off / preview / on, product,
// agreement type, what a seat is), the preview — per customer the PSA's quantity, Parasol's, the
// difference, why, and the monthly change, before anything is written — "reconcile now" when on, and
// each customer's billing state with its last problem. The server decides; this screen only asks.
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import {
  Empty,
  ErrorMessage,
  Field,
  Loading,
  PageHeader,
  ReadOnlyNotice,
  Section,
  Success,
  Table,
} from '../components/ui.js';
import { useFormat } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { useIsAdmin } from '../session.js';

type Mode = 'off' | 'preview' | 'on';
type Basis = 'configured' | 'identities' | 'larger';

interface Settings {
  mode: Mode;
  productIdentifier: string;
  agreementType: string;
  seatBasis: Basis;
  identityDays: number;
}

interface Status {
  settings: Settings;
  customers: Array<{
    customerId: number;
    name: string;
    mappingState: string;
    overrideAgreementId: number | null;
    psaAgreementId: number | null;
    psaAdditionId: number | null;
    quantity: number | null;
    lastRunAt: string | null;
    lastError: string | null;
  }>;
}

interface Preview {
  productFound: boolean;
  productPrice: number | null;
  rows: Array<{
    customerId: number;
    name: string;
    psaQuantity: number | null;
    quantity: number;
    difference: number;
    reason: string;
    monthlyChange: number;
    action: 'create' | 'patch' | 'none' | 'report';
  }>;
  totals: { writes: number; difference: number; monthlyChange: number; problems: number };
}

const MODES: Mode[] = ['off', 'preview', 'on'];
const BASES: Basis[] = ['configured', 'identities', 'larger'];

export function Billing() {
  const { t } = useTranslation();
  const f = useFormat();
  const admin = useIsAdmin();
  const status = useLoad(() => api.get<Status>('/billing'), []);
  const [form, setForm] = useState<Settings>();
  const [preview, setPreview] = useState<Preview>();
  const [saved, setSaved] = useState<string>();
  const action = useAction();
  useEffect(() => {
    if (status.data && !form) setForm(status.data.settings);
  }, [status.data, form]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    setSaved(undefined);
    if (await action.run(() => api.put<Settings>('/billing/settings', form))) {
      setSaved(t('billing.saved'));
      status.reload();
    }
  };
  const runPreview = async () => {
    const p = await action.run(() => api.post<Preview>('/billing/preview'));
    if (p) setPreview(p);
  };
  const reconcile = async () => {
    setSaved(undefined);
    const r = await action.run(() => api.post<{ enqueued: number }>('/billing/run'));
    if (r) {
      setSaved(t('billing.queued', { count: r.enqueued }));
      status.reload();
    }
  };
  const money = (n: number) => (n > 0 ? `+${f.number(n)}` : f.number(n));
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) =>
    form && setForm({ ...form, [key]: value });

  return (
    <>
      <PageHeader title={t('billing.title')}>
        <button type="button" disabled={action.busy} onClick={runPreview}>
          {t('billing.previewNow')}
        </button>
        <button
          type="button"
          className="primary"
          disabled={!admin || action.busy || status.data?.settings.mode !== 'on'}
          onClick={reconcile}
        >
          {t('billing.runNow')}
        </button>
      </PageHeader>
      <p className="muted">{t('billing.intro')}</p>
      <ReadOnlyNotice />
      <ErrorMessage error={status.error ?? action.error} />
      <Success text={saved} />
      {!form && !status.error && <Loading />}
      {form && (
        <Section title={t('billing.settingsTitle')}>
          <form onSubmit={save}>
            <Field label={t('billing.mode')} hint={t(`billing.modeHint.${form.mode}`)}>
              <select
                value={form.mode}
                disabled={!admin}
                onChange={(e) => set('mode', e.target.value as Mode)}
              >
                {MODES.map((m) => (
                  <option key={m} value={m}>
                    {t(`billing.modes.${m}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('billing.product')} required>
              <input
                value={form.productIdentifier}
                maxLength={25}
                disabled={!admin}
                onChange={(e) => set('productIdentifier', e.target.value)}
              />
            </Field>
            <Field label={t('billing.agreementType')} hint={t('billing.agreementTypeHint')} required>
              <input
                value={form.agreementType}
                maxLength={50}
                disabled={!admin}
                onChange={(e) => set('agreementType', e.target.value)}
              />
            </Field>
            <Field label={t('billing.seatBasis')}>
              <select
                value={form.seatBasis}
                disabled={!admin}
                onChange={(e) => set('seatBasis', e.target.value as Basis)}
              >
                {BASES.map((b) => (
                  <option key={b} value={b}>
                    {t(`billing.bases.${b}`, { days: form.identityDays })}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('billing.days')}>
              <input
                type="number"
                min={1}
                max={90}
                value={form.identityDays}
                disabled={!admin}
                onChange={(e) => set('identityDays', Number(e.target.value))}
              />
            </Field>
            <button type="submit" className="primary" disabled={!admin || action.busy}>
              {t('billing.save')}
            </button>
          </form>
        </Section>
      )}
      {preview && (
        <Section title={t('billing.previewTitle')}>
          <p data-testid="billing-totals">
            {t('billing.totals', {
              writes: preview.totals.writes,
              problems: preview.totals.problems,
              amount: money(preview.totals.monthlyChange),
            })}
            {!preview.productFound && ` ${t('billing.productMissing')}`}
          </p>
          <Table caption={t('billing.previewTitle')}>
            <thead>
              <tr>
                <th scope="col">{t('billing.col.customer')}</th>
                <th scope="col">{t('billing.col.psa')}</th>
                <th scope="col">{t('billing.col.parasol')}</th>
                <th scope="col">{t('billing.col.difference')}</th>
                <th scope="col">{t('billing.col.monthly')}</th>
                <th scope="col">{t('billing.col.reason')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((r) => (
                <tr key={r.customerId} data-testid="billing-preview-row">
                  <th scope="row">{r.name}</th>
                  <td>{r.psaQuantity ?? '—'}</td>
                  <td>{r.quantity}</td>
                  <td>{r.difference > 0 ? `+${r.difference}` : r.difference}</td>
                  <td>{money(r.monthlyChange)}</td>
                  <td>
                    <span className="muted">{t(`billing.actions.${r.action}`)}</span> {r.reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        </Section>
      )}
      {status.data && (
        <Section title={t('billing.customersTitle')}>
          {status.data.customers.length === 0 ? (
            <Empty text={t('billing.noCustomers')} />
          ) : (
            <Table caption={t('billing.customersTitle')}>
              <thead>
                <tr>
                  <th scope="col">{t('billing.col.customer')}</th>
                  <th scope="col">{t('billing.col.agreement')}</th>
                  <th scope="col">{t('billing.col.parasol')}</th>
                  <th scope="col">{t('billing.col.lastRun')}</th>
                  <th scope="col">{t('billing.col.problem')}</th>
                </tr>
              </thead>
              <tbody>
                {status.data.customers.map((c) => (
                  <tr key={c.customerId} data-testid="billing-row">
                    <th scope="row">{c.name}</th>
                    <td>
                      {c.overrideAgreementId !== null
                        ? t('billing.picked', { id: c.overrideAgreementId })
                        : (c.psaAgreementId ?? t('billing.byType'))}
                    </td>
                    <td>{c.quantity ?? '—'}</td>
                    <td>{f.when(c.lastRunAt)}</td>
                    <td>{c.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Section>
      )}
    </>
  );
}
