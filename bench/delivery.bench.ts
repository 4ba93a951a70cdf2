// Delivery (CON-7, CON-9): how soon an ingested event becomes a ticket in the PSA, and what the
// outbox costs over calling the PSA directly. One Parasol process (PSA + console + delivery workers,
// SQLite, HTTPS, the PSA's rate limit off), a provider whose integration uses an API member with the
// article's role, customers mapped to the demo companies, and an ingest token.
//
// 1. Latency, streaming mode: each sample POSTs one NDJSON batch (a new identity crossing the default
//    rule's threshold of command-and-control blocks) to the console's ingest endpoint and polls the
//    PSA's REST API every POLL_MS until the ticket is there; the clock starts before the POST. The
//    baseline is Umbrella's own integration, which checks every four hours.
// 2. Throughput: M ticket notes on the tickets of (1), delivered by a DeliveryWorker through the
//    outbox (enqueued at once, then the worker started; timed until every item is done) against the
//    same M notes POSTed one after the other with the same ConnectWise client and no outbox. Rounds
//    alternate direct and outbox runs, so drift in the machine's load hits both alike.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Counter } from 'prom-client';
import { delivery } from '../src/console/delivery/index.js';
import { noteTag, ticketEffects } from '../src/console/delivery/ticket-effects.js';
import { trackSubject } from '../src/console/delivery/ticket-intents.js';
import type { OutboxItemInput } from '../src/console/engine/types.js';
import { DeliveryWorker } from '../src/console/engine/worker.js';
import { ingestion } from '../src/console/ingest/index.js';
import { ConnectWiseClient, type ConnectWiseClientOptions } from '../src/console/psa-client/client.js';
import type { PsaConnection } from '../src/console/psa-client/types.js';
import type { ConsoleServices } from '../src/console/service/services.js';
import { remoteSources } from '../src/console/sources-remote/index.js';
import { systemClock } from '../src/platform/clock.js';
import { createMetrics } from '../src/platform/metrics.js';
import { ARTICLE_ROLE } from '../src/psa/catalog/index.js';
import { startTestPsa, type TestPsa } from '../test/support/psa-server.js';
import { type BenchRow, median, ratioOf } from './report.js';

const SAMPLES = 40;
/** The default rule raises a ticket above 10 blocks in its window. */
const BLOCKED_PER_SAMPLE = 12;
const ALLOWED_PER_SAMPLE = 8;
const POLL_MS = 20;
const SAMPLE_TIMEOUT_MS = 30_000;
/** Umbrella's ConnectWise integration checks for new events every four hours. */
const UMBRELLA_CADENCE_S = 4 * 3600;
const NOTE_WRITES = 300;
const ROUNDS = 7;
const WARM_UP_WRITES = 300;
const DEFAULT_CONCURRENCY = 4;
/** Demo companies of the built-in PSA the customers are mapped to. */
const COMPANIES = ['AcmeCorp', 'Globex', 'Initech', 'UmbrellaDental', 'ParasolMSP'];

interface Customer {
  customerId: number;
  orgId: string;
  companyId: number;
}

