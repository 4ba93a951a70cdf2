// Scale-out on PostgreSQL (issue 8, Measure): real `parasol start --role worker --watch …` processes
// beside one `--role api` process on one database (test/scale/cluster.ts). Three workers are started
// once; the ones a run does not use are paused. Ingest: a batch of Umbrella log files renamed into the
// watched folder, with 1, 2 and 3 workers (one file at a time each; the PSA circuit held open so that
// no delivery competes); rows per second from the batch's first claim to its last commit. Delivery:
// tickets of one file wait behind the open circuit, then it closes and 1 or 3 workers deliver them to
// the built-in PSA over HTTPS; items per second from the closing to the last item done. Each ratio is
// to one worker, measured before and after the others (the machine's load drifts); beside each, the
// CPU time the cluster spent per row or item (worker and API processes, the cluster's PostgreSQL
// backends: /proc), which more workers must not raise. Skipped without DATABASE_URL. Every process
// shares this machine's cores, and PostgreSQL's.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type Kysely, sql } from 'kysely';
import { IntegrationHealth } from '../src/console/engine/health.js';
import type { Database } from '../src/platform/db-types.js';
import { type Cluster, startCluster, writeClusterLogs } from '../test/scale/cluster.js';
import { type Started, sleep } from '../test/scale/support.js';
import type { BenchRow } from './report.js';

/** 16 files of 40,000 rows, copied in 6 times per run (96 files): long beside the 1 s scan pause. */
const INGEST = { files: 16, rows: 40_000, copies: 6 };
/** Below the write-rate and request-budget bursts (600 and 900 a minute): the engine is measured. */
const TICKETS = 240;
/** Tickets delivered per worker process before each delivery run is measured. */
const WARM_UP_TICKETS = 40;
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2026, 6, 1);

const postgres = () => (process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL)?.startsWith('postgres');

