// Shared set-up of the console-side billing tests: the built-in PSA over HTTPS (its demo agreements
// and the DNS-SECURITY-SEAT product), an API member with the billing role, the console's ConnectWise
// client — optionally through the fault proxy of test/faults — the BillingService on a manual clock,
// the real outbox and delivery worker running the billing effect, and the PSA's API Logs to count
// the integration member's requests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { BillingService } from '../../src/console/delivery/billing.js';
import { billingEffects } from '../../src/console/delivery/billing-effects.js';
import { Outbox } from '../../src/console/engine/outbox.js';
import { DeliveryWorker } from '../../src/console/engine/worker.js';
import { ConnectWiseClient } from '../../src/console/psa-client/client.js';
import type { ConnectWiseApi } from '../../src/console/psa-client/types.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Database } from '../../src/platform/db-types.js';
import { CUSTOMIZE, FN } from '../../src/psa/catalog/index.js';
import { psaRest } from '../console/support.js';
import { FaultProxy } from '../faults/delivery-proxy.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

/** The billing rows of docs/billing.md (with Company Maintenance to read companies). */
export const BILLING_ROLE = {
  name: 'Parasol billing',
  adminFlag: false,
  inactiveFlag: false,
  levels: {
    [FN.companyMaintenance]: { inquire: 'All' },
    [FN.agreements]: { inquire: 'All', edit: 'All', add: 'All' },
    [FN.productCatalog]: { inquire: 'All' },
  },
  allowed: { [CUSTOMIZE.systemTableSetup]: [] },
} as const;

export interface BillingEnv {
  psa: TestPsa;
  db: Kysely<Database>;
  clock: ManualClock;
  key: TestKey;
  providerId: number;
  billing: BillingService;
  proxy: FaultProxy;
  // biome-ignore lint/suspicious/noExplicitAny: a REST body, read freely by the tests
  rest(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  drain(): Promise<{ failed: Array<{ kind: string; lastError: string | null }> }>;
  logMark(): Promise<number>;
  requestsSince(mark: number): Promise<{ total: number; byMethod: Record<string, number> }>;
  companyId(identifier: string): Promise<number>;
  addCustomer(name: string, seats: number, company?: { id: number; identifier: string }): Promise<number>;
  close(): Promise<void>;
}

let n = 0;

export async function startBillingEnv(db: 'sqlite' | 'postgres'): Promise<BillingEnv> {
  const psa = await startTestPsa({ db, logLevel: 'warn' });
  const admin = await psa.adminKey();
  // biome-ignore lint/suspicious/noExplicitAny: the preset's literal type is wider than RolePreset's
  const key = await psa.apiMemberWithKey(`billing${++n}`, BILLING_ROLE as any);
  const psaCa = readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem'), 'utf8');
  let seed = 7;
  const proxy = await FaultProxy.start({
    target: { origin: psa.origin, ca: psaCa },
    random: () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    },
    holdMs: 2_500,
  });
  const client = new ConnectWiseClient(
    {
      site: proxy.site,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
      ca: proxy.ca,
    },
    { maxAttempts: 1, baseDelayMs: 10, timeoutMs: 1_500 },
  );
  await client.discover();
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
  const clock = new ManualClock('2026-03-10T06:00:00Z');
  const outbox = new Outbox(storage.db, storage.dialect);
  const { accounts } = psa.running.console.services;
  const store = psa.running.console.services.store;
  const billing = new BillingService(storage.db, store, clock, outbox, async () => shared);
  const worker = new DeliveryWorker({
    storage,
    clock,
    effects: billingEffects,
    clientFor: async () => shared,
    batchSize: 100,
    concurrency: 4,
    random: () => 0.5,
  });
  const provider = await accounts.createProvider({ name: `Billing MSP ${n}`, kind: 'MSP' }, 'test');
  const services = psa.running.psa.services;
  const rest = (method: string, p: string, body?: unknown) =>
    psaRest(psa, admin.authorization, method, p, body) as ReturnType<BillingEnv['rest']>;
  return {
    psa,
    db: storage.db,
    clock,
    key,
    providerId: provider.id,
    billing,
    proxy,
    rest,
    async drain() {
      for (let rounds = 1; rounds <= 200; rounds++) {
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
          return { failed: failed.map((f) => ({ kind: f.kind, lastError: f.last_error })) };
        }
        const next = Date.parse(waiting.next);
        if (next > clock.now().getTime()) clock.set(new Date(next));
      }
      throw new Error('the outbox did not drain in 200 rounds');
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
    async companyId(identifier) {
      const r = await rest('GET', `/company/companies?conditions=identifier="${identifier}"&fields=id`);
      return r.body[0].id;
    },
    async addCustomer(name, seats, company) {
      const at = clock.now().toISOString();
      const r = await storage.db
        .insertInto('con_customer')
        .values({
          provider_id: provider.id,
          name,
          seats,
          psa_company_identifier: company?.identifier ?? null,
          psa_company_id: company?.id ?? null,
          mapping_state: company ? 'mapped' : 'unmapped',
          mapping_checked_at: company ? at : null,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(r.id);
    },
    async close() {
      await worker.stop();
      await client.close();
      await proxy.close();
      await psa.close();
    },
  };
}
