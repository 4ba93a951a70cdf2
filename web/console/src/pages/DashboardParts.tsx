// Pieces both dashboards show: the period switch, the summary figures, and the charts of DNS
// requests, security blocks by category and tickets raised over the period's days.
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { CATEGORY_COLORS, LineChart, StackedBars } from '../components/charts.js';
import { type DaySeries, securityBlocks, sum } from '../dashboard-data.js';
import { useFormat } from '../format.js';
import { SECURITY_CATEGORIES } from '../types.js';

export const PERIODS = [7, 14, 30] as const;

export function PeriodSwitch({ days, onChange }: { days: number; onChange: (n: number) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <span className="period">
      <label htmlFor={id}>{t('dashboard.period')}</label>{' '}
      <select id={id} value={days} onChange={(e) => onChange(Number(e.target.value))}>
        {PERIODS.map((n) => (
          <option key={n} value={n}>
            {t('dashboard.lastDays', { count: n })}
          </option>
        ))}
      </select>
    </span>
  );
}

export function Figures({
  series,
  raised,
  open,
  identities,
}: {
  series: DaySeries;
  raised: number[];
  open: number;
  identities: number;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const figures = [
    ['requests', sum(series.requests)],
    ['securityBlocks', sum(securityBlocks(series))],
    ['ticketsRaised', sum(raised)],
    ['openTickets', open],
    ['identities', identities],
  ] as const;
  return (
    <dl className="figures">
      {figures.map(([key, value]) => (
        <div key={key} className="figure" data-testid={`figure-${key}`}>
          <dt>{t(`dashboard.figures.${key}`)}</dt>
          <dd>{f.number(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function TrafficCharts({ series, raised }: { series: DaySeries; raised: number[] }) {
  const { t } = useTranslation();
  return (
    <div className="charts">
      <LineChart
        title={t('dashboard.charts.requests')}
        days={series.days}
        series={[
          {
            key: 'requests',
            label: t('dashboard.series.requests'),
            values: series.requests,
            color: '#0b5cad',
          },
          { key: 'blocked', label: t('dashboard.series.blocked'), values: series.blocked, color: '#b3261e' },
        ]}
      />
      <StackedBars
        title={t('dashboard.charts.securityBlocks')}
        days={series.days}
        series={SECURITY_CATEGORIES.filter((c) => sum(series.byCategory[c]) > 0).map((c) => ({
          key: c,
          label: t(`categories.${c}`),
          values: series.byCategory[c],
          color: CATEGORY_COLORS[c] ?? '#455a64',
        }))}
      />
      <StackedBars
        title={t('dashboard.charts.tickets')}
        days={series.days}
        series={[
          { key: 'raised', label: t('dashboard.series.ticketsRaised'), values: raised, color: '#6a1b9a' },
        ]}
      />
    </div>
  );
}