export function skipReason(): string | undefined {
  return postgres() ? undefined : 'needs PostgreSQL: set DATABASE_URL=postgres://…';
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Units under the days' folders: how many are done, rows, and their first claim and last commit. */
async function batch(db: Kysely<Database>, days: readonly string[]) {
  const r = await sql<{ done: number; first: string | null; last: string | null; rows: number }>`
    SELECT count(*) FILTER (WHERE status = 'done') AS done, min(started_at) AS first,
           max(finished_at) AS last, coalesce(sum(rows), 0) AS rows
    FROM con_ingest_unit WHERE substring(source_key from '/dnslogs/([0-9-]{10})/') IN (${sql.join(days)})`.execute(
    db,
  );
  return r.rows[0]!;
}

const pending = async (db: Kysely<Database>) =>
  Number(
    (
      await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM con_outbox WHERE state IN ('pending', 'running')`.execute(db)
    ).rows[0]!.n,
  );

/** Each batch lives in its own days' folders, and its infected hosts are new (new tickets). */
let nextDay = FIRST_DAY;
let nextHost = 0;
const takeDays = (n: number) =>
  Array.from({ length: n }, () => {
    nextDay += DAY_MS;
    return iso(nextDay);
  });

/** The measured ingest batch: written once, copied in under new days for each run. */
let ingestLogs: Awaited<ReturnType<typeof writeClusterLogs>> | undefined;

interface Measured {
  rows: number;
  seconds: number;
  /** How busy the machine's cores were meanwhile (0..1). */
  busy: number;
  /** CPU seconds the cluster spent on the batch. */
  cpu: CpuUse;
}

/** Publishes a batch into the watched folder and waits until every file is ingested. */
async function ingestBatch(
  cluster: Cluster,
  active: readonly Started[],
  publish: () => Promise<{ rows: number; days: string[]; files: number }>,
): Promise<Measured> {
  const { db } = cluster.opened.storage;
  const { rows, days, files } = await publish();
  const load = busyTicks();
  const cpu = await cpuWhile(cluster, active);
  await waitFor(`${files} files`, async () => {
    await cpu.sample();
    return Number((await batch(db, days)).done) === files;
  });
  const used = await cpu.stop();
  const busy = busyFraction(load, busyTicks());
  const b = await batch(db, days);
  if (Number(b.rows) !== rows) throw new Error(`batch ${days}: ${b.rows} rows counted, ${rows} written`);
  return { rows, seconds: (Date.parse(b.last!) - Date.parse(b.first!)) / 1000, busy, cpu: used };
}

/** A small batch of new files (and new infected hosts), written now. */
function fresh(cluster: Cluster, files: number, rows: number, hostsPerFile = 1) {
  return async () => {
    const [day] = takeDays(1);
    const logs = await writeClusterLogs(cluster, {
      files,
      rows,
      dayMs: Date.parse(day!),
      firstHost: nextHost,
      hostsPerFile,
    });
    nextHost += files * hostsPerFile;
    logs.publish();
    return { rows: logs.rows, days: [day!], files };
  };
}

/** The measured batch: INGEST.files generated once, copied in under INGEST.copies new days. */
function copies(cluster: Cluster) {
  return async () => {
    ingestLogs ??= await writeClusterLogs(cluster, {
      files: INGEST.files,
      rows: INGEST.rows,
      dayMs: FIRST_DAY,
    });
    const days = takeDays(INGEST.copies);
    for (const day of days) ingestLogs.publishCopy(day);
    return { rows: ingestLogs.rows * INGEST.copies, days, files: INGEST.files * INGEST.copies };
  };
}

interface Delivered {
  items: number;
  seconds: number;
  busy: number;
  cpu: CpuUse;
}

async function deliverPending(cluster: Cluster, active: readonly Started[]): Promise<Delivered> {
  const { db } = cluster.opened.storage;
  const items = await pending(db);
  const load = busyTicks();
  const cpu = await cpuWhile(cluster, active);
  const t0 = Date.now();
  await new IntegrationHealth(db).closeCircuit(cluster.providerId, t0);
  await waitFor(`${items} items delivered`, async () => {
    await cpu.sample();
    return (await pending(db)) === 0;
  });
  const seconds = (Date.now() - t0) / 1000;
  const used = await cpu.stop();
  return { items, seconds, busy: busyFraction(load, busyTicks()), cpu: used };
}

async function openCircuit(cluster: Cluster): Promise<void> {
  await new IntegrationHealth(cluster.opened.storage.db).openCircuit(
    cluster.providerId,
    'bench: held open while files are ingested',
    Date.now(),
  );
}

/**
 * Starting a worker costs seconds (it loads the whole application), so three are started once and
 * the ones not measured are paused (SIGSTOP) between batches, when they hold no claim or lease. A
 * process frozen inside a transaction would keep its row locks: it is let go and paused again.
 */
async function pause(cluster: Cluster, worker: Started): Promise<void> {
  const { db } = cluster.opened.storage;
  for (;;) {
    worker.child.kill('SIGSTOP');
    await sleep(50);
    const open = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state LIKE 'idle in transaction%'`.execute(db);
    if (Number(open.rows[0]!.n) === 0) return;
    worker.child.kill('SIGCONT');
    await sleep(20);
  }
}

async function runOnly(cluster: Cluster, workers: readonly Started[], n: number): Promise<void> {
  for (const [i, w] of workers.entries()) {
    if (i < n) w.child.kill('SIGCONT');
    else await pause(cluster, w);
  }
}

/** One batch with `n` workers, warmed up by a small batch first; nothing delivered (circuit open). */
async function measureIngest(cluster: Cluster, workers: readonly Started[], n: number): Promise<Measured> {
  await openCircuit(cluster);
  await runOnly(cluster, workers, n);
  const active = workers.slice(0, n);
  await ingestBatch(cluster, active, fresh(cluster, 2 * n, 5_000));
  const m = await ingestBatch(cluster, active, copies(cluster));
  process.stderr.write(
    `ingest, ${n} worker(s): ${m.rows} rows in ${m.seconds.toFixed(2)} s, cores ${percent(m.busy)} busy, ` +
      `${cpuLine(m.cpu, m.rows / 1e6, 'M rows')}\n`,
  );
  return m;
}

/** Tickets queued behind the open circuit, delivered by `n` workers once it closes (after a warm-up). */
async function measureDelivery(cluster: Cluster, workers: readonly Started[], n: number): Promise<Delivered> {
  await openCircuit(cluster);
  await runOnly(cluster, workers, n);
  const active = workers.slice(0, n);
  // Warm-up: whatever waits (the ingest runs' tickets) and WARM_UP_TICKETS more per worker, so that
  // each process runs warm (JIT-compiled) delivery code, as the first one always did: it delivers the
  // ingest runs' tickets alone (a few hundred), while the others had delivered none before.
  await ingestBatch(cluster, active, fresh(cluster, 1, 20, WARM_UP_TICKETS * n));
  await deliverPending(cluster, active);
  await openCircuit(cluster);
  await ingestBatch(cluster, active, fresh(cluster, 1, 20, TICKETS));
  const m = await deliverPending(cluster, active);
  process.stderr.write(
    `delivery, ${n} worker(s): ${m.items} items in ${m.seconds.toFixed(2)} s, cores ${percent(m.busy)} busy, ` +
      `${cpuLine(m.cpu, m.items / 1000, 'k items')}\n`,
  );
  return m;
}

const mean = (a: number, b: number) => (a + b) / 2;

/** The machine's busy CPU time so far (all cores, Linux /proc/stat), in clock ticks; 0 elsewhere. */
function busyTicks(): { busy: number; total: number } {
  if (!existsSync('/proc/stat')) return { busy: 0, total: 0 };
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = fields.map(Number);
  const total = n.reduce((x, y) => x + y, 0);
  return { busy: total - (n[3] ?? 0) - (n[4] ?? 0), total };
}

function busyFraction(before: { busy: number; total: number }, after: { busy: number; total: number }) {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : Number.NaN;
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** Clock ticks per second of /proc's CPU times. */
const TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A process's CPU time so far (user + system, all its threads), in ticks; undefined once gone. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/** CPU seconds spent while a batch ran: the worker processes, the API process, PostgreSQL. */
interface CpuUse {
  workers: number;
  api: number;
  postgres: number;
}

const cpuTotal = (c: CpuUse) => c.workers + c.api + c.postgres;

/** 'CPU 12.3 s per M rows (workers 8.1, API 0.2, PostgreSQL 4.0)'. */
const cpuLine = (c: CpuUse, per: number, unit: string) =>
  `CPU ${(cpuTotal(c) / per).toFixed(2)} s per ${unit} (workers ${(c.workers / per).toFixed(2)}, ` +
  `API ${(c.api / per).toFixed(2)}, PostgreSQL ${(c.postgres / per).toFixed(2)})`;

/**
 * Samples the CPU time of the running worker processes, the API process and the cluster's
 * PostgreSQL backends (its sessions by application_name, the test's own apart) from /proc: each
 * process's utime + stime at the start and at the end; a backend is followed from its first to its
 * last sample (`sample()` runs with every poll of the batch, so one that ends between two polls —
 * an idle pool connection closed — loses at most one poll interval of its time).
 */
function cpuSampler(cluster: Cluster, workers: readonly Started[]) {
  const { db } = cluster.opened.storage;
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const backends = async () =>
    (
      await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
        WHERE application_name = ${cluster.application}`.execute(db)
    ).rows.map((r) => Number(r.pid));
  const processes = () => [
    ...workers.map((w) => w.child.pid!).map((pid) => ['w', pid] as const),
    ['a', cluster.api.child.pid!] as const,
  ];
  const begin = new Map(processes().map(([, pid]) => [pid, processTicks(pid) ?? 0]));
  return {
    async sample(): Promise<void> {
      for (const pid of await backends()) {
        const t = processTicks(pid);
        if (t === undefined) continue;
        if (!first.has(pid)) first.set(pid, t);
        last.set(pid, t);
      }
    },
    /** Backends that started during the batch count from zero (their whole life is in it). */
    async end(existing: ReadonlySet<number>): Promise<CpuUse> {
      await this.sample();
      let postgres = 0;
      for (const [pid, t] of last) postgres += t - (existing.has(pid) ? (first.get(pid) ?? 0) : 0);
      let w = 0;
      let api = 0;
      for (const [kind, pid] of processes()) {
        const used = (processTicks(pid) ?? 0) - (begin.get(pid) ?? 0);
        if (kind === 'w') w += used;
        else api += used;
      }
      return { workers: w / TICKS_PER_S, api: api / TICKS_PER_S, postgres: postgres / TICKS_PER_S };
    },
    backends,
  };
}

/** Starts sampling; `stop()` gives the CPU used since. */
async function cpuWhile(cluster: Cluster, workers: readonly Started[]) {
  const sampler = cpuSampler(cluster, workers);
  const before = new Set(await sampler.backends());
  await sampler.sample();
  return { sample: () => sampler.sample(), stop: () => sampler.end(before) };
}

export async function run(): Promise<BenchRow[]> {
  if (!postgres()) return [];
  const t0 = Date.now();
  const cluster = await startCluster({ env: { LOG_LEVEL: 'warn' } });
  process.stderr.write(`cluster (API process, set-up) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  try {
    await openCircuit(cluster);
    const t1 = Date.now();
    const workers = await cluster.startWorkers(3, ['--ingest-concurrency', '1']);
    process.stderr.write(`3 worker processes ready in ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);
    // One worker before and after the others: the machine's load drifts, the baseline is their mean.
    const ingestRuns: Measured[] = [];
    for (const n of [1, 2, 3, 1]) ingestRuns.push(await measureIngest(cluster, workers, n));
    const deliveryRuns: Delivered[] = [];
    for (const n of [1, 3, 1]) deliveryRuns.push(await measureDelivery(cluster, workers, n));
    const rate = (m: Measured) => m.rows / m.seconds;
    const itemRate = (m: { items: number; seconds: number }) => m.items / m.seconds;
    const ingest = [
      mean(rate(ingestRuns[0]!), rate(ingestRuns[3]!)),
      rate(ingestRuns[1]!),
      rate(ingestRuns[2]!),
    ];
    const delivery = [
      mean(itemRate(deliveryRuns[0]!), itemRate(deliveryRuns[2]!)),
      itemRate(deliveryRuns[1]!),
    ];
    const cores = `${availableParallelism()} cores`;
    const busy = (runs: Array<{ busy: number }>) => runs.map((r) => percent(r.busy)).join(', ');
    const rows: BenchRow[] = [];
    for (const [i, n] of [1, 2, 3].entries())
      rows.push({
        name: `ingest throughput, ${n} worker process(es) on PostgreSQL`,
        figure: ingest[i]!,
        unit: 'rows/s',
        baseline: ingest[0]!,
        ratio: ingest[i]! / ingest[0]!,
        ...(n === 1
          ? {
              note: `${cores} busy ${busy(ingestRuns)} in the runs with 1, 2, 3, 1 workers; ${INGEST.files * INGEST.copies} files × ${INGEST.rows.toLocaleString('en-US')} rows, one file at a time per process (workers warmed up first; first claim to last commit); baseline: 1 worker process, mean of a run before and after the others`,
            }
          : {}),
      });
    for (const [i, n] of [1, 3].entries())
      rows.push({
        name: `outbox delivery throughput, ${n} worker process(es)`,
        figure: delivery[i]!,
        unit: 'items/s',
        baseline: delivery[0]!,
        ratio: delivery[i]! / delivery[0]!,
        ...(n === 1
          ? {
              note: `${cores} busy ${busy(deliveryRuns)} in the runs with 1, 3, 1 workers; ${TICKETS} ticket creations to the built-in PSA over HTTPS (one API process; workers warmed up first); baseline: 1 worker process, mean of a run before and after`,
            }
          : {}),
      });
    // CPU per unit of work: the worker processes, the API process and the cluster's PostgreSQL
    // backends, from /proc (the machine's other load aside, unlike 'cores busy').
    const perRow = (m: Measured) => (cpuTotal(m.cpu) / m.rows) * 1e6;
    const perItem = (m: Delivered) => (cpuTotal(m.cpu) / m.items) * 1e3;
    const ingestCpu = [
      mean(perRow(ingestRuns[0]!), perRow(ingestRuns[3]!)),
      perRow(ingestRuns[1]!),
      perRow(ingestRuns[2]!),
    ];
    const deliveryCpu = [
      mean(perItem(deliveryRuns[0]!), perItem(deliveryRuns[2]!)),
      perItem(deliveryRuns[1]!),
    ];
    const split = (c: CpuUse) =>
      `workers ${percent(c.workers / cpuTotal(c))}, API ${percent(c.api / cpuTotal(c))}, PostgreSQL ${percent(c.postgres / cpuTotal(c))}`;
    const cpuNote =
      'CPU time (user + system) of the running worker processes, the API process and the PostgreSQL backends of the ' +
      "cluster's sessions (by application_name; the bench's own connection apart), read from /proc/<pid>/stat at the " +
      'start and end of the batch and at every poll; baseline: 1 worker process, mean of a run before and after';
    for (const [i, n] of [1, 2, 3].entries())
      rows.push({
        name: `· ingest CPU per million rows, ${n} worker process(es)`,
        figure: ingestCpu[i]!,
        unit: 'CPU-s',
        baseline: ingestCpu[0]!,
        ratio: ingestCpu[i]! / ingestCpu[0]!,
        ...(n === 1 ? {} : { target: { on: 'ratio' as const, op: '<=' as const, value: 1.2 } }),
        note: `cores ${busy(n === 1 ? [ingestRuns[0]!, ingestRuns[3]!] : [ingestRuns[n - 1]!])} busy; ${split(ingestRuns[n === 1 ? 0 : n - 1]!.cpu)}${n === 1 ? `; ${cpuNote}` : ''}`,
      });
    for (const [i, n] of [1, 3].entries())
      rows.push({
        name: `· outbox delivery CPU per thousand items, ${n} worker process(es)`,
        figure: deliveryCpu[i]!,
        unit: 'CPU-s',
        baseline: deliveryCpu[0]!,
        ratio: deliveryCpu[i]! / deliveryCpu[0]!,
        ...(n === 1 ? {} : { target: { on: 'ratio' as const, op: '<=' as const, value: 1.2 } }),
        note: `cores ${busy(n === 1 ? [deliveryRuns[0]!, deliveryRuns[2]!] : [deliveryRuns[1]!])} busy; ${split(deliveryRuns[n === 1 ? 0 : 1]!.cpu)}`,
      });
    return rows;
  } finally {
    await cluster.close();
  }
}
