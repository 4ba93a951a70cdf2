// Charts in plain SVG (no chart library: two small kinds are all the dashboard needs): lines over
// days and bars stacked per day. Each is an image named by its title, with its numbers in a table
// under a disclosure, so the data is there for keyboards and screen readers too.
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format.js';

export interface Series {
  key: string;
  label: string;
  values: number[];
  color: string;
}

const W = 520;
const H = 210;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/** A round upper bound for the axis, whose half (the middle mark) is a whole number too. */
function niceMax(max: number): number {
  // Counts are whole numbers: small ones get the next even number (at least 2).
  if (max <= 10) return Math.max(2, Math.ceil(max / 2) * 2);
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max) ?? 10 * p;
}

function Axes({ days, top }: { days: string[]; top: number }) {
  const f = useFormat();
  const plotH = H - PAD.top - PAD.bottom;
  const ticks = [0, top / 2, top];
  const labelAt = days.length <= 1 ? [0] : [0, Math.floor((days.length - 1) / 2), days.length - 1];
  const x = (i: number) =>
    PAD.left + (days.length <= 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (days.length - 1));
  return (
    <g className="axes">
      {ticks.map((v) => {
        const y = PAD.top + plotH - (v / top) * plotH;
        return (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {f.number(v)}
            </text>
          </g>
        );
      })}
      {[...new Set(labelAt)].map((i) => (
        <text
          key={i}
          x={x(i)}
          y={H - 8}
          textAnchor={i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle'}
        >
          {days[i] ? f.day(days[i]) : ''}
        </text>
      ))}
    </g>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <ul className="legend">
      {series.map((s) => (
        <li key={s.key}>
          <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
          {s.label}
        </li>
      ))}
    </ul>
  );
}

function DataTable({ title, days, series }: { title: string; days: string[]; series: Series[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <details className="chart-data">
      <summary>{t('charts.showData')}</summary>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('charts.day')}</th>
              {series.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d, i) => (
              <tr key={d}>
                <th scope="row">{d}</th>
                {series.map((s) => (
                  <td key={s.key}>{f.number(s.values[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** Lines over days, one per series. */
export function LineChart({ title, days, series }: { title: string; days: string[]; series: Series[] }) {
  const id = useId();
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length <= 1 ? plotW / 2 : (i * plotW) / (days.length - 1));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  return (
    <figure className="chart" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img">
        <title>{title}</title>
        <Axes days={days} top={top} />
        {series.map((s) => (
          <g key={s.key}>
            <polyline
              fill="none"
              stroke={s.color}
              strokeWidth={2.5}
              points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')}
            />
            {s.values.map((v, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one point per day, in day order
              <circle key={i} cx={x(i)} cy={y(v)} r={3} fill={s.color} />
            ))}
          </g>
        ))}
      </svg>
      <Legend series={series} />
      <DataTable title={title} days={days} series={series} />
    </figure>
  );
}

/** Bars per day, the series stacked on each other. */
export function StackedBars({ title, days, series }: { title: string; days: string[]; series: Series[] }) {
  const id = useId();
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const top = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.7);
  return (
    <figure className="chart" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img">
        <title>{title}</title>
        <Axes days={days} top={top} />
        {days.map((d, i) => {
          let base = 0;
          return (
            <g key={d}>
              {series.map((s) => {
                const v = s.values[i] ?? 0;
                if (v <= 0) return null;
                const h = (v / top) * plotH;
                const yTop = PAD.top + plotH - ((base + v) / top) * plotH;
                base += v;
                return (
                  <rect
                    key={s.key}
                    x={PAD.left + i * slot + (slot - barW) / 2}
                    y={yTop}
                    width={barW}
                    height={h}
                    fill={s.color}
                  />
                );
              })}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
      <DataTable title={title} days={days} series={series} />
    </figure>
  );
}

/** One colour per security category (distinguishable, and dark enough on white). */
export const CATEGORY_COLORS: Record<string, string> = {
  malware: '#b3261e',
  'command-and-control': '#6a1b9a',
  phishing: '#c75b00',
  cryptomining: '#00695c',
  'newly-seen': '#1565c0',
  'dynamic-dns': '#827717',
  tunneling: '#4e342e',
  'potentially-harmful': '#ad1457',
  'other-security': '#455a64',
};
