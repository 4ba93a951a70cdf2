// Configuration sync (CON-8) against the built-in PSA over HTTPS, through the real outbox and delivery
// worker, with an API member holding the article's role: the type and its questions are created once;
// a second sync writes nothing; a restart that lost the console's state finds everything again; a
// question renamed or added by hand is tolerated, a question or a configuration deleted by hand is
// recreated; answers show the metrics; unmapped customers get a visible reason. Then the required
// scale test: 1,000 mapped customers, and the PSA requests of a steady daily sync from its API Logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregatableEvent } from '../../src/console/aggregate/index.js';
import {
  answerValues,
  QUESTIONS,
  STATUS_ACTIVE,
  STATUS_NEVER,
  STATUS_SILENT,
} from '../../src/console/config-sync/index.js';
import { ConfigSyncService, REASON_UNMAPPED } from '../../src/console/delivery/config-sync.js';
import { CONFIG_UPSERT, configSubject } from '../../src/console/delivery/config-sync-state.js';
import { cwDate } from '../../src/platform/clock.js';
import { databaseKinds } from '../support/databases.js';
import { type ConfigEnv, startConfigEnv } from './support.js';

const DAY_MS = 86_400_000;

interface CwConfiguration {
  id: number;
  name: string;
  type: { id: number };
  company: { id: number };
  questions: Array<{ questionId: number; question: string; answer?: unknown; fieldType: string }>;
}

