// Throughput of the PSA's REST API against a bare Fastify HTTPS server that serves the very same
// JSON bytes: what authentication, authorization, the record engine, SQLite and the API-log writer
// cost on top of HTTPS + Fastify itself. Both servers run in this process (one at a time is under
// load); autocannon runs in a child process (bench/load-runner.mjs) so that load generation gets
// its own event loop (and, on a 2-core machine, its own core) instead of competing with the server
// it measures. Runs alternate baseline, PSA, baseline, PSA and the medians are compared, so that
// drift in the machine's load hits both sides alike.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { ARTICLE_ROLE } from '../src/psa/catalog/index.js';
import { systemContext } from '../src/psa/service/seed.js';
import type { PsaServices } from '../src/psa/service/services.js';
import { startTestPsa } from '../test/support/psa-server.js';
import { type BenchRow, median, ratioOf } from './report.js';

const TICKETS = 1000;
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
/**
 * Later rounds find the server already warm (same process, same route): their warm-up only warms
 * the new load-generator child and its connections, which keeps `npm run bench` within its budget.
 */
const REWARM_SECONDS = 0.5;
const DURATION_SECONDS = 8;
const ROUNDS = 2;

const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-runner.mjs');

interface LoadResult {
  requestsPerSecond: number;
  completed: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50: number;
  latencyP99: number;
  seconds: number;
}

/**
 * One warm-up + measured run by the child; also this process's CPU time per response over the
 * measured run (the servers live here, and only the one under load is busy), which is far less
 * sensitive than req/s to what else the shared machine is doing.
 */
async function load(
  url: string,
  headers: Record<string, string>,
  warmupSeconds: number,
): Promise<LoadResult & { cpuUs: number }> {
  const spec = {
    url,
    headers,
    connections: CONNECTIONS,
    warmupSeconds,
    durationSeconds: DURATION_SECONDS,
  };
  const child = spawn(process.execPath, [runner, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill(), (warmupSeconds + DURATION_SECONDS + 30) * 1000);
  let out = '';
  let err = '';
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let result: (LoadResult & { cpuUs: number }) | undefined;
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = JSON.parse(out.slice(0, nl)) as LoadResult | { phase: string };
      out = out.slice(nl + 1);
      if ('phase' in line) cpuAtStart = process.cpuUsage();
      else {
        const cpu = process.cpuUsage(cpuAtStart);
        result = { ...line, cpuUs: (cpu.user + cpu.system) / Math.max(1, line.completed) };
      }
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  if (!result) throw new Error(`load runner failed (exit ${code}): ${err.slice(0, 500)}`);
  if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
    throw new Error(`load on ${url}: ${JSON.stringify(result)} (every response must be 2xx)`);
  }
  return result;
}

async function seedTickets(services: PsaServices, apiBase: string): Promise<number[]> {
  const admin = (await services.security.findMember('admin'))!;
  const ctx = await systemContext(services, admin.id, apiBase);
  const def = services.engine.def('ticket');
  const companies = ['AcmeCorp', 'Globex', 'Initech', 'UmbrellaDental', 'ParasolMSP'];
  const statuses = ['New', 'In Progress', 'Waiting Customer', 'Completed', 'Closed'];
  const priorities = [
    'Priority 1 - Emergency Response',
    'Priority 2 - Quick Response',
    'Priority 3 - Normal Response',
    'Priority 4 - Schedule Maintenance',
  ];
  const ids: number[] = [];
  for (let i = 0; i < TICKETS; i++) {
    const board = i % 3 === 0 ? 'Security Operations' : 'Service Board';
    const rec = await services.engine.create(ctx, def, [], {
      summary: `Bench ticket ${i}: DNS security event on host-${i % 97}`,
      company: { identifier: companies[i % companies.length] },
      board: { name: board },
      status: { name: statuses[Math.floor(i / 5) % statuses.length] },
      type: { name: i % 2 ? 'Security Incident' : 'Break/Fix' },
      subType: { name: 'Phishing' },
      item: { name: 'Workstation' },
      priority: { name: priorities[i % priorities.length] },
      source: { name: 'Integration' },
      contactEmailAddress: `user${i}@example.com`,
      initialDescription: `Blocked lookups of a suspicious domain from host-${i % 97}.`,
    });
    ids.push(rec.id as number);
  }
  return ids;
}

function describe(r: LoadResult & { cpuUs: number }): string {
  return (
    `${Math.round(r.requestsPerSecond)} req/s (p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms, ` +
    `${r.ok} responses, server CPU ${r.cpuUs.toFixed(1)} µs/response)`
  );
}