interface Env {
  psa: TestPsa;
  services: ConsoleServices;
  providerId: number;
  token: string;
  customers: Customer[];
  adminAuthorization: string;
  connection: PsaConnection;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function setUp(): Promise<Env> {
  const psa = await startTestPsa({
    db: 'sqlite',
    logLevel: 'warn',
    rateLimitPerMinute: 1_000_000_000,
    delivery: true,
  });
  const services = psa.running.console.services;
  const provider = await services.accounts.createProvider({ name: 'Bench MSP', kind: 'MSP' }, 'bench');
  const key = await psa.apiMemberWithKey('parasol-bench', ARTICLE_ROLE);
  // A provider trusts only the CA its settings name: the built-in PSA's certificate.
  const ca = readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem'), 'utf8');
  const saved = await services.integration.save(
    provider.id,
    {
      enabled: true,
      site: psa.hostPort,
      trustedCa: ca,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
    },
    'bench',
  );
  if (!saved.preflight?.ok) throw new Error(`the preflight failed: ${JSON.stringify(saved.preflight)}`);
  const customers: Customer[] = [];
  for (const [i, identifier] of COMPANIES.entries()) {
    const created = await services.accounts.createCustomer(
      provider.id,
      { name: `${identifier} (bench)`, seats: 25 },
      'bench',
    );
    const mapped = await services.mapping.setMapping(
      provider.id,
      created.id,
      { psaCompanyIdentifier: identifier },
      'bench',
    );
    if (mapped.psaCompanyId === null) throw new Error(`customer ${created.id} was not mapped`);
    const orgId = `bench-org-${i}`;
    await ingestion(services).addBinding(
      provider.id,
      created.id,
      { kind: 'ndjson-org', value: orgId },
      'bench',
    );
    customers.push({ customerId: created.id, orgId, companyId: mapped.psaCompanyId });
  }
  const token = await remoteSources(services).tokens.create(
    provider.id,
    { name: 'bench collector' },
    'bench',
  );
  const admin = await psa.adminKey();
  const connection = { ...(await services.integration.connection(provider.id)), ca };
  return {
    psa,
    services,
    providerId: provider.id,
    token: token.token,
    customers,
    adminAuthorization: admin.authorization,
    connection,
  };
}

/** One collector's batch: C2 blocks from `identity` above the threshold, plus ordinary traffic. */
function batch(orgId: string, identity: string, sample: number): string {
  const ts = new Date().toISOString();
  const events = [
    ...Array.from({ length: BLOCKED_PER_SAMPLE }, (_, j) => ({
      ts,
      orgId,
      identity,
      identityType: 'roaming-computer',
      domain: `c2-${sample}-${j % 3}.botnet.example`,
      queryType: 'A',
      action: 'blocked',
      categories: ['Command and Control'],
    })),
    ...Array.from({ length: ALLOWED_PER_SAMPLE }, (_, j) => ({
      ts,
      orgId,
      identity,
      identityType: 'roaming-computer',
      domain: `site${j}.example.com`,
      queryType: 'A',
      action: 'allowed',
      categories: ['Search Engines'],
    })),
  ];
  return `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
}

async function ticketsFor(env: Env, customer: Customer, identity: string): Promise<number[]> {
  const conditions =
    `externalXRef like "parasol:t:${env.providerId}:%" and company/id = ${customer.companyId}` +
    ` and summary like "%${identity} %"`;
  const query = new URLSearchParams({ conditions, fields: 'id' });
  const res = await env.psa.fetch(`${env.psa.apiBase}/service/tickets?${query}`, {
    headers: {
      authorization: env.adminAuthorization,
      clientId: env.psa.clientId,
      accept: 'application/json',
    },
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`GET /service/tickets answered ${res.status}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as Array<{ id: number }>).map((t) => t.id);
}

/** What the console knows about an identity's ticket: its track and the track's outbox items. */
async function whyNoTicket(env: Env, identity: string): Promise<string> {
  const db = env.psa.running.storage.db;
  const track = await db
    .selectFrom('con_ticket_track')
    .select(['id', 'state', 'reason', 'psa_ticket_id', 'last_count'])
    .where('provider_id', '=', env.providerId)
    .where('identity', '=', identity)
    .executeTakeFirst();
  if (!track) return 'no track: the rule did not see the events';
  const items = await db
    .selectFrom('con_outbox')
    .select(['id', 'kind', 'state', 'attempts', 'not_before', 'last_error'])
    .where('provider_id', '=', env.providerId)
    .where('subject', '=', trackSubject(Number(track.id)))
    .execute();
  const health = await delivery(env.services).health.get(env.providerId);
  return `track ${JSON.stringify(track)}, items ${JSON.stringify(items)}, health ${JSON.stringify(health)}`;
}

interface Sample {
  totalMs: number;
  postMs: number;
}

