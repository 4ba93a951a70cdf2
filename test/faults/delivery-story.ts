// The randomized runs of the delivery fault test. A run is one customer mapped to its own PSA company
// with its own story, played through the REAL decision path: synthetic DNS events are folded by
// AggregateBatch and committed as ingest units through an IngestStore built with the delivery's
// commit hooks, so the ticket decisions and their outbox items commit with the counts. The story:
// the threshold is crossed (in one unit or two), maybe more activity in the same window, one or more
// later windows (a note each), sometimes the ticket is closed in the PSA through its REST API and the
// status poll learns it, then new activity raises a new ticket (policy 'new'), maybe with a note; and
// one or two configuration syncs at random points. After each step the items the decision enqueued
// are checked against the story.
import type { Kysely } from 'kysely';
import { type AggregatableEvent, AggregateBatch } from '../../src/console/aggregate/index.js';
import type { Delivery } from '../../src/console/delivery/index.js';
import type { IngestStore } from '../../src/console/ingest/store.js';
import type { Database } from '../../src/platform/db-types.js';

/** mulberry32: a small seeded PRNG, [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));

/** The default rule's threshold (more than 10 blocks in a window) and window (4 hours). */
const THRESHOLD = 10;
export const WINDOW_MS = 4 * 3_600_000;

export type Step =
  /** Blocked command-and-control requests (and allowed noise) of the run's identity in window `window`. */
  | {
      kind: 'activity';
      window: number;
      blocked: number;
      allowed: number;
      expect: 'create' | 'note' | 'nothing';
    }
  /** The ticket is closed by hand in the PSA; the status poll learns it. */
  | { kind: 'close' }
  | { kind: 'sync' };

export interface Story {
  steps: Step[];
  /** Per ticket generation (the first is generation 1): the windows that each give exactly one note. */
  generations: Array<{ notes: number[] }>;
}

export function makeStory(random: () => number): Story {
  const steps: Step[] = [];
  const generations: Story['generations'] = [{ notes: [] }];
  const activity = (window: number, blocked: number, expect: 'create' | 'note' | 'nothing') =>
    steps.push({ kind: 'activity', window, blocked, allowed: between(random, 0, 5), expect });
  // Window 0: the threshold is crossed, streaming (a unit below it first, half the time).
  const total = between(random, THRESHOLD + 1, THRESHOLD + 10);
  if (random() < 0.5) {
    const first = between(random, 1, THRESHOLD - 1);
    activity(0, first, 'nothing');
    activity(0, total - first, 'create');
  } else activity(0, total, 'create');
  if (random() < 0.5) activity(0, between(random, 1, 5), 'nothing');
  let window = 1;
  for (let n = between(random, 1, 3); n > 0; n--) {
    generations[0]!.notes.push(window);
    activity(window++, between(random, 1, 8), 'note');
  }
  if (random() < 0.5) {
    steps.push({ kind: 'close' });
    generations.push({ notes: [] });
    activity(window++, between(random, THRESHOLD + 1, THRESHOLD + 10), 'create');
    if (random() < 0.5) {
      generations[1]!.notes.push(window);
      activity(window++, between(random, 1, 8), 'note');
    }
  }
  steps.splice(between(random, 0, steps.length), 0, { kind: 'sync' });
  if (random() < 0.5) steps.push({ kind: 'sync' });
  return { steps, generations };
}

export interface Run {
  /** 1-based, for the table. */
  index: number;
  customerId: number;
  companyId: number;
  identity: string;
  story: Story;
  /** The run's ticket track, once the first decision made it. */
  trackId?: number;
  /** Decisions that did not match the story (each one fails the test). */
  problems: string[];
}

export interface Stage {
  db: Kysely<Database>;
  providerId: number;
  /** Built with `delivery(services).commitHooks`. */
  store: IngestStore;
  delivery: Delivery;
  /** Start of the UTC day the windows are in (the configuration sync's reporting day). */
  dayStartMs: number;
  /** Closes a ticket by hand through the PSA's REST API. */
  closeTicket(ticketId: number): Promise<void>;
  /** How long a run may wait for its writes to be delivered. */
  deliveryDeadlineMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SQLite shared by several processes: a transaction that read first may find the file changed. */
async function busyRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (attempt >= 20 || (code !== 'SQLITE_BUSY' && code !== 'SQLITE_BUSY_SNAPSHOT')) throw e;
      await sleep(10 * attempt);
    }
  }
}

function events(run: Run, step: Extract<Step, { kind: 'activity' }>, stage: Stage, random: () => number) {
  const start = stage.dayStartMs + step.window * WINDOW_MS;
  const identity = { label: run.identity, type: 'Network Devices' };
  const out: AggregatableEvent[] = [];
  const at = () => start + Math.floor(random() * WINDOW_MS);
  for (let i = 0; i < step.blocked; i++)
    out.push({
      ts: at(),
      customerId: run.customerId,
      identity,
      domain: `c2-${between(random, 1, 3)}.botnet.example`,
      action: 'blocked',
      categories: ['command-and-control'],
    });
  for (let i = 0; i < step.allowed; i++)
    out.push({
      ts: at(),
      customerId: run.customerId,
      identity,
      domain: 'www.example.com',
      action: 'allowed',
      categories: [],
    });
  return out;
}