export async function run(): Promise<BenchRow[]> {
  const started = Date.now();
  const psa = await startTestPsa({ db: 'sqlite', logLevel: 'warn', rateLimitPerMinute: 1_000_000_000 });
  const baseline = Fastify({
    https: {
      cert: readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem')),
      key: readFileSync(path.join(psa.dataDir, 'tls', 'key.pem')),
    },
    keepAliveTimeout: 65_000,
  });
  try {
    const services = psa.running.psa.services;
    const ids = await seedTickets(services, psa.apiBase);
    const key = await psa.apiMemberWithKey('benchapi', ARTICLE_ROLE);
    const headers = { authorization: key.authorization, clientId: psa.clientId };
    process.stderr.write(`psa-api: seeded ${ids.length} tickets in ${Date.now() - started} ms\n`);

    const ticketId = ids[Math.floor(ids.length / 2)]!;
    const cases = [
      {
        name: 'GET /service/tickets/{id}',
        psaUrl: `${psa.apiBase}/service/tickets/${ticketId}`,
        baselinePath: '/single',
        target: { on: 'ratio', op: '>=', value: 0.6 } as const,
      },
      {
        name: 'GET /service/tickets?conditions…&pageSize=100',
        psaUrl: `${psa.apiBase}/service/tickets?conditions=${encodeURIComponent(
          'company/identifier="AcmeCorp" and closedFlag=false',
        )}&pageSize=100`,
        baselinePath: '/list',
        target: { on: 'ratio', op: '>=', value: 0.35 } as const,
      },
    ];

    // The exact bytes the PSA answers, served as-is by the baseline.
    const bodies = new Map<string, string>();
    for (const c of cases) {
      const res = await psa.fetch(c.psaUrl, { headers });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status}: ${text.slice(0, 300)}`);
      bodies.set(c.baselinePath, text);
    }
    const list = JSON.parse(bodies.get('/list')!) as unknown[];
    if (list.length !== 100) throw new Error(`the list case returned ${list.length} records, not 100`);
    for (const [p, body] of bodies) {
      baseline.get(p, (_req, reply) => {
        reply.header('content-type', 'application/json; charset=utf-8').send(body);
      });
    }
    await baseline.listen({ host: '127.0.0.1', port: 0 });
    const baselineOrigin = `https://127.0.0.1:${(baseline.server.address() as AddressInfo).port}`;
    for (const [p, body] of bodies) {
      const res = await psa.fetch(`${baselineOrigin}${p}`);
      if ((await res.text()) !== body) throw new Error(`baseline ${p} does not serve the PSA's bytes`);
    }

    const rows: BenchRow[] = [];
    for (const c of cases) {
      const base: Array<LoadResult & { cpuUs: number }> = [];
      const mine: Array<LoadResult & { cpuUs: number }> = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const warmup = round === 1 ? WARMUP_SECONDS : REWARM_SECONDS;
        const b = await load(`${baselineOrigin}${c.baselinePath}`, headers, warmup);
        base.push(b);
        process.stderr.write(`psa-api: ${c.name} baseline #${round}: ${describe(b)}\n`);
        const m = await load(c.psaUrl, headers, warmup);
        mine.push(m);
        process.stderr.write(`psa-api: ${c.name} PSA #${round}: ${describe(m)}\n`);
      }
      const figure = median(mine.map((r) => r.requestsPerSecond));
      const baselineFigure = median(base.map((r) => r.requestsPerSecond));
      const cpu = median(mine.map((r) => r.cpuUs));
      const baselineCpu = median(base.map((r) => r.cpuUs));
      rows.push(
        {
          name: c.name,
          figure,
          unit: 'req/s',
          baseline: baselineFigure,
          ratio: ratioOf(figure, baselineFigure),
          ...(c.target ? { target: c.target } : {}),
          note:
            `${bodies.get(c.baselinePath)!.length} B body; baseline = bare Fastify HTTPS route sending the same ` +
            `bytes; median of ${ROUNDS} alternating runs, ${CONNECTIONS} keep-alive connections, ` +
            `${WARMUP_SECONDS} s warm-up (then ${REWARM_SECONDS} s) + ${DURATION_SECONDS} s, autocannon in a child process; ` +
            `p99 latency ` +
            `${median(mine.map((r) => r.latencyP99))} ms vs ${median(base.map((r) => r.latencyP99))} ms`,
        },
        {
          name: `${c.name}: server CPU per response`,
          figure: cpu,
          unit: 'µs',
          baseline: baselineCpu,
          ratio: ratioOf(cpu, baselineCpu),
          note: 'user+system CPU time of the server process over the measured runs ÷ responses (ratio = cost multiple)',
        },
      );
    }
    return rows;
  } finally {
    await baseline.close();
    await psa.close();
    rmSync(psa.dataDir, { recursive: true, force: true });
  }
}
