// What the delivery fault test checks, through the PSA's REST API with an admin key (not through the
// proxy): per run and ticket generation exactly one ticket carrying its marker, every expected note
// exactly once on it, and the customer's configuration present once with the answers of its last
// sync. Faults and kills are attributed to runs by the PSA record they were about; the result is a
// table with a totals row.
import type { Kysely } from 'kysely';
import {
  type CwAnswer,
  DEFAULT_TYPE_NAME,
  QUESTIONS,
  type QuestionIds,
  toQuestionAnswers,
} from '../../src/console/config-sync/index.js';
import { readTypeState, type UpsertPayload } from '../../src/console/delivery/config-sync-state.js';
import { noteRef } from '../../src/console/delivery/ticket-intents.js';
import type { ConnectWiseApi } from '../../src/console/psa-client/types.js';
import { ticketMarker } from '../../src/console/ticketing/index.js';
import { type Database, decodeJson } from '../../src/platform/db-types.js';
import type { Kill } from './delivery-cluster.js';
import { FAULT_KINDS, type FaultKind, type InjectedFault } from './delivery-proxy.js';
import { type Run, WINDOW_MS } from './delivery-story.js';

export interface RunResult {
  run: string;
  faults: Record<FaultKind, number>;
  /** Kills that hit an item of the run (the victim held it). */
  kills: number;
  tickets: number;
  notes: number;
  duplicates: number;
  losses: number;
  configConverged: boolean;
  problems: string[];
}

interface CwTicket {
  id: number;
  externalXRef?: string;
}

interface CwConfiguration {
  id: number;
  company?: { id: number };
  questions?: Array<{ questionId: number; answer?: unknown }>;
}

const TAG = /\[parasol n:([^\]]+)\]/g;

const emptyFaults = (): Record<FaultKind, number> =>
  Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

async function eachLimited<T>(items: readonly T[], lanes: number, work: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The answers the customer's last queued configuration write carried ("Last synchronized" aside). */
async function lastAnswers(
  db: Kysely<Database>,
  providerId: number,
  customerId: number,
  ids: QuestionIds,
): Promise<CwAnswer[] | undefined> {
  const last = await db
    .selectFrom('con_outbox')
    .select('payload')
    .where('provider_id', '=', providerId)
    .where('customer_id', '=', customerId)
    .where('kind', '=', 'config.upsert')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!last) return undefined;
  const payload = decodeJson<UpsertPayload>(last.payload);
  return toQuestionAnswers(payload.values, ids);
}