/** One ingest unit, claimed and committed like ingestion does (the decisions run inside the commit). */
async function commitUnit(stage: Stage, run: Run, step: number, batch: AggregatableEvent[]): Promise<void> {
  const unit = {
    providerId: stage.providerId,
    sourceKey: `fault-run:${run.customerId}:${step}`,
    version: '1',
  };
  const owner = 'delivery-fault-test';
  const claim = await stage.store.claim(unit, owner, Date.now(), 60_000);
  if (claim.state !== 'claimed')
    throw new Error(`run ${run.index}: unit ${step} not claimed (${claim.state})`);
  const counts = { bytes: 0, rows: batch.length, badRows: 0, unrouted: 0 };
  const deltas = new AggregateBatch().addAll(batch).deltas();
  const mine = await stage.store.commit(
    stage.providerId,
    claim.unitId,
    owner,
    counts,
    [],
    deltas,
    256,
    Date.now(),
  );
  if (!mine) throw new Error(`run ${run.index}: unit ${step} was not committed`);
}

async function itemCounts(stage: Stage, run: Run): Promise<Record<string, number>> {
  const rows = await stage.db
    .selectFrom('con_outbox')
    .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('provider_id', '=', stage.providerId)
    .where('customer_id', '=', run.customerId)
    .groupBy('kind')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}

/** Waits until none of the run's items is pending or running; a failed item fails the run. */
export async function waitDelivered(stage: Stage, customerIds: readonly number[] | null): Promise<void> {
  const deadline = Date.now() + stage.deliveryDeadlineMs;
  for (;;) {
    let q = stage.db
      .selectFrom('con_outbox')
      .select(['id', 'kind', 'state', 'attempts', 'last_error'])
      .where('provider_id', '=', stage.providerId)
      .where('state', 'in', ['pending', 'running', 'failed']);
    if (customerIds) q = q.where('customer_id', 'in', [...customerIds]);
    const open = await q.orderBy('id').execute();
    const failed = open.filter((r) => r.state === 'failed');
    if (failed.length > 0)
      throw new Error(
        `failed outbox items: ${failed.map((f) => `#${f.id} ${f.kind} after ${f.attempts} attempts: ${f.last_error}`).join('; ')}`,
      );
    if (open.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `not delivered in time: ${open.map((r) => `#${r.id} ${r.kind} ${r.state} (${r.attempts} attempts; ${r.last_error ?? ''})`).join('; ')}`,
      );
    await sleep(100);
  }
}

async function track(stage: Stage, run: Run) {
  return stage.db
    .selectFrom('con_ticket_track')
    .select(['id', 'state', 'generation', 'psa_ticket_id'])
    .where('provider_id', '=', stage.providerId)
    .where('customer_id', '=', run.customerId)
    .executeTakeFirst();
}

/** Closes the current ticket in the PSA once it exists, then polls until the track learns it. */
async function closeByHand(stage: Stage, run: Run): Promise<void> {
  // Everything of the current ticket is delivered first: a person closes a ticket they have seen.
  await waitDelivered(stage, [run.customerId]);
  const before = await track(stage, run);
  if (before?.psa_ticket_id == null) throw new Error(`run ${run.index}: no PSA ticket to close`);
  await stage.closeTicket(Number(before.psa_ticket_id));
  for (let polls = 1; ; polls++) {
    await busyRetry(() => stage.delivery.ticketStatus.pollProvider(stage.providerId));
    if ((await track(stage, run))?.state === 'closed') return;
    if (polls >= 30) throw new Error(`run ${run.index}: the status poll never learned the ticket was closed`);
    await sleep(100);
  }
}

/** Plays the run's story; returns when everything it caused has been delivered. */
export async function playStory(stage: Stage, run: Run, random: () => number): Promise<void> {
  const expected = { 'ticket.create': 0, 'ticket.note': 0 };
  // The runs of a round start within a few seconds of each other, not in one burst.
  await sleep(Math.floor(random() * 4_000));
  for (const [i, step] of run.story.steps.entries()) {
    await sleep(Math.floor(random() * 250)); // items of earlier steps are in flight meanwhile
    if (step.kind === 'sync') {
      await busyRetry(() =>
        stage.delivery.configSync.syncProvider(stage.providerId, { customerIds: [run.customerId] }),
      );
      continue;
    }
    if (step.kind === 'close') {
      await closeByHand(stage, run);
      continue;
    }
    await commitUnit(stage, run, i, events(run, step, stage, random));
    if (step.expect === 'create') expected['ticket.create']++;
    if (step.expect === 'note') expected['ticket.note']++;
    const got = await itemCounts(stage, run);
    for (const kind of ['ticket.create', 'ticket.note'] as const)
      if ((got[kind] ?? 0) !== expected[kind])
        run.problems.push(
          `step ${i} (window ${step.window}, ${step.blocked} blocked): ${got[kind] ?? 0} ${kind} items, expected ${expected[kind]}`,
        );
    if (run.trackId === undefined) {
      const made = await track(stage, run);
      if (made) run.trackId = Number(made.id);
    }
  }
  await waitDelivered(stage, [run.customerId]);
}
