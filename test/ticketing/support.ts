// Shared set-up of the ticketing tests: the built-in PSA over HTTPS, a console provider and customer
// on the same database, a ticket rule, ConnectWise clients with the article's role and with the admin
// role, tracks inserted as the decision side would, and effects run the way the engine runs them
// (the effect, then its `apply` in a transaction).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Effect, EffectDone, OutboxItem, PsaWrite } from '../../src/console/engine/types.js';
import { ConnectWiseClient } from '../../src/console/psa-client/client.js';
import type { RequestInfo } from '../../src/console/psa-client/types.js';
import { DEFAULT_RULE_SETTINGS, type TicketRuleSettings } from '../../src/console/ticketing/index.js';
import type { Database } from '../../src/platform/db-types.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { psaRest } from '../console/support.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

export interface Env {
  psa: TestPsa;
  db: Kysely<Database>;
  admin: TestKey;
  /** The integration's client: an API member with the article's role. */
  article: ConnectWiseClient;
  /** A fresh client with the article's role (for owners that close their clients, like the worker). */
  newArticleClient(): ConnectWiseClient;
  /** A client with the admin role (callbacks need System → Manage Hosted API). */
  adminClient: ConnectWiseClient;
  /** Every attempt of `article` and `adminClient`, in order. */
  requests: RequestInfo[];
  providerId: number;
  customerId: number;
  ruleId: number;
  companyId: number;
  boards: { service: number; security: number };
  /** Statuses of each board, by sortOrder. */
  statuses: Map<number, Array<{ id: number; name: string; closedStatus: boolean; defaultFlag: boolean }>>;
  // biome-ignore lint/suspicious/noExplicitAny: the PSA's JSON answers, which the tests assert field by field
  rest(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

let providers = 0;

export async function startEnv(
  db: 'sqlite' | 'postgres',
  settings: Partial<TicketRuleSettings> = {},
): Promise<Env> {
  const psa = await startTestPsa({ db, logLevel: 'warn' });
  const admin = await psa.adminKey();
  const articleKey = await psa.apiMemberWithKey('parasol-tickets', ARTICLE_ROLE);
  const ca = readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem'), 'utf8');
  const requests: RequestInfo[] = [];
  const client = (key: TestKey) =>
    new ConnectWiseClient(
      {
        site: psa.hostPort,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
        ca,
      },
      { maxAttempts: 2, baseDelayMs: 10, timeoutMs: 10_000, onRequest: (r) => requests.push(r) },
    );
  const article = client(articleKey);
  const adminClient = client(admin);
  // Discovery once, so that request counts below are the effects' own.
  await article.discover();
  await adminClient.discover();
  const rest: Env['rest'] = (method, p, body) => psaRest(psa, admin.authorization, method, p, body);

  const { accounts } = psa.running.console.services;
  const provider = await accounts.createProvider(
    { name: `Ticketing MSP ${++providers}`, kind: 'MSP' },
    'test',
  );
  const customer = await accounts.createCustomer(provider.id, { name: 'Acme', seats: 10 }, 'test');
  const storage = psa.running.storage;

  const boardsRes = await rest('GET', '/service/boards?pageSize=100');
  const byName = new Map((boardsRes.body as Array<{ id: number; name: string }>).map((b) => [b.name, b.id]));
  const boards = { service: byName.get('Service Board')!, security: byName.get('Security Operations')! };
  const statuses: Env['statuses'] = new Map();
  for (const boardId of Object.values(boards)) {
    const res = await rest('GET', `/service/boards/${boardId}/statuses?orderBy=sortOrder&pageSize=100`);
    statuses.set(boardId, res.body);
  }
  const company = await rest('GET', '/company/companies?conditions=identifier="AcmeCorp"&fields=id');
  const companyId = (company.body as Array<{ id: number }>)[0]!.id;

  const now = new Date().toISOString();
  const rule = await storage.db
    .insertInto('con_ticket_rule')
    .values({
      provider_id: provider.id,
      name: 'C2',
      enabled: 1,
      settings: JSON.stringify({
        ...DEFAULT_RULE_SETTINGS,
        board: { id: boards.service, name: 'Service Board' },
        ...settings,
      }),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  return {
    psa,
    db: storage.db,
    admin,
    article,
    newArticleClient: () => client(articleKey),
    adminClient,
    requests,
    providerId: provider.id,
    customerId: customer.id,
    ruleId: Number(rule.id),
    companyId,
    boards,
    statuses,
    rest,
    async close() {
      await article.close();
      await adminClient.close();
      await psa.close();
    },
  };
}

let identities = 0;

/** Inserts a track as the decision side leaves it; returns its id. */
export async function insertTrack(
  env: Env,
  values: {
    state?: string;
    generation?: number;
    psaTicketId?: number | null;
    closedAt?: string | null;
    customerId?: number;
  } = {},
): Promise<number> {
  const now = new Date().toISOString();
  const row = await env.db
    .insertInto('con_ticket_track')
    .values({
      provider_id: env.providerId,
      rule_id: env.ruleId,
      customer_id: values.customerId ?? env.customerId,
      identity: `host-${++identities}`,
      identity_type: 'Network Devices',
      state: values.state ?? 'open',
      generation: values.generation ?? 1,
      psa_ticket_id: values.psaTicketId ?? null,
      opened_window: '2026-01-01T00:00:00.000Z',
      last_window: '2026-01-01T00:00:00.000Z',
      last_count: 25,
      quiet_windows: 0,
      closed_at: values.closedAt ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function trackRow(env: Env, trackId: number) {
  return env.db
    .selectFrom('con_ticket_track')
    .selectAll()
    .where('id', '=', trackId)
    .executeTakeFirstOrThrow();
}

let items = 0;

export interface EffectRun {
  done: EffectDone;
  writes: PsaWrite[];
}

/**
 * Runs an effect as the engine does: the effect against the PSA, then (unless `apply: false`, which
 * is a crash before the completion transaction) its `apply` in a transaction.
 */
export async function runEffect(
  env: Env,
  effect: Effect,
  kind: string,
  payload: unknown,
  options: { ambiguous?: boolean; apply?: boolean } = {},
): Promise<EffectRun> {
  const item: OutboxItem = {
    id: ++items,
    providerId: env.providerId,
    customerId: env.customerId,
    kind,
    subject: `track:${(payload as { trackId?: number }).trackId}`,
    payload,
    attempts: options.ambiguous ? 2 : 1,
    ambiguous: options.ambiguous ?? false,
    createdAt: new Date().toISOString(),
  };
  const writes: PsaWrite[] = [];
  const done = await effect({
    item,
    api: env.article,
    now: new Date(),
    db: env.db,
    logWrite: (w) => writes.push(w),
  });
  if (options.apply !== false && done.apply) {
    const apply = done.apply;
    await env.db.transaction().execute((trx) => apply(trx));
  }
  return { done, writes };
}