const at = (iso: string) => Date.parse(iso);
const event = (
  ts: string,
  customerId: number,
  identity: string,
  domain: string,
  action: 'allowed' | 'blocked',
  categories: string[] = [],
): AggregatableEvent => ({
  ts: at(ts),
  customerId,
  identity: { label: identity, type: 'AD Computers' },
  domain,
  action,
  categories,
});
const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe.each(databaseKinds)('configuration sync on %s', (db) => {
  let env: ConfigEnv;
  let typeId: number;
  const companies = new Map<string, number>();
  const customers = new Map<string, number>();

  const configurationsOf = async (companyId: number): Promise<CwConfiguration[]> =>
    (await env.rest('GET', `/company/configurations?conditions=company/id=${companyId}&pageSize=100`)).body;
  const questionsOfType = async (): Promise<Array<{ id: number; question: string; fieldType: string }>> =>
    (await env.rest('GET', `/company/configurations/types/${typeId}/questions?pageSize=1000`)).body;
  const answersOf = (c: CwConfiguration) => new Map(c.questions.map((q) => [q.question, q.answer]));
  const syncAndDrain = async () => {
    const summary = await env.service.syncProvider(env.providerId);
    const run = await env.drain();
    expect(run.failed).toEqual([]);
    return summary;
  };

  beforeAll(async () => {
    env = await startConfigEnv(db);
    for (const identifier of ['AcmeCorp', 'Globex', 'Initech']) {
      const r = await env.rest('GET', `/company/companies?conditions=identifier="${identifier}"&fields=id`);
      companies.set(identifier, r.body[0].id);
    }
    const ids = await env.addCustomers([
      { name: 'Acme', company: { id: companies.get('AcmeCorp')!, identifier: 'AcmeCorp' } },
      { name: 'Globex', company: { id: companies.get('Globex')!, identifier: 'Globex' } },
      { name: 'Initech', company: { id: companies.get('Initech')!, identifier: 'Initech' } },
      { name: 'Umbrella Dental' },
    ]);
    for (const [i, name] of ['Acme', 'Globex', 'Initech', 'Umbrella Dental'].entries())
      customers.set(name, ids[i]!);
    // Acme's traffic on 2026-03-09 (the reporting day of the clock's 2026-03-10T06:00Z), and one event
    // today that only moves "last event received".
    const acme = customers.get('Acme')!;
    await env.addTraffic([
      ...times(5, (i) => event(`2026-03-09T10:0${i}:00Z`, acme, 'laptop-1', 'docs.example', 'allowed')),
      ...times(3, (i) =>
        event(`2026-03-09T11:0${i}:00Z`, acme, 'laptop-1', 'evil.example', 'blocked', ['malware']),
      ),
      ...times(2, (i) =>
        event(`2026-03-09T12:0${i}:00Z`, acme, 'laptop-1', 'c2.example', 'blocked', ['command-and-control']),
      ),
      event('2026-03-09T13:00:00Z', acme, 'phone-2', 'c2.example', 'blocked', ['command-and-control']),
      ...times(2, (i) => event(`2026-03-09T14:0${i}:00Z`, acme, 'phone-2', 'news.example', 'allowed')),
      event('2026-03-09T15:00:00Z', acme, 'phone-2', 'games.example', 'blocked', ['content']),
      event('2026-03-08T09:00:00Z', acme, 'old-pc', 'docs.example', 'allowed'),
      event('2026-03-10T05:00:00Z', acme, 'server-3', 'updates.example', 'allowed'),
    ]);
  });
  afterAll(async () => env?.close());

  it('first sync: the type and its questions once, one configuration per mapped customer, a reason for the unmapped', async () => {
    const summary = await syncAndDrain();
    expect(summary.day).toBe('2026-03-09');
    expect(summary.ensureType).toBe(true);
    expect(summary.enqueued).toBe(3);
    expect(summary.notSynced).toEqual([
      { customerId: customers.get('Umbrella Dental'), reason: REASON_UNMAPPED },
    ]);

    const types = (await env.rest('GET', '/company/configurations/types?conditions=name="DNS Security"'))
      .body;
    expect(types).toHaveLength(1);
    typeId = types[0].id;
    const questions = await questionsOfType();
    expect(questions.map((q) => [q.question, q.fieldType])).toEqual(
      QUESTIONS.map((q) => [q.question, q.fieldType]),
    );

    for (const [identifier, name] of [
      ['AcmeCorp', 'Acme'],
      ['Globex', 'Globex'],
      ['Initech', 'Initech'],
    ] as const) {
      const configs = await configurationsOf(companies.get(identifier)!);
      expect(configs).toHaveLength(1);
      expect(configs[0]!.type.id).toBe(typeId);
      expect(configs[0]!.name).toBe(`DNS Security - ${name}`);
    }
    const rows = await env.db
      .selectFrom('con_config_sync')
      .selectAll()
      .where('provider_id', '=', env.providerId)
      .execute();
    const unmapped = rows.find((r) => Number(r.customer_id) === customers.get('Umbrella Dental'));
    expect(unmapped?.last_error).toBe(REASON_UNMAPPED);
    expect(unmapped?.psa_configuration_id).toBeNull();
    const outboxForUnmapped = await env.db
      .selectFrom('con_outbox')
      .select('id')
      .where('customer_id', '=', customers.get('Umbrella Dental')!)
      .execute();
    expect(outboxForUnmapped).toEqual([]);
    for (const name of ['Acme', 'Globex', 'Initech']) {
      const row = rows.find((r) => Number(r.customer_id) === customers.get(name));
      expect(row?.psa_configuration_id).toBeGreaterThan(0);
      expect(row?.last_error).toBeNull();
    }
  });

  it('answers show the metrics of the last complete UTC day', async () => {
    const [acme] = await configurationsOf(companies.get('AcmeCorp')!);
    const a = answersOf(acme!);
    expect(a.get('Service status')).toBe(STATUS_ACTIVE);
    expect(a.get('Last event received')).toBe('2026-03-10T05:00:00Z');
    expect(a.get('Counts for (UTC day)')).toBe('2026-03-09');
    expect(a.get('Active identities')).toBe(2);
    expect(a.get('DNS requests')).toBe(14);
    expect(a.get('Blocked requests')).toBe(7);
    expect(a.get('Security blocks: Malware')).toBe(3);
    expect(a.get('Security blocks: Command and control')).toBe(3);
    expect(a.get('Security blocks: Phishing')).toBe(0);
    expect(a.get('Threats prevented')).toBe(6);
    expect(a.get('Infections contained')).toBe(2);
    expect(a.get('Top blocked domains')).toBe('c2.example (3)\nevil.example (3)\ngames.example (1)');
    expect(a.get('Top allowed domains')).toBe('docs.example (5)\nnews.example (2)');
    // Written when the write ran: right after the type was ensured (which releases the writes queued
    // ENSURE_HEAD_START_MS behind it), so at the clock's time then — 06:00, or later only when a PSA
    // request of the ensuring had to be retried (seen once on a loaded machine: +30 s, one lease).
    const ensured = await env.db
      .selectFrom('con_config_type_state')
      .select('ensured_at')
      .where('provider_id', '=', env.providerId)
      .executeTakeFirstOrThrow();
    expect(Date.parse(ensured.ensured_at!)).toBeGreaterThanOrEqual(at('2026-03-10T06:00:00Z'));
    expect(a.get('Last synchronized')).toBe(cwDate(new Date(ensured.ensured_at!)));

    const [globex] = await configurationsOf(companies.get('Globex')!);
    const g = answersOf(globex!);
    expect(g.get('Service status')).toBe(STATUS_NEVER);
    expect(g.get('Last event received')).toBeUndefined();
    expect(g.get('DNS requests')).toBe(0);
    expect(g.get('Top blocked domains')).toBe('None');
  });

  it('syncing again the same day sends nothing to the PSA', async () => {
    env.clock.advance(60 * 60_000);
    const mark = await env.logMark();
    const summary = await syncAndDrain();
    expect(summary.ensureType).toBe(false);
    expect(summary.enqueued).toBe(3);
    expect(await env.requestsSince(mark)).toEqual({ total: 0, byMethod: {} });
  });

  it('after a restart that lost the console state, everything is found again, nothing duplicated', async () => {
    const before = await Promise.all([...companies.values()].map(configurationsOf));
    await env.db.deleteFrom('con_config_type_state').where('provider_id', '=', env.providerId).execute();
    await env.db.deleteFrom('con_config_sync').where('provider_id', '=', env.providerId).execute();
    const mark = await env.logMark();
    const summary = await syncAndDrain();
    expect(summary.ensureType).toBe(true);
    const requests = await env.requestsSince(mark);
    expect(requests.byMethod.POST).toBeUndefined();
    expect(requests.byMethod.DELETE).toBeUndefined();
    expect(
      (await env.rest('GET', '/company/configurations/types?conditions=name="DNS Security"')).body,
    ).toHaveLength(1);
    expect(await questionsOfType()).toHaveLength(QUESTIONS.length);
    const after = await Promise.all([...companies.values()].map(configurationsOf));
    expect(after.map((cs) => cs.map((c) => c.id))).toEqual(before.map((cs) => cs.map((c) => c.id)));
  });

  it('a question renamed by hand and one added by hand are tolerated: kept, not duplicated', async () => {
    const questions = await questionsOfType();
    const status = questions.find((q) => q.question === 'Service status')!;
    expect(
      (
        await env.rest('PATCH', `/company/configurations/types/${typeId}/questions/${status.id}`, [
          { op: 'replace', path: 'question', value: 'DNS protection state' },
        ])
      ).status,
    ).toBe(200);
    const added = await env.rest('POST', `/company/configurations/types/${typeId}/questions`, {
      question: 'Contract number',
      fieldType: 'Text',
      entryType: 'EntryField',
      sequenceNumber: 99,
    });
    expect(added.status).toBe(201);
    // A new release's question set: the type is ensured again (remembered ids kept, version old).
    await env.db
      .updateTable('con_config_type_state')
      .set({
        questions: JSON.stringify({
          version: '0'.repeat(32),
          ids: Object.fromEntries(
            QUESTIONS.map((q) => [q.key, (questions.find((x) => x.question === q.question) ?? status).id]),
          ),
        }),
      })
      .where('provider_id', '=', env.providerId)
      .execute();
    env.clock.advance(DAY_MS);
    const mark = await env.logMark();
    const summary = await syncAndDrain();
    expect(summary.ensureType).toBe(true);
    const requests = await env.requestsSince(mark);
    expect(requests.byMethod.POST).toBeUndefined();
    const after = await questionsOfType();
    expect(after).toHaveLength(QUESTIONS.length + 1);
    expect(after.filter((q) => q.question === 'Service status')).toEqual([]);
    expect(after.find((q) => q.id === status.id)?.question).toBe('DNS protection state');
    expect(after.find((q) => q.id === added.body.id)?.question).toBe('Contract number');
    const [acme] = await configurationsOf(companies.get('AcmeCorp')!);
    // A day later, Acme's last event is more than 24 hours old: the renamed question says so.
    expect(answersOf(acme!).get('DNS protection state')).toBe(STATUS_SILENT);
  });

  it('a configuration deleted by hand is created again (one, not two)', async () => {
    const acmeCompany = companies.get('AcmeCorp')!;
    const [old] = await configurationsOf(acmeCompany);
    expect((await env.rest('DELETE', `/company/configurations/${old!.id}`)).status).toBe(204);
    env.clock.advance(DAY_MS);
    await syncAndDrain();
    const now = await configurationsOf(acmeCompany);
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(old!.id);
    const row = await env.db
      .selectFrom('con_config_sync')
      .select('psa_configuration_id')
      .where('provider_id', '=', env.providerId)
      .where('customer_id', '=', customers.get('Acme')!)
      .executeTakeFirstOrThrow();
    expect(Number(row.psa_configuration_id)).toBe(now[0]!.id);
  });

  it('a question deleted by hand: the PSA refuses the answers, the type is ensured again, the answers are written', async () => {
    const questions = await questionsOfType();
    const threats = questions.find((q) => q.question === 'Threats prevented')!;
    expect(
      (await env.rest('DELETE', `/company/configurations/types/${typeId}/questions/${threats.id}`)).status,
    ).toBe(204);
    env.clock.advance(DAY_MS);
    await syncAndDrain();
    const after = await questionsOfType();
    expect(after.filter((q) => q.question === 'Threats prevented')).toHaveLength(1);
    expect(after).toHaveLength(QUESTIONS.length + 1);
    for (const companyId of companies.values()) {
      const configs = await configurationsOf(companyId);
      expect(configs).toHaveLength(1);
      expect(answersOf(configs[0]!).get('Threats prevented')).toBe(0);
    }
  });

  it('a configuration write waits (retried, not failed) while the type is not ensured, then goes through', async () => {
    await env.db
      .updateTable('con_config_type_state')
      .set({ ensured_at: null })
      .where('provider_id', '=', env.providerId)
      .execute();
    const acme = customers.get('Acme')!;
    const now = env.clock.now();
    const [id] = await env.outbox.enqueue(
      env.db,
      [
        {
          providerId: env.providerId,
          customerId: acme,
          kind: CONFIG_UPSERT,
          subject: configSubject(acme),
          payload: {
            customerName: 'Acme',
            psaCompanyId: companies.get('AcmeCorp')!,
            values: answerValues(await env.service.metricsFor(env.providerId, acme), now),
          },
        },
      ],
      now.getTime(),
    );
    await env.worker.runOnce();
    const waiting = await env.outbox.get(env.providerId, id!);
    expect(waiting?.state).toBe('pending');
    expect(waiting?.lastError).toMatch(/waiting for the configuration type/);
    const summary = await syncAndDrain();
    expect(summary.ensureType).toBe(true);
    expect((await env.outbox.get(env.providerId, id!))?.state).toBe('done');
  });

  it('renaming the type in the console renames the PSA type: same type, configurations kept and renamed', async () => {
    const renamed = new ConfigSyncService({
      db: env.db,
      dialect: env.dialect,
      clock: env.clock,
      outbox: env.outbox,
      typeName: () => 'Umbrella DNS',
    });
    const before = await Promise.all([...companies.values()].map(configurationsOf));
    env.clock.advance(DAY_MS);
    const summary = await renamed.syncProvider(env.providerId);
    expect(summary.ensureType).toBe(true);
    expect((await env.drain()).failed).toEqual([]);
    const types = (await env.rest('GET', '/company/configurations/types?conditions=name="Umbrella DNS"'))
      .body;
    expect(types.map((t: { id: number }) => t.id)).toEqual([typeId]);
    expect(
      (await env.rest('GET', '/company/configurations/types?conditions=name="DNS Security"')).body,
    ).toEqual([]);
    const after = await Promise.all([...companies.values()].map(configurationsOf));
    expect(after.map((cs) => cs.map((c) => c.id))).toEqual(before.map((cs) => cs.map((c) => c.id)));
    expect(after[0]![0]!.name).toBe('Umbrella DNS - Acme');
  });
});