export async function verifyRuns(options: {
  api: ConnectWiseApi;
  db: Kysely<Database>;
  providerId: number;
  dayStartMs: number;
  runs: readonly Run[];
  faults: readonly InjectedFault[];
  kills: readonly Kill[];
}): Promise<{ results: RunResult[]; shared: RunResult }> {
  const { api, db, providerId, runs } = options;
  const byMarker = new Map<string, CwTicket[]>();
  for (const t of await api.listAll<CwTicket>('/service/tickets', {
    conditions: `externalXRef like "parasol:t:${providerId}:*"`,
    fields: 'id,externalXRef',
  })) {
    const list = byMarker.get(t.externalXRef ?? '') ?? [];
    list.push(t);
    byMarker.set(t.externalXRef ?? '', list);
  }

  // The configuration type exists once, each of its questions once.
  const shared: RunResult = {
    run: 'shared',
    faults: emptyFaults(),
    kills: 0,
    tickets: 0,
    notes: 0,
    duplicates: 0,
    losses: 0,
    configConverged: true,
    problems: [],
  };
  const types = await api.list<{ id: number; name: string }>('/company/configurations/types', {
    conditions: `name="${DEFAULT_TYPE_NAME}"`,
  });
  const typeState = await readTypeState(db, providerId);
  if (types.length !== 1 || typeState?.typeId !== types[0]?.id) {
    shared.problems.push(
      `${types.length} configuration types named ${DEFAULT_TYPE_NAME} (expected 1, the one remembered)`,
    );
    shared.duplicates += Math.max(0, types.length - 1);
    shared.configConverged = false;
  }
  const typeId = types[0]?.id ?? 0;
  const questions = await api.listAll<{ question: string }>(
    `/company/configurations/types/${typeId}/questions`,
  );
  for (const q of QUESTIONS) {
    const n = questions.filter((x) => x.question.toLowerCase() === q.question.toLowerCase()).length;
    if (n !== 1) {
      shared.problems.push(`question '${q.question}' ${n} times`);
      shared.duplicates += Math.max(0, n - 1);
      shared.losses += n === 0 ? 1 : 0;
    }
  }
  const configsByCompany = new Map<number, CwConfiguration[]>();
  for (const c of await api.listAll<CwConfiguration>('/company/configurations', {
    conditions: `type/id=${typeId}`,
  })) {
    const list = configsByCompany.get(c.company?.id ?? 0) ?? [];
    list.push(c);
    configsByCompany.set(c.company?.id ?? 0, list);
  }

  const owner = new Map<string, RunResult>();
  const results = runs.map((run) => {
    const r: RunResult = {
      run: String(run.index),
      faults: emptyFaults(),
      kills: 0,
      tickets: 0,
      notes: 0,
      duplicates: 0,
      losses: 0,
      configConverged: false,
      problems: [...run.problems],
    };
    owner.set(`company:${run.companyId}`, r);
    if (run.trackId !== undefined) owner.set(`track:${run.trackId}`, r);
    return r;
  });

  await eachLimited(runs, 8, async (run) => {
    const r = results[run.index - 1]!;
    if (run.trackId === undefined) {
      r.problems.push('no ticket track was made');
      r.losses += run.story.generations.length;
      return;
    }
    const trackId = run.trackId;
    // Tickets: one per generation, found by its marker; no marker of another generation.
    const ours = [...byMarker].filter(([m]) => m.startsWith(`parasol:t:${providerId}:${trackId}:`));
    const expectedMarkers = run.story.generations.map((_, g) => ticketMarker(providerId, trackId, g + 1));
    for (const [m, list] of ours)
      if (!expectedMarkers.includes(m)) {
        r.duplicates += list.length;
        r.problems.push(`unexpected ticket(s) ${list.map((t) => t.id)} with marker ${m}`);
      }
    for (const [g, generation] of run.story.generations.entries()) {
      const tickets = byMarker.get(expectedMarkers[g]!) ?? [];
      r.tickets += tickets.length;
      if (tickets.length === 0) {
        r.losses += 1 + generation.notes.length;
        r.problems.push(`generation ${g + 1}: no ticket`);
        continue;
      }
      if (tickets.length > 1) {
        r.duplicates += tickets.length - 1;
        r.problems.push(`generation ${g + 1}: ${tickets.length} tickets (${tickets.map((t) => t.id)})`);
      }
      const refs = new Map<string, number>();
      for (const t of tickets) {
        owner.set(`ticket:${t.id}`, r);
        for (const n of await api.listAll<{ text?: string }>(`/service/tickets/${t.id}/notes`, {
          fields: 'id,text',
        }))
          for (const m of (n.text ?? '').matchAll(TAG)) refs.set(m[1]!, (refs.get(m[1]!) ?? 0) + 1);
      }
      const wanted = generation.notes.map((w) => noteRef(trackId, g + 1, options.dayStartMs + w * WINDOW_MS));
      for (const ref of wanted) {
        const n = refs.get(ref) ?? 0;
        r.notes += n;
        if (n === 0) r.losses++;
        if (n > 1) r.duplicates += n - 1;
        if (n !== 1) r.problems.push(`generation ${g + 1}: note ${ref} ${n} times`);
      }
      for (const [ref, n] of refs)
        if (!wanted.includes(ref)) {
          r.duplicates += n;
          r.problems.push(`generation ${g + 1}: unexpected note ${ref}`);
        }
    }
  });

  // Configurations: once per customer, with the answers of its last sync.
  for (const run of runs) {
    const r = results[run.index - 1]!;
    const configs = configsByCompany.get(run.companyId) ?? [];
    for (const c of configs) owner.set(`config:${c.id}`, r);
    const expected = typeState ? await lastAnswers(db, providerId, run.customerId, typeState.ids) : undefined;
    if (configs.length !== 1 || !expected) {
      r.problems.push(`${configs.length} configurations (expected 1)${expected ? '' : ', no sync queued'}`);
      r.duplicates += Math.max(0, configs.length - 1);
      r.losses += configs.length === 0 ? 1 : 0;
      continue;
    }
    const got = new Map((configs[0]!.questions ?? []).map((q) => [q.questionId, q.answer]));
    const wrong = expected.filter((a: CwAnswer) => got.get(a.questionId) !== a.answer);
    r.configConverged = wrong.length === 0;
    if (wrong.length > 0)
      r.problems.push(
        `configuration ${configs[0]!.id}: answers differ from the last sync (${wrong
          .map(
            (a) => `${a.questionId}: ${JSON.stringify(got.get(a.questionId))} ≠ ${JSON.stringify(a.answer)}`,
          )
          .join(', ')})`,
      );
  }

  for (const f of options.faults) (owner.get(f.subject) ?? shared).faults[f.kind]++;
  const byCustomer = new Map(runs.map((run) => [run.customerId, results[run.index - 1]!]));
  for (const k of options.kills)
    for (const customerId of new Set(k.heldCustomers)) {
      const r = byCustomer.get(customerId);
      if (r) r.kills++;
    }
  return { results, shared };
}

