// Issue 13, item 4: what a sign-in flood does to the rest of the server. 16 attackers, each from
// its own loopback address, post random sign-ins to both products back to back for 12 s (a child
// process: test/sign-in/flood-client.mjs) while this process — the server — keeps calling the PSA's
// REST API with a key, runs the console's preflight against the PSA by host name, and looks that
// name up on libuv's pool. Each figure is the p95 under the flood; its baseline the same probes for
// 12 s just before, without it. Before the hashing queue the preflight took 16.5 s (55–89 ms
// without the flood) and the server grew from 227 to 751 MB.
import { DEFAULT_ATTEMPTS_PER_MINUTE } from '../src/platform/sign-in-guard.js';
import { measureFlood } from '../test/sign-in/flood.js';
import { startTestPsa } from '../test/support/psa-server.js';
import { type BenchRow, ratioOf } from './report.js';

const SECONDS = 12;
const ATTACKERS = 16;

export async function run(): Promise<BenchRow[]> {
  const psa = await startTestPsa({
    db: 'sqlite',
    demo: false,
    logLevel: 'error',
    signInAttemptsPerMinute: DEFAULT_ATTEMPTS_PER_MINUTE,
  });
  try {
    const r = await measureFlood(psa, SECONDS, ATTACKERS);
    const row = (name: string, figure: number, baseline: number, note?: string): BenchRow => ({
      name,
      figure,
      unit: 'ms',
      baseline,
      ratio: ratioOf(figure, baseline),
      target: { on: 'figure', op: '<', value: 500 },
      ...(note ? { note } : {}),
    });
    const statuses = Object.entries(r.attackers.statuses)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    return [
      row(
        'PSA REST call p95 during a sign-in flood',
        r.flood.restP95,
        r.quiet.restP95,
        `${ATTACKERS} attackers × ${SECONDS} s, ${r.attackers.attempts} attempts (${statuses}); baseline: the same probes without the flood`,
      ),
      row('preflight p95 during a sign-in flood', r.flood.preflightP95, r.quiet.preflightP95),
      row('DNS look-up p95 during a sign-in flood', r.flood.dnsP95, r.quiet.dnsP95),
      {
        name: 'server memory growth during a sign-in flood',
        figure: r.flood.rssMaxMb - r.quiet.rssMaxMb,
        unit: 'MB',
        baseline: null,
        ratio: null,
        target: { on: 'figure', op: '<', value: 100 },
        note: `highest RSS ${r.flood.rssMaxMb.toFixed(0)} MB under the flood, ${r.quiet.rssMaxMb.toFixed(0)} MB without`,
      },
    ];
  } finally {
    await psa.close();
  }
}
