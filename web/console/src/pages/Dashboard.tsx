// The provider's dashboard (CON-12): DNS requests, security blocks by category and tickets raised
// over the last days for all customers together, and the customers — those needing attention first.
// Before any DNS data is counted, the setup steps instead (issue 18, SetupSteps.tsx).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../api.js';
import { Empty, ErrorMessage, Loading, MappingBadge, PageHeader, Table } from '../components/ui.js';
import {
  attentionReasons,
  byAttention,
  type CustomerRow,
  daySeries,
  identitiesSeen,
  securityBlocks,
  sum,
  ticketsRaised,
} from '../dashboard-data.js';
import { daysBetween, useFormat, utcDay } from '../format.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { Customer, CustomerHealth, Daily, Identity, SetupProgress, Track } from '../types.js';
import { Figures, PeriodSwitch, TrafficCharts } from './DashboardParts.js';
import { SetupSteps } from './SetupSteps.js';

interface Loaded {
  customers: Customer[];
  health: CustomerHealth[];
  tracks: Track[];
  dailies: Daily[][];
  identities: Identity[][];
}

/** While the setup steps show, how often they are read again (a step done elsewhere, the first logs). */
const SETUP_POLL_MS = 5000;

export function Dashboard() {
  const { t } = useTranslation();
  const session = useSession();
  const setup = useLoad(() => api.get<SetupProgress>('/setup'), []);
  const waiting = setup.data !== undefined && !setup.data.hasData;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => {
      if (!document.hidden) setup.reload();
    }, SETUP_POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, setup.reload]);
  if (setup.data?.hasData) return <TrafficDashboard />;
  return (
    <>
      <PageHeader title={t('dashboard.title', { provider: session.provider.name })} />
      <ErrorMessage error={setup.error} />
      {!setup.data && !setup.error && <Loading />}
      {setup.data && <SetupSteps progress={setup.data} />}
    </>
  );
}

/** The charts, figures and customers of a provider with data. */
function TrafficDashboard() {
  const { t } = useTranslation();
  const f = useFormat();
  const session = useSession();
  const [period, setPeriod] = useState(14);
  const from = utcDay(period - 1);
  const to = utcDay(0);
  const data = useLoad(async (): Promise<Loaded> => {
    const [customers, health, tracks] = await Promise.all([
      api.get<Customer[]>('/customers'),
      api.get<CustomerHealth[]>('/activity/customers'),
      api.get<Track[]>('/tickets'),
    ]);
    const [dailies, identities] = await Promise.all([
      Promise.all(customers.map((c) => api.get<Daily[]>(`/customers/${c.id}/daily${query({ from, to })}`))),
      Promise.all(customers.map((c) => api.get<Identity[]>(`/customers/${c.id}/identities`))),
    ]);
    return { customers, health, tracks, dailies, identities };
  }, [from, to]);

  const days = daysBetween(from, to);
  const d = data.data;
  const rows: CustomerRow[] = d
    ? d.customers.map((c, i) => {
        const s = daySeries(days, [d.dailies[i]!]);
        const health = d.health.find((h) => h.customerId === c.id);
        return {
          customerId: c.id,
          name: c.name,
          health,
          requests: sum(s.requests),
          securityBlocks: sum(securityBlocks(s)),
          identities: identitiesSeen(d.identities[i]!, from),
          ticketsRaised: sum(
            ticketsRaised(
              days,
              d.tracks.filter((tr) => tr.customerId === c.id),
            ),
          ),
          reasons: attentionReasons(health),
        };
      })
    : [];
  const series = daySeries(days, d?.dailies ?? []);
  const raised = ticketsRaised(days, d?.tracks ?? []);
  return (
    <>
      <PageHeader title={t('dashboard.title', { provider: session.provider.name })}>
        <PeriodSwitch days={period} onChange={setPeriod} />
      </PageHeader>
      <ErrorMessage error={data.error} />
      {!d && !data.error && <Loading />}
      {d && (
        <>
          <Figures
            series={series}
            raised={raised}
            open={d.tracks.filter((tr) => tr.state === 'open').length}
            identities={sum(rows.map((r) => r.identities))}
          />
          <TrafficCharts series={series} raised={raised} />
          <h2 id="attention">{t('dashboard.customersTitle')}</h2>
          <p className="muted">{t('dashboard.customersIntro')}</p>
          {rows.length === 0 && <Empty text={t('dashboard.noCustomers')} />}
          {rows.length > 0 && (
            <Table caption={t('dashboard.customersTitle')}>
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.col.customer')}</th>
                  <th scope="col">{t('dashboard.col.attention')}</th>
                  <th scope="col">{t('dashboard.col.securityBlocks')}</th>
                  <th scope="col">{t('dashboard.col.requests')}</th>
                  <th scope="col">{t('dashboard.col.ticketsRaised')}</th>
                  <th scope="col">{t('dashboard.col.openTickets')}</th>
                  <th scope="col">{t('dashboard.col.identities')}</th>
                  <th scope="col">{t('dashboard.col.mapping')}</th>
                </tr>
              </thead>
              <tbody>
                {byAttention(rows).map((r) => (
                  <tr key={r.customerId} data-testid="attention-row">
                    <th scope="row">
                      <a href={href('dashboard', 'customers', r.customerId)}>{r.name}</a>
                    </th>
                    <td>
                      {r.reasons.length === 0 ? (
                        <span className="muted">{t('dashboard.attention.none')}</span>
                      ) : (
                        <ul className="reasons">
                          {r.reasons.map((x) => (
                            <li key={x}>{t(`dashboard.attention.${x}`)}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>{f.number(r.securityBlocks)}</td>
                    <td>{f.number(r.requests)}</td>
                    <td>{f.number(r.ticketsRaised)}</td>
                    <td>{f.number(r.health?.openTickets ?? 0)}</td>
                    <td>{f.number(r.identities)}</td>
                    <td>{r.health && <MappingBadge state={r.health.mappingState} />}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </>
      )}
    </>
  );
}