/** The table printed by the test: one row per run, the shared writes, and the totals. */
export function table(results: readonly RunResult[], shared: RunResult, killCount: number): string {
  const head = [
    'run',
    '429',
    '500 before',
    '500 after',
    'timeout',
    'dropped',
    'kills',
    'tickets',
    'notes',
    'duplicates',
    'losses',
    'config converged',
  ];
  const row = (r: RunResult, kills = r.kills) => [
    r.run,
    ...FAULT_KINDS.map((k) => String(r.faults[k])),
    String(kills),
    String(r.tickets),
    String(r.notes),
    String(r.duplicates),
    String(r.losses),
    r.configConverged ? 'yes' : 'NO',
  ];
  const all = [...results, shared];
  const sum = (f: (r: RunResult) => number) => String(all.reduce((n, r) => n + f(r), 0));
  const totals = [
    'TOTAL',
    ...FAULT_KINDS.map((k) => sum((r) => r.faults[k])),
    `${killCount} (hit ${sum((r) => r.kills)})`,
    sum((r) => r.tickets),
    sum((r) => r.notes),
    sum((r) => r.duplicates),
    sum((r) => r.losses),
    `${results.filter((r) => r.configConverged).length}/${results.length}`,
  ];
  const rows = [head, ...results.map((r) => row(r)), row(shared, 0), totals];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join(' │ ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(head), rule, ...rows.slice(1, -1).map(line), rule, line(totals)].join('\n');
}

/** The outbox items and PSA write log of the runs that failed, to tell what happened. */
export async function outboxHistory(
  db: Kysely<Database>,
  providerId: number,
  runs: readonly Run[],
  failed: readonly RunResult[],
): Promise<string> {
  const lines: string[] = [];
  for (const r of failed) {
    const run = runs.find((x) => String(x.index) === r.run);
    lines.push(`run ${r.run}${run ? ` (customer ${run.customerId}, track ${run.trackId})` : ''}:`);
    if (!run) continue;
    const items = await db
      .selectFrom('con_outbox')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', run.customerId)
      .orderBy('id')
      .execute();
    for (const i of items)
      lines.push(
        `  #${i.id} ${i.kind} ${i.state}, ${i.attempts} attempts${Number(i.ambiguous) ? ', ambiguous' : ''}, ` +
          `created ${i.created_at}, done ${i.done_at ?? '-'} by ${i.lease_owner ?? '-'}${i.last_error ? `; last error: ${i.last_error}` : ''}`,
      );
    const writes = await db
      .selectFrom('con_psa_write')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', run.customerId)
      .orderBy('id')
      .execute();
    for (const w of writes)
      lines.push(
        `  item #${w.outbox_id} ${w.at} ${w.method} ${w.path} ${w.status ?? '-'} ${w.outcome}: ${w.detail}`,
      );
  }
  return lines.join('\n');
}

/** One line on what the outbox went through: items, attempts, ambiguous re-runs, slowest delivery. */
export async function outboxSummary(db: Kysely<Database>, providerId: number): Promise<string> {
  const items = await db
    .selectFrom('con_outbox')
    .select(['kind', 'attempts', 'ambiguous', 'created_at', 'done_at'])
    .where('provider_id', '=', providerId)
    .execute();
  const took = (i: (typeof items)[number]) =>
    i.done_at ? Date.parse(i.done_at) - Date.parse(i.created_at) : 0;
  const slowest = items.reduce((a, b) => (took(b) > took(a) ? b : a), items[0]!);
  const times = items.map(took).sort((a, b) => a - b);
  const kinds = new Map<string, number>();
  for (const i of items) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
  return (
    `outbox: ${items.length} items (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ` +
    `${items.reduce((n, i) => n + Number(i.attempts), 0)} attempts, ` +
    `${items.filter((i) => Number(i.attempts) > 1).length} retried, ${items.filter((i) => Number(i.ambiguous)).length} ambiguous; ` +
    `enqueued → done p50 ${times[Math.floor(times.length / 2)]} ms, max ${took(slowest)} ms ` +
    `(${slowest.kind}, ${slowest.attempts} attempts)`
  );
}
