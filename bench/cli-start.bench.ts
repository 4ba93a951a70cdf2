// Start-up of the `parasol` command (issue 15): `parasol --help`, `parasol psa role list` and
// `parasol start` until both servers answer /healthz, against `node -e 0` in the same run (best of
// five each). Targets: --help ≤ 3×, psa role list ≤ 5×, start ready ≤ 1.5 s.
import { measureStartTimes } from './cli-start-runner.js';
import { type BenchRow, ratioOf } from './report.js';

export async function run(): Promise<BenchRow[]> {
  const t = await measureStartTimes({ runs: 5, start: true });
  const note = `baseline: node -e 0, best of 5 (${t.node.toFixed(0)} ms); compiled bundle in dist/server`;
  return [
    {
      name: 'parasol --help vs node -e 0',
      figure: t.help,
      unit: 'ms',
      baseline: t.node,
      ratio: ratioOf(t.help, t.node),
      target: { on: 'ratio', op: '<=', value: 3 },
      note,
    },
    {
      name: 'parasol psa role list vs node -e 0',
      figure: t.roleList,
      unit: 'ms',
      baseline: t.node,
      ratio: ratioOf(t.roleList, t.node),
      target: { on: 'ratio', op: '<=', value: 5 },
    },
    {
      name: 'parasol start: both /healthz answer',
      figure: t.start!,
      unit: 'ms',
      baseline: t.node,
      ratio: ratioOf(t.start!, t.node),
      target: { on: 'figure', op: '<=', value: 1500 },
    },
  ];
}
