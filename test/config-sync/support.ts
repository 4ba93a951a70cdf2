// Shared set-up of the configuration-sync tests: the built-in PSA over HTTPS, an API member with the
// article's role and its ConnectWise client, a console provider on the same database with customers
// mapped to PSA companies, DNS traffic folded into the aggregates, the ConfigSyncService on a manual
// clock and the real delivery worker running the effects, and the PSA's own API Logs to count
// requests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { type AggregatableEvent, AggregateBatch } from '../../src/console/aggregate/index.js';
import { ConfigSyncService } from '../../src/console/delivery/config-sync.js';
import { configSyncEffects } from '../../src/console/delivery/config-sync-effects.js';
import { Outbox } from '../../src/console/engine/outbox.js';
import { DeliveryWorker } from '../../src/console/engine/worker.js';
import { IngestStore } from '../../src/console/ingest/store.js';
import { ConnectWiseClient } from '../../src/console/psa-client/client.js';
import type { ConnectWiseApi } from '../../src/console/psa-client/types.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Database, Dialect } from '../../src/platform/db-types.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { systemContext } from '../../src/psa/service/seed.js';
import { psaRest } from '../console/support.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

export interface ConfigEnv {
  psa: TestPsa;
  db: Kysely<Database>;
  dialect: Dialect;
  clock: ManualClock;
  key: TestKey;
  providerId: number;
  outbox: Outbox;
  service: ConfigSyncService;
  worker: DeliveryWorker;
  /** A PSA REST call with the admin's key: what an admin does by hand. */
  // biome-ignore lint/suspicious/noExplicitAny: a REST body, read freely by the tests
  rest(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Runs the outbox until nothing is pending, moving the clock to each retry. */
  drain(): Promise<{ rounds: number; failed: Array<{ kind: string; lastError: string | null }> }>;
  /** The id of the newest API Log row so far (requests after it are counted by `requestsSince`). */
  logMark(): Promise<number>;
  /** The integration member's requests after `mark`, from the PSA's API Logs. */
  requestsSince(mark: number): Promise<{ total: number; byMethod: Record<string, number> }>;
  createCompanies(count: number, prefix: string): Promise<Array<{ id: number; identifier: string }>>;
  /** Console customers; those with a company are mapped to it (as the mapping service leaves them). */
  addCustomers(
    customers: Array<{ name: string; company?: { id: number; identifier: string } }>,
  ): Promise<number[]>;
  addTraffic(events: AggregatableEvent[]): Promise<void>;
  close(): Promise<void>;
}

let providers = 0;

export async function startConfigEnv(
  db: 'sqlite' | 'postgres',
  start = '2026-03-10T06:00:00Z',
): Promise<ConfigEnv> {
  const psa = await startTestPsa({ db, logLevel: 'warn' });
  const admin = await psa.adminKey();
  const key = await psa.apiMemberWithKey(`cfgsync${++providers}`, ARTICLE_ROLE);
  const ca = readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem'), 'utf8');
  const client = new ConnectWiseClient(
    {
      site: psa.hostPort,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
      ca,
    },
    { maxAttempts: 2, baseDelayMs: 10, timeoutMs: 20_000 },
  );
  await client.discover();
  // The worker closes its clients after each batch; this one lives as long as the test.
  const shared: ConnectWiseApi = {
    discover: () => client.discover(),
    get: (p, q) => client.get(p, q),
    list: (p, q) => client.list(p, q),
    listAll: (p, q) => client.listAll(p, q),
    count: (p, c) => client.count(p, c),
    post: (p, b) => client.post(p, b),
    put: (p, b) => client.put(p, b),
    patch: (p, o) => client.patch(p, o),
    delete: (p) => client.delete(p),
  };
  const storage = psa.running.storage;
  const clock = new ManualClock(start);
  const outbox = new Outbox(storage.db, storage.dialect);
  const service = new ConfigSyncService({ db: storage.db, dialect: storage.dialect, clock, outbox });
  const worker = new DeliveryWorker({
    storage,
    clock,
    effects: configSyncEffects,
    clientFor: async () => shared,
    batchSize: 1000,
    concurrency: 8,
    random: () => 0.5,
  });
  const { accounts } = psa.running.console.services;
  const provider = await accounts.createProvider({ name: `Config MSP ${providers}`, kind: 'MSP' }, 'test');
  const services = psa.running.psa.services;
  const rest = (method: string, p: string, body?: unknown) =>
    psaRest(psa, admin.authorization, method, p, body) as ReturnType<ConfigEnv['rest']>;

  return {
    psa,
    db: storage.db,
    dialect: storage.dialect,
    clock,
    key,
    providerId: provider.id,
    outbox,
    service,
    worker,
    rest,
    async drain() {
      for (let rounds = 1; rounds <= 60; rounds++) {
        await worker.runOnce();
        const waiting = await storage.db
          .selectFrom('con_outbox')
          .select((eb) => eb.fn.min('not_before').as('next'))
          .where('provider_id', '=', provider.id)
          .where('state', 'in', ['pending', 'running'])
          .executeTakeFirst();
        if (!waiting?.next) {
          const failed = await storage.db
            .selectFrom('con_outbox')
            .select(['kind', 'last_error'])
            .where('provider_id', '=', provider.id)
            .where('state', '=', 'failed')
            .execute();
          return { rounds, failed: failed.map((f) => ({ kind: f.kind, lastError: f.last_error })) };
        }
        const next = Date.parse(waiting.next);
        if (next > clock.now().getTime()) clock.set(new Date(next));
      }
      throw new Error('the outbox did not drain in 60 rounds');
    },
    async logMark() {
      await services.apiLog.flush();
      const r = await storage.db
        .selectFrom('psa_api_log')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      return Number(r?.id ?? 0);
    },
    async requestsSince(mark) {
      await services.apiLog.flush();
      const rows = await storage.db
        .selectFrom('psa_api_log')
        .select(['method', (eb) => eb.fn.countAll().as('n')])
        .where('member_id', '=', key.memberId)
        .where('id', '>', mark)
        .groupBy('method')
        .execute();
      const byMethod: Record<string, number> = {};
      for (const r of rows) byMethod[r.method] = Number(r.n);
      return { total: Object.values(byMethod).reduce((a, b) => a + b, 0), byMethod };
    },
    async createCompanies(count, prefix) {
      // Through the PSA's record engine (what its REST API calls), without 1,000 HTTPS round trips.
      const adminMember = (await services.security.findMember('admin'))!;
      const ctx = await systemContext(services, adminMember.id, psa.apiBase);
      const def = services.engine.def('company');
      const out: Array<{ id: number; identifier: string }> = [];
      for (let i = 0; i < count; i++) {
        const identifier = `${prefix}${i}`;
        const rec = await services.engine.create(ctx, def, [], {
          identifier,
          name: `${prefix} Company ${i}`,
          site: { name: 'Main' },
        });
        out.push({ id: rec.id as number, identifier });
      }
      return out;
    },
    async addCustomers(customers) {
      const at = clock.now().toISOString();
      const ids: number[] = [];
      for (let i = 0; i < customers.length; i += 200) {
        const rows = customers.slice(i, i + 200).map(({ name, company }) => ({
          provider_id: provider.id,
          name,
          seats: 10,
          psa_company_identifier: company?.identifier ?? null,
          psa_company_id: company?.id ?? null,
          mapping_state: company ? ('mapped' as const) : ('unmapped' as const),
          mapping_checked_at: company ? at : null,
          created_at: at,
          updated_at: at,
        }));
        const inserted = await storage.db.insertInto('con_customer').values(rows).returning('id').execute();
        ids.push(...inserted.map((r) => Number(r.id)).sort((a, b) => a - b));
      }
      return ids;
    },
    async addTraffic(events) {
      const deltas = new AggregateBatch().addAll(events).deltas();
      const store = new IngestStore(storage.db, storage.dialect);
      await storage.db.transaction().execute((trx) => store.applyDeltas(trx, provider.id, deltas, 256));
    },
    async close() {
      await worker.stop();
      await client.close();
      await psa.close();
    },
  };
}
