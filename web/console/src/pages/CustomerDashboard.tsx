// One customer's dashboard: the same charts for this customer alone, the identities seen, the
// top blocked domains of the latest day with data, and the tickets raised for it.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../api.js';
import { Empty, ErrorMessage, Loading, MappingBadge, PageHeader, Section, Table } from '../components/ui.js';
import { daySeries, identitiesSeen, ticketsRaised } from '../dashboard-data.js';
import { daysBetween, useFormat, utcDay } from '../format.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';
import type { Customer, Daily, Identity, TopDomains, Track } from '../types.js';
import { Figures, PeriodSwitch, TrafficCharts } from './DashboardParts.js';

export function CustomerDashboard({ id }: { id: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [period, setPeriod] = useState(14);
  const from = utcDay(period - 1);
  const to = utcDay(0);
  const data = useLoad(
    () =>
      Promise.all([
        api.get<Customer>(`/customers/${id}`),
        api.get<Daily[]>(`/customers/${id}/daily${query({ from, to })}`),
        api.get<Identity[]>(`/customers/${id}/identities`),
        api.get<Track[]>(`/tickets${query({ customerId: id })}`),
        api.get<TopDomains[]>(`/customers/${id}/top-domains${query({ action: 'blocked', limit: 10 })}`),
      ]),
    [id, from, to],
  );
  if (data.error) return <ErrorMessage error={data.error} />;
  if (!data.data) return <Loading />;
  const [customer, daily, identities, tracks, top] = data.data;
  const days = daysBetween(from, to);
  const series = daySeries(days, [daily]);
  const raised = ticketsRaised(days, tracks);
  const blockedTop = top.find((x) => x.action === 'blocked');
  return (
    <>
      <p className="breadcrumb">
        <a href={href('dashboard')}>{t('nav.dashboard')}</a> ›
      </p>
      <PageHeader title={customer.name}>
        <MappingBadge state={customer.mappingState} />
        <a href={href('customers', id)}>{t('dashboard.customerSettings')}</a>
        <PeriodSwitch days={period} onChange={setPeriod} />
      </PageHeader>
      <Figures
        series={series}
        raised={raised}
        open={tracks.filter((tr) => tr.state === 'open').length}
        identities={identitiesSeen(identities, from)}
      />
      <TrafficCharts series={series} raised={raised} />
      <div className="columns">
        <Section title={t('dashboard.identitiesTitle')}>
          {identities.length === 0 ? (
            <Empty text={t('dashboard.noIdentities')} />
          ) : (
            <Table caption={t('dashboard.identitiesTitle')}>
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.col.identity')}</th>
                  <th scope="col">{t('dashboard.col.type')}</th>
                  <th scope="col">{t('dashboard.col.requests')}</th>
                  <th scope="col">{t('dashboard.col.lastSeen')}</th>
                </tr>
              </thead>
              <tbody>
                {identities.slice(0, 20).map((i) => (
                  <tr key={`${i.type}:${i.label}`}>
                    <td>{i.label}</td>
                    <td>{i.type}</td>
                    <td>{f.number(i.requests)}</td>
                    <td>{f.when(i.lastSeen)}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Section>
        <Section title={t('dashboard.topBlockedTitle', { day: blockedTop?.day ?? '—' })}>
          {!blockedTop || blockedTop.domains.length === 0 ? (
            <Empty text={t('dashboard.noDomains')} />
          ) : (
            <ol className="domains">
              {blockedTop.domains.map((d) => (
                <li key={d.domain}>
                  <code>{d.domain}</code> ({f.number(d.count)})
                </li>
              ))}
            </ol>
          )}
        </Section>
      </div>
      <Section title={t('dashboard.ticketsTitle')}>
        {tracks.filter((tr) => tr.state !== 'none').length === 0 ? (
          <Empty text={t('dashboard.noTickets')} />
        ) : (
          <Table caption={t('dashboard.ticketsTitle')}>
            <thead>
              <tr>
                <th scope="col">{t('dashboard.col.ticket')}</th>
                <th scope="col">{t('dashboard.col.identity')}</th>
                <th scope="col">{t('dashboard.col.state')}</th>
                <th scope="col">{t('dashboard.col.opened')}</th>
                <th scope="col">{t('dashboard.col.lastCount')}</th>
              </tr>
            </thead>
            <tbody>
              {tracks
                .filter((tr) => tr.state !== 'none')
                .map((tr) => (
                  <tr key={tr.id}>
                    <td>{tr.psaTicketId ?? t('dashboard.ticketPending')}</td>
                    <td>{tr.identity}</td>
                    <td>{t(`tickets.state.${tr.state}`)}</td>
                    <td>{f.when(tr.openedWindow)}</td>
                    <td>{f.number(tr.lastCount)}</td>
                  </tr>
                ))}
            </tbody>
          </Table>
        )}
      </Section>
    </>
  );
}
