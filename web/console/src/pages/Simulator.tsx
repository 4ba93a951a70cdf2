// The threshold simulator (CON-12): replays the stored per-window counts of the chosen days against
// the rule as edited (not yet saved) and shows how many tickets it would have raised, per customer
// and day — beside what the saved rule raises on the same counts.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { StackedBars } from '../components/charts.js';
import { Empty, ErrorMessage, Field, Table } from '../components/ui.js';
import { daysBetween, useFormat, utcDay } from '../format.js';
import { useAction } from '../hooks.js';
import type { Customer, RuleSettings, Simulation } from '../types.js';

const PALETTE = ['#0b5cad', '#b3261e', '#6a1b9a', '#00695c', '#c75b00', '#455a64', '#ad1457', '#827717'];

export function Simulator({
  ruleId,
  settings,
  customers,
}: {
  ruleId: number;
  settings: RuleSettings;
  customers: Customer[];
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [from, setFrom] = useState(utcDay(13));
  const [to, setTo] = useState(utcDay(0));
  const [result, setResult] = useState<{
    proposed: Simulation;
    saved: Simulation;
    from: string;
    to: string;
  }>();
  const action = useAction();
  const simulate = async (e: FormEvent) => {
    e.preventDefault();
    const range = { from, to };
    const r = await action.run(() =>
      Promise.all([
        api.post<Simulation>('/ticket-rules/simulate', { ruleId, settings, ...range }),
        api.post<Simulation>('/ticket-rules/simulate', { ruleId, ...range }),
      ]),
    );
    if (r) setResult({ proposed: r[0], saved: r[1], ...range });
  };
  const days = result ? daysBetween(result.from, result.to) : [];
  const perCustomer = result
    ? [...new Set(result.proposed.days.map((d) => d.customerId))].map((id, i) => {
        const rows = result.proposed.days.filter((d) => d.customerId === id);
        const name = rows[0]?.customerName ?? customers.find((c) => c.id === id)?.name ?? `#${id}`;
        return {
          key: String(id),
          label: name,
          color: PALETTE[i % PALETTE.length]!,
          values: days.map((day) => rows.filter((r) => r.day === day).reduce((n, r) => n + r.tickets, 0)),
        };
      })
    : [];
  return (
    <section className="simulator" aria-labelledby="simulator-title">
      <h3 id="simulator-title">{t('simulator.title')}</h3>
      <p className="muted">{t('simulator.intro')}</p>
      <form onSubmit={simulate} className="inline-form">
        <Field label={t('simulator.from')}>
          <input type="date" required value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label={t('simulator.to')}>
          <input type="date" required value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={action.busy}>
          {t('simulator.run')}
        </button>
      </form>
      <ErrorMessage error={action.error} />
      {result && (
        <div role="status" data-testid="simulation">
          <p className="simulation-total">
            <strong data-testid="simulation-total">
              {t('simulator.total', { count: result.proposed.total })}
            </strong>{' '}
            <span className="muted">{t('simulator.savedTotal', { count: result.saved.total })}</span>
          </p>
          {result.proposed.unmapped.length > 0 && (
            <p className="message warning">
              {t('simulator.unmapped', {
                customers: result.proposed.unmapped.map((u) => `${u.customerName} (${u.tickets})`).join(', '),
              })}
            </p>
          )}
          {result.proposed.days.length === 0 ? (
            <Empty text={t('simulator.none')} />
          ) : (
            <>
              <StackedBars title={t('simulator.chart')} days={days} series={perCustomer} />
              <Table caption={t('simulator.table')}>
                <thead>
                  <tr>
                    <th scope="col">{t('simulator.customer')}</th>
                    <th scope="col">{t('simulator.day')}</th>
                    <th scope="col">{t('simulator.tickets')}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.proposed.days.map((d) => (
                    <tr key={`${d.customerId}:${d.day}`} data-testid="simulation-row">
                      <td>{d.customerName}</td>
                      <td>{d.day}</td>
                      <td>{f.number(d.tickets)}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </>
          )}
        </div>
      )}
    </section>
  );
}