describe.each(databaseKinds)('configuration sync at scale on %s', (db) => {
  // PostgreSQL runs the same flow with fewer customers to keep the suite within a minute on a shared
  // two-core machine; the per-customer figure does not depend on the count.
  const CUSTOMERS = db === 'sqlite' ? 1000 : 300;
  let env: ConfigEnv;

  beforeAll(async () => {
    env = await startConfigEnv(db);
  }, 120_000);
  afterAll(async () => env?.close());

  it(`${CUSTOMERS} mapped customers: a steady daily sync costs at most 2 PSA requests per customer`, async () => {
    const t0 = performance.now();
    const companies = await env.createCompanies(CUSTOMERS, 'Scale');
    const ids = await env.addCustomers(
      companies.map((company, i) => ({ name: `Scale customer ${i}`, company })),
    );
    const traffic = (day: string) =>
      ids.flatMap((id, i) => [
        event(`${day}T08:00:00Z`, id, `host-${i % 7}`, 'docs.example', 'allowed'),
        event(`${day}T09:00:00Z`, id, `host-${i % 5}`, `bad-${i % 13}.example`, 'blocked', ['malware']),
      ]);
    await env.addTraffic(traffic('2026-03-09'));
    const setupS = (performance.now() - t0) / 1000;

    let mark = await env.logMark();
    let t = performance.now();
    const first = await env.service.syncProvider(env.providerId);
    const firstRun = await env.drain();
    const firstS = (performance.now() - t) / 1000;
    expect(firstRun.failed).toEqual([]);
    expect(first.enqueued).toBe(CUSTOMERS);
    const firstRequests = await env.requestsSince(mark);

    // The next day: new counts for every customer, so every configuration is written.
    env.clock.advance(DAY_MS);
    await env.addTraffic(traffic('2026-03-10'));
    mark = await env.logMark();
    t = performance.now();
    const second = await env.service.syncProvider(env.providerId);
    const secondRun = await env.drain();
    const secondS = (performance.now() - t) / 1000;
    expect(secondRun.failed).toEqual([]);
    expect(second.ensureType).toBe(false);
    const daily = await env.requestsSince(mark);

    // On demand later the same day: nothing changed, nothing sent.
    env.clock.advance(60 * 60_000);
    mark = await env.logMark();
    await env.service.syncProvider(env.providerId);
    expect((await env.drain()).failed).toEqual([]);
    const onDemand = await env.requestsSince(mark);

    const configurations = await env.db
      .selectFrom('con_config_sync')
      .select((eb) => eb.fn.count('psa_configuration_id').distinct().as('n'))
      .where('provider_id', '=', env.providerId)
      .executeTakeFirstOrThrow();
    expect(Number(configurations.n)).toBe(CUSTOMERS);
    const perCustomer = daily.total / CUSTOMERS;
    console.log(
      [
        `configuration sync, ${CUSTOMERS} mapped customers on ${db}:`,
        `  set-up (companies, customers, traffic): ${setupS.toFixed(1)} s`,
        `  first sync:  ${firstRequests.total} PSA requests ${JSON.stringify(firstRequests.byMethod)}, ${firstS.toFixed(1)} s`,
        `  daily sync:  ${daily.total} PSA requests ${JSON.stringify(daily.byMethod)} = ${perCustomer.toFixed(2)} per customer, ${secondS.toFixed(1)} s`,
        `  on demand, unchanged: ${onDemand.total} PSA requests`,
      ].join('\n'),
    );
    expect(perCustomer).toBeLessThanOrEqual(2);
    expect(daily.byMethod.POST).toBeUndefined();
    expect(onDemand.total).toBe(0);
  }, 180_000);
});