/** POSTs one batch and polls the PSA until its ticket is visible. */
async function sample(env: Env, i: number, tag: string): Promise<Sample> {
  const customer = env.customers[i % env.customers.length]!;
  const identity = `bench-${tag}-${i}-laptop`;
  const body = batch(customer.orgId, identity, i);
  const t0 = performance.now();
  const res = await env.psa.fetch(`${env.psa.running.console.url}/api/v1/ingest/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const answer = (await res.json()) as { accepted?: number; unrouted?: number; message?: string };
  const postMs = performance.now() - t0;
  if (
    res.status !== 200 ||
    answer.accepted !== BLOCKED_PER_SAMPLE + ALLOWED_PER_SAMPLE ||
    answer.unrouted !== 0
  )
    throw new Error(`the ingest endpoint answered ${res.status}: ${JSON.stringify(answer)}`);
  for (;;) {
    const found = await ticketsFor(env, customer, identity);
    if (found.length > 1) throw new Error(`${found.length} tickets for ${identity}: duplicates`);
    if (found.length === 1) return { totalMs: performance.now() - t0, postMs };
    if (performance.now() - t0 > SAMPLE_TIMEOUT_MS)
      throw new Error(
        `no ticket for ${identity} after ${SAMPLE_TIMEOUT_MS} ms; ${await whyNoTicket(env, identity)}`,
      );
    await sleep(POLL_MS);
  }
}

interface Note {
  trackId: number;
  generation: number;
  ticketId: number;
  text: string;
  noteRef: string;
}

/** NOTE_WRITES notes spread round-robin over the open tickets (one subject per ticket). */
async function notesToWrite(env: Env, round: string): Promise<Note[]> {
  const tracks = await env.psa.running.storage.db
    .selectFrom('con_ticket_track')
    .select(['id', 'generation', 'psa_ticket_id'])
    .where('provider_id', '=', env.providerId)
    .where('state', '=', 'open')
    .where('psa_ticket_id', 'is not', null)
    .orderBy('id')
    .execute();
  if (tracks.length === 0) throw new Error('no open ticket to write notes on');
  return Array.from({ length: NOTE_WRITES }, (_, i) => {
    const t = tracks[i % tracks.length]!;
    return {
      trackId: Number(t.id),
      generation: Number(t.generation),
      ticketId: Number(t.psa_ticket_id),
      text: `Bench note ${i} of round ${round}: still active.`,
      noteRef: `bench.${round}.${i}`,
    };
  });
}

/** The client settings of both sides: the integration's connection, the client's defaults. */
const clientOptions: ConnectWiseClientOptions = {};

/**
 * Writes per second of wall-clock time, and this process's CPU time per write: the PSA and the
 * console both live here, and CPU time is far less sensitive than wall time to what else the shared
 * machine is doing.
 */
interface Rate {
  perSecond: number;
  cpuUs: number;
}

function rateOf(writes: number, ms: number, cpu: NodeJS.CpuUsage): Rate {
  return { perSecond: writes / (ms / 1000), cpuUs: (cpu.user + cpu.system) / writes };
}

async function direct(env: Env, notes: readonly Note[]): Promise<Rate> {
  const client = new ConnectWiseClient(env.connection, clientOptions);
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const n of notes) {
      // The very request the ticket.note effect sends.
      const created = await client.post<{ id?: unknown }>(`/service/tickets/${n.ticketId}/notes`, {
        text: `${n.text}\n\n${noteTag(n.noteRef)}`,
        detailDescriptionFlag: true,
        internalAnalysisFlag: false,
        resolutionFlag: false,
      });
      if (typeof created?.id !== 'number') throw new Error('a note was created without an id');
    }
    return rateOf(notes.length, performance.now() - t0, process.cpuUsage(cpu0));
  } finally {
    await client.close();
  }
}

async function throughOutbox(env: Env, notes: readonly Note[], concurrency: number): Promise<Rate> {
  const { storage } = env.psa.running;
  const { outbox } = delivery(env.services);
  const items: OutboxItemInput[] = notes.map((n) => ({
    providerId: env.providerId,
    customerId: null,
    kind: 'ticket.note',
    subject: trackSubject(n.trackId),
    payload: { trackId: n.trackId, generation: n.generation, text: n.text, noteRef: n.noteRef },
  }));
  const ids = await outbox.enqueue(storage.db, items, Date.now());
  // The worker's own attempt counter tells when every item ended, without querying the database
  // under the worker's feet.
  const metrics = createMetrics();
  const worker = new DeliveryWorker({
    storage,
    clock: systemClock,
    effects: ticketEffects,
    // As the integration does: a new client whenever the worker opens one.
    clientFor: async () => new ConnectWiseClient(env.connection, clientOptions),
    concurrency,
    writesPerMinute: 0,
    metrics,
  });
  // Told by the counter itself when the last item ends: polling it every few milliseconds cost this
  // process (which the CPU figures measure) up to a third of the outbox's own overhead per write.
  const attempts = metrics.registry.getSingleMetric('parasol_outbox_attempts_total') as Counter<'outcome'>;
  let ended = 0;
  let allEnded!: () => void;
  const drained = new Promise<void>((resolve) => {
    allEnded = resolve;
  });
  const inc = attempts.inc.bind(attempts) as (labels: { outcome: string }, value?: number) => void;
  (attempts as unknown as { inc: typeof inc }).inc = (labels, value) => {
    inc(labels, value);
    if (labels.outcome !== 'done' && labels.outcome !== 'failed') return;
    ended += value ?? 1;
    if (ended >= notes.length) allEnded();
  };
  let timer: NodeJS.Timeout | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  worker.start();
  let ms: number;
  let cpu: NodeJS.CpuUsage;
  try {
    await Promise.race([
      drained,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('the outbox did not drain in 2 minutes')), 120_000);
      }),
    ]);
    ms = performance.now() - t0;
    cpu = process.cpuUsage(cpu0);
  } finally {
    clearTimeout(timer);
    await worker.stop();
  }
  const done = await storage.db
    .selectFrom('con_outbox')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('id', 'in', ids)
    .where('state', '=', 'done')
    .executeTakeFirstOrThrow();
  if (Number(done.n) !== notes.length)
    throw new Error(`${Number(done.n)} of ${notes.length} outbox items done; the others failed`);
  return rateOf(notes.length, ms, cpu);
}

const fmt = (ms: number) => `${Math.round(ms)} ms`;

interface Round {
  direct: Rate;
  outbox: Rate;
  outbox1: Rate;
}

/**
 * The round whose ratio is the median: its figure and baseline were measured side by side, which a
 * median of each side taken apart would not be. `spread`: every round's ratio, lowest to highest.
 */
function medianRound(pairs: Array<{ figure: number; baseline: number }>): {
  row: Pick<BenchRow, 'figure' | 'baseline' | 'ratio'>;
  spread: string;
} {
  const byRatio = pairs
    .map((p) => ({ ...p, ratio: ratioOf(p.figure, p.baseline) }))
    .sort((a, b) => a.ratio - b.ratio);
  const mid = byRatio[Math.floor(byRatio.length / 2)]!;
  return {
    row: { figure: mid.figure, baseline: mid.baseline, ratio: mid.ratio },
    spread: byRatio.map((p) => p.ratio.toFixed(2)).join(' '),
  };
}

export async function run(): Promise<BenchRow[]> {
  const env = await setUp();
  try {
    const tag = Date.now().toString(36);
    const samples: Sample[] = [];
    // One warm-up sample (first ingest, first ticket: JIT, caches, the worker's first client).
    await sample(env, SAMPLES, tag);
    for (let i = 0; i < SAMPLES; i++) samples.push(await sample(env, i, tag));
    const totals = samples.map((s) => s.totalMs);
    const p50 = percentile(totals, 50);
    const p95 = percentile(totals, 95);
    process.stderr.write(
      `delivery: ${SAMPLES} samples, event → ticket p50 ${fmt(p50)}, p95 ${fmt(p95)}, ` +
        `min ${fmt(Math.min(...totals))}, max ${fmt(Math.max(...totals))}\n`,
    );

    // The process's own workers would take the notes too: the throughput runs use their own.
    await delivery(env.services).stop();
    // Warm-up, not counted: the first few hundred writes of each path run colder code (JIT).
    const warmUp = async (tag: string) => (await notesToWrite(env, tag)).slice(0, WARM_UP_WRITES);
    await direct(env, await warmUp('wd'));
    await throughOutbox(env, await warmUp('wo'), DEFAULT_CONCURRENCY);
    await throughOutbox(env, await warmUp('ws'), 1);
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Each round in another order, so that a side is not always first (or last) after the others.
      const round: Partial<Round> = {};
      const runs = [
        async () => {
          round.direct = await direct(env, await notesToWrite(env, `d${r}`));
        },
        async () => {
          round.outbox = await throughOutbox(env, await notesToWrite(env, `o${r}`), DEFAULT_CONCURRENCY);
        },
        async () => {
          round.outbox1 = await throughOutbox(env, await notesToWrite(env, `s${r}`), 1);
        },
      ];
      for (let k = 0; k < runs.length; k++) await runs[(k + r) % runs.length]!();
      rounds.push(round as Round);
    }
    const list = (side: keyof Round) =>
      rounds.map((x) => `${x[side].perSecond.toFixed(0)}/s ${x[side].cpuUs.toFixed(0)} µs`).join(', ');
    process.stderr.write(
      `delivery: writes/s and CPU per write by round: direct [${list('direct')}], ` +
        `outbox ×${DEFAULT_CONCURRENCY} [${list('outbox')}], outbox ×1 [${list('outbox1')}]\n`,
    );
    const wall = (side: 'outbox' | 'outbox1') =>
      medianRound(rounds.map((x) => ({ figure: x[side].perSecond, baseline: x.direct.perSecond })));
    const cpu = (side: 'outbox' | 'outbox1') =>
      medianRound(rounds.map((x) => ({ figure: 1e6 / x[side].cpuUs, baseline: 1e6 / x.direct.cpuUs })));
    const outbox = wall('outbox');
    const outbox1 = wall('outbox1');
    const outboxCpu = cpu('outbox');
    const outbox1Cpu = cpu('outbox1');
    const postMs = median(samples.map((s) => s.postMs));
    return [
      {
        name: 'event ingested → ticket visible in the PSA, p95',
        figure: p95 / 1000,
        unit: 's',
        baseline: UMBRELLA_CADENCE_S,
        ratio: ratioOf(p95 / 1000, UMBRELLA_CADENCE_S),
        target: { on: 'figure', op: '<', value: 2 },
        note:
          `${SAMPLES} samples, each a new identity crossing the default rule (${BLOCKED_PER_SAMPLE} C2 blocks > 10) in one NDJSON POST over HTTPS, ` +
          `then GET /service/tickets every ${POLL_MS} ms until the ticket is there; min ${fmt(Math.min(...totals))}, max ${fmt(Math.max(...totals))}; ` +
          `baseline: Umbrella's integration checks every four hours`,
      },
      {
        name: 'event ingested → ticket visible in the PSA, p50',
        figure: p50 / 1000,
        unit: 's',
        baseline: UMBRELLA_CADENCE_S,
        ratio: ratioOf(p50 / 1000, UMBRELLA_CADENCE_S),
        note: `of which the ingest POST (parse, aggregate, decide, commit) ${fmt(postMs)} at the median`,
      },
      {
        name: `outbox delivery (worker, concurrency ${DEFAULT_CONCURRENCY}) vs direct client calls`,
        ...outbox.row,
        unit: 'writes/s',
        target: { on: 'ratio', op: '>=', value: 0.75 },
        note:
          `${NOTE_WRITES} ticket notes over ${SAMPLES + 1} tickets, enqueued then delivered by a DeliveryWorker (ticket.note effect, ` +
          `write log, the clients it opens); baseline: the same ${NOTE_WRITES} POSTs one after the other on one ConnectWise ` +
          `client; PSA rate limit and client budget off on both sides; ${ROUNDS} rounds alternating the sides, the row is the ` +
          `median round by ratio (rounds ${outbox.spread})`,
      },
      {
        name: 'outbox delivery (worker, concurrency 1) vs direct client calls',
        ...outbox1.row,
        unit: 'writes/s',
        target: { on: 'ratio', op: '>=', value: 0.75 },
        note:
          'the same with one effect at a time: what claiming, leases and completions cost per write ' +
          `(rounds ${outbox1.spread})`,
      },
      {
        name: `· per CPU-second (concurrency ${DEFAULT_CONCURRENCY}) vs direct`,
        ...outboxCpu.row,
        unit: 'writes/CPU-s',
        note:
          'the same runs measured by this process’s CPU time (PSA and console are both here and both sides are ' +
          'CPU-bound), which the other load on a shared machine moves less: about the writes/s ratio of an idle machine ' +
          `(rounds ${outboxCpu.spread})`,
      },
      {
        name: '· per CPU-second (concurrency 1) vs direct',
        ...outbox1Cpu.row,
        unit: 'writes/CPU-s',
        note: `rounds ${outbox1Cpu.spread}`,
      },
    ];
  } finally {
    await env.psa.close();
  }
}
