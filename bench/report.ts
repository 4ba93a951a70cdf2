// What every benchmark returns and how `npm run bench` prints it: one row per measured figure,
// beside the baseline measured in the same run (the machine is shared and noisy, so only the ratio
// between two figures taken side by side means something).

/** A goal for a row: on its figure (e.g. µs/op < 20) or on its ratio to the baseline (e.g. ≥ 0.6). */
export interface BenchTarget {
  on: 'figure' | 'ratio';
  op: '<' | '<=' | '>=' | '>';
  value: number;
}

export interface BenchRow {
  name: string;
  figure: number;
  /** Unit of `figure` and `baseline`: 'req/s', 'µs/op', 'ms'… */
  unit: string;
  /** The same quantity for the baseline, measured beside it; null when the row has none. */
  baseline: number | null;
  /** figure / baseline; null without a baseline. */
  ratio: number | null;
  target?: BenchTarget;
  /** A short remark printed under the table (what the baseline is, how the figure was taken). */
  note?: string;
}

export function ratioOf(figure: number, baseline: number): number {
  return baseline === 0 ? Number.NaN : figure / baseline;
}

export function targetMet(row: BenchRow): boolean | undefined {
  const t = row.target;
  if (!t) return undefined;
  const v = t.on === 'figure' ? row.figure : row.ratio;
  if (v === null || Number.isNaN(v)) return false;
  switch (t.op) {
    case '<':
      return v < t.value;
    case '<=':
      return v <= t.value;
    case '>=':
      return v >= t.value;
    case '>':
      return v > t.value;
  }
}

function num(v: number | null, unit = ''): string {
  if (v === null) return '-';
  if (Number.isNaN(v)) return 'n/a';
  const abs = Math.abs(v);
  let text: string;
  if (abs >= 1000) text = Math.round(v).toLocaleString('en-US');
  // Ratios far below one (a latency against an hours-long cadence) would print as 0.000.
  else if (abs > 0 && abs < 0.001) text = v.toExponential(1);
  else if (Number.isInteger(v)) text = String(v);
  else if (abs >= 10) text = v.toFixed(1);
  else text = v.toFixed(abs >= 1 ? 2 : 3);
  return unit ? `${text} ${unit}` : text;
}

function targetText(row: BenchRow): string {
  const t = row.target;
  if (!t) return '-';
  const met = targetMet(row) ? 'met' : 'NOT MET';
  const subject = t.on === 'ratio' ? 'ratio' : row.unit;
  return `${subject} ${t.op} ${t.value} (${met})`;
}

/** Formats the rows as one plain-text table, plus the rows' notes underneath. */
export function formatTable(rows: BenchRow[]): string {
  const header = ['row', 'figure', 'baseline', 'ratio', 'target'];
  const body = rows.map((r) => [
    r.name,
    num(r.figure, r.unit),
    num(r.baseline, r.baseline === null ? '' : r.unit),
    r.ratio === null ? '-' : num(r.ratio),
    targetText(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  const sep = widths.map((w) => '-'.repeat(w)).join('-|-');
  const out = [line(header), sep, ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  if (notes.length) out.push('', 'notes:', ...notes);
  return out.join('\n');
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
