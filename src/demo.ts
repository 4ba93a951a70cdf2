// `parasol start --demo`: turns a running Parasol into the article's story in one step, through
// the same services the CLI and both APIs use. The PSA gets its demo data, the article's role, an API
// member and key; a provider (MSP) gets a console admin, customers mapped to the PSA's companies, the
// key pair in its PSA Integration Details (saved, preflight run), source bindings and an ingest token;
// then Umbrella DNS logs of the last complete UTC day and of today are written in Umbrella's layout and
// ingested (ordinary traffic, plus one laptop that keeps calling command-and-control domains), and a
// configuration sync runs — so configurations and a ticket appear in the PSA within seconds.
// Idempotent: what exists is kept; each day's logs are written once, and a file is counted once.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { delivery } from './console/delivery/index.js';
import { prng, umbrellaKey, writeLines } from './console/ingest/generate.js';
import { ingestion } from './console/ingest/index.js';
import type { ConsoleServices } from './console/service/services.js';
import { formatUmbrellaCsvLine, type UmbrellaCsvRow } from './console/sources/umbrella-csv.js';
import { remoteSources } from './console/sources-remote/index.js';
import type { Running } from './main.js';
import { DEMO_ADMIN_PASSWORD, DEMO_ROLE_NAME, seedPsa } from './psa/service/seed.js';
import type { PsaServices } from './psa/service/services.js';

export const DEMO_PROVIDER = 'Parasol Demo MSP';
export const DEMO_CONSOLE_EMAIL = 'admin@parasol-demo.example';
/** The demo console admin's password, printed at start; never for production data. */
export const DEMO_CONSOLE_PASSWORD = 'parasol-demo-console';
export const DEMO_API_MEMBER = 'UmbrellaDemo';
/** The integration's clientId (any GUID; ConnectWise issues one per integration). */
export const DEMO_CLIENT_ID = '3f0c9a52-7d1e-4b6a-9c3e-5a8d2e1f4b70';
export const DEMO_BOARD = 'Security Operations';
/** The laptop whose command-and-control calls raise the demo's ticket. */
export const DEMO_INFECTED_HOST = 'LAPTOP-FIN-07';

const ACTOR = 'demo';
const DAY_MS = 86_400_000;

/** Customers of the provider → the PSA company each is mapped to, and its Umbrella org id. */
export const DEMO_CUSTOMERS = [
  { name: 'Acme Corporation', company: 'AcmeCorp', org: '7300001', seats: 120 },
  { name: 'Globex Industries', company: 'Globex', org: '7300002', seats: 80 },
  { name: 'Initech LLC', company: 'Initech', org: '7300003', seats: 45 },
  { name: 'Umbrella Dental Group', company: 'UmbrellaDental', org: '7300004', seats: 25 },
] as const;

export interface DemoResult {
  providerId: number;
  /** Set the first time only: the ingest token is shown once. */
  ingestToken: string | undefined;
  preflightOk: boolean;
  filesWritten: number;
  filesIngested: number;
  rows: number;
  configurationsQueued: number;
}

const ORDINARY_DOMAINS = [
  'outlook.office365.com',
  'login.microsoftonline.com',
  'teams.microsoft.com',
  'www.google.com',
  'slack.com',
  'github.com',
  'zoom.us',
  'dropbox.com',
  'salesforce.com',
  'news.ycombinator.com',
  'weather.com',
  'cdn.jsdelivr.net',
];
const BLOCKED = [
  { domain: 'invoice-update.example-phish.net', category: 'Phishing' },
  { domain: 'free-codecs.example-malware.net', category: 'Malware' },
  { domain: 'coin-pool.example-mining.net', category: 'Cryptomining' },
];
const C2_DOMAINS = ['telemetry-sync.kx0p.example', 'cdn-update.kx0p.example', 'auth-check.kx0p.example'];

function hostsOf(customer: (typeof DEMO_CUSTOMERS)[number]): string[] {
  const prefix = customer.company.slice(0, 4).toUpperCase();
  return Array.from({ length: 8 }, (_, i) => `${prefix}-WS-${String(i + 1).padStart(2, '0')}`);
}

/** Ordinary traffic of a customer in [fromMs, toMs): allowed requests and a few blocked ones. */
function ordinaryRows(
  customer: (typeof DEMO_CUSTOMERS)[number],
  fromMs: number,
  toMs: number,
  seed: number,
): UmbrellaCsvRow[] {
  const rnd = prng(seed);
  const hosts = hostsOf(customer);
  const n = Math.max(0, Math.min(1500, Math.floor((toMs - fromMs) / 60_000)));
  const rows: UmbrellaCsvRow[] = [];
  for (let i = 0; i < n; i++) {
    const host = hosts[Math.floor(rnd() * hosts.length)]!;
    const blocked = rnd() < 0.02 ? BLOCKED[Math.floor(rnd() * BLOCKED.length)]! : undefined;
    rows.push({
      ts: fromMs + Math.floor(((i + rnd()) / n) * (toMs - fromMs)),
      identity: host,
      identities: [host, 'Default Site'],
      identityType: 'Roaming Computers',
      identityTypes: ['Roaming Computers', 'Sites'],
      internalIp: `10.0.0.${(i % 200) + 10}`,
      externalIp: '203.0.113.7',
      action: blocked ? 'Blocked' : 'Allowed',
      queryType: i % 5 === 0 ? 'AAAA' : 'A',
      responseCode: 'NOERROR',
      domain: blocked?.domain ?? ORDINARY_DOMAINS[Math.floor(rnd() * ORDINARY_DOMAINS.length)]!,
      categories: blocked ? [blocked.category] : ['Business Services'],
      ...(blocked ? { blockedCategories: [blocked.category], ruleId: '400123' } : {}),
      destinationCountries: ['US'],
      orgId: customer.org,
    });
  }
  return rows;
}

/** The infected laptop: a blocked command-and-control request every `everyMs` in [fromMs, toMs). */
function c2Rows(org: string, fromMs: number, toMs: number, everyMs: number): UmbrellaCsvRow[] {
  const rows: UmbrellaCsvRow[] = [];
  for (let t = fromMs, i = 0; t < toMs; t += everyMs, i++) {
    rows.push({
      ts: t,
      identity: DEMO_INFECTED_HOST,
      identities: [DEMO_INFECTED_HOST, 'Default Site'],
      identityType: 'Roaming Computers',
      identityTypes: ['Roaming Computers', 'Sites'],
      internalIp: '10.0.0.77',
      externalIp: '203.0.113.7',
      action: 'Blocked',
      queryType: 'A',
      responseCode: 'NOERROR',
      domain: C2_DOMAINS[i % C2_DOMAINS.length]!,
      categories: ['Command and Control'],
      blockedCategories: ['Command and Control'],
      ruleId: '400123',
      destinationCountries: ['US'],
      orgId: org,
    });
  }
  return rows;
}

/** Writes one log file under `root` unless the folder already has a demo file; returns whether. */
async function writeOnce(
  root: string,
  org: string,
  rows: UmbrellaCsvRow[],
  suffix: string,
): Promise<boolean> {
  if (rows.length === 0) return false;
  rows.sort((a, b) => Number(a.ts) - Number(b.ts));
  const key = umbrellaKey(org, Number(rows[0]!.ts), suffix);
  const folder = path.join(root, path.dirname(key));
  if (existsSync(folder) && readdirSync(folder).some((f) => f.includes(`-${suffix}.csv`))) return false;
  // Written beside the tree and renamed in: a reader never sees half a file.
  const temporary = path.join(root, `.${path.basename(key)}.partial`);
  await writeLines(
    temporary,
    rows.map((r) => formatUmbrellaCsvLine(r, 16)),
  );
  mkdirSync(folder, { recursive: true });
  renameSync(temporary, path.join(root, key));
  return true;
}

/** Yesterday's logs (whole day) and today's (midnight to now), each written once per day. */
async function writeDemoLogs(root: string, nowMs: number): Promise<number> {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const yesterday = today - DAY_MS;
  let written = 0;
  for (const [i, customer] of DEMO_CUSTOMERS.entries()) {
    const seed = Math.floor(yesterday / DAY_MS) * 10 + i;
    const past = ordinaryRows(customer, yesterday, today, seed);
    const now = ordinaryRows(customer, today, nowMs, seed + 5);
    if (i === 0) {
      // The infected laptop: every 6 minutes through yesterday evening, every 5 minutes the last two
      // hours (or since midnight): more than 10 blocks in a four-hour window raise a ticket.
      past.push(...c2Rows(customer.org, yesterday + 18 * 3_600_000, today, 6 * 60_000));
      now.push(...c2Rows(customer.org, Math.max(today, nowMs - 2 * 3_600_000), nowMs, 5 * 60_000));
    }
    if (await writeOnce(root, customer.org, past, 'demo-day')) written++;
    if (await writeOnce(root, customer.org, now, 'demo-today')) written++;
  }
  return written;
}

async function ensurePsa(psa: PsaServices): Promise<{ memberId: number }> {
  await seedPsa(psa, { demo: true, adminPassword: DEMO_ADMIN_PASSWORD });
  const role = await psa.admin.getRole(DEMO_ROLE_NAME);
  const existing = await psa.security.findMember(DEMO_API_MEMBER);
  if (existing) return { memberId: existing.id };
  const member = await psa.admin.createMember(
    'api',
    { identifier: DEMO_API_MEMBER, name: 'Umbrella (demo)', role: role.id },
    ACTOR,
  );
  return { memberId: member.id };
}

async function ensureProvider(s: ConsoleServices): Promise<number> {
  const found = await s.store.findProviderByName(DEMO_PROVIDER);
  const providerId =
    found?.id ?? (await s.accounts.createProvider({ name: DEMO_PROVIDER, kind: 'MSP' }, ACTOR)).id;
  if (!(await s.accounts.listUsers(providerId)).some((u) => u.email === DEMO_CONSOLE_EMAIL))
    await s.accounts.createUser(
      providerId,
      { email: DEMO_CONSOLE_EMAIL, name: 'Demo Admin', role: 'admin', password: DEMO_CONSOLE_PASSWORD },
      ACTOR,
    );
  return providerId;
}

/**
 * PSA Integration Details: a new key only when none is stored; the site follows the PSA's address and
 * the trusted CA is the built-in PSA's certificate, named explicitly as an admin would paste it (the
 * console trusts no private certificate by itself).
 */
async function ensureIntegration(running: Running, providerId: number, memberId: number): Promise<boolean> {
  const s = running.console.services;
  const psa = running.psa.services;
  const site = new URL(running.psa.url).host;
  const current = await s.integration.get(providerId);
  const trustedCa = running.psa.certFile ? readFileSync(running.psa.certFile, 'utf8') : null;
  const storedCa = (await s.store.getIntegration(providerId))?.trustedCa ?? null;
  const settings = {
    enabled: true,
    site,
    companyId: psa.config.psa.companyId,
    clientId: DEMO_CLIENT_ID,
    trustedCa,
  };
  if (
    current.hasKeys &&
    current.enabled &&
    current.site === site &&
    storedCa === trustedCa &&
    current.preflight?.ok
  )
    return (await s.integration.runPreflight(providerId, ACTOR)).ok;
  const keys = current.hasKeys
    ? {}
    : await psa.admin
        .createKey(memberId, { description: 'Umbrella PSA Integration (demo)' }, ACTOR)
        .then((k) => ({ publicKey: k.publicKey, privateKey: k.privateKey }));
  const saved = await s.integration.save(providerId, { ...settings, ...keys }, ACTOR);
  return saved.preflight?.ok === true;
}

async function ensureCustomers(s: ConsoleServices, providerId: number): Promise<void> {
  const existing = new Map((await s.accounts.listCustomers(providerId)).map((c) => [c.name, c]));
  const sources = ingestion(s);
  for (const d of DEMO_CUSTOMERS) {
    const c =
      existing.get(d.name) ??
      (await s.accounts.createCustomer(providerId, { name: d.name, seats: d.seats }, ACTOR));
    if (c.psaCompanyIdentifier !== d.company)
      await s.mapping.setMapping(providerId, c.id, { psaCompanyIdentifier: d.company }, ACTOR);
    const bindings = await sources.listBindings(providerId, c.id);
    for (const kind of ['umbrella-org', 'ndjson-org'] as const)
      if (!bindings.some((b) => b.kind === kind && b.value === d.org))
        await sources.addBinding(providerId, c.id, { kind, value: d.org }, ACTOR);
  }
}

/** The default rule raises its tickets on the Security Operations board (unless an admin chose one). */
async function ensureRuleBoard(s: ConsoleServices, providerId: number): Promise<void> {
  const rules = delivery(s).rules;
  const [rule] = await rules.listRules(providerId);
  if (!rule || rule.settings.board !== null) return;
  const board = (await s.mapping.refreshReference(providerId)).boards.find((b) => b.name === DEMO_BOARD);
  if (board)
    await rules.updateRule(
      providerId,
      rule.id,
      { settings: { board: { id: board.id, name: board.name } } },
      ACTOR,
    );
}

/** Runs the demo set-up and replay on a running Parasol (role 'all': its workers deliver). */
export async function runDemo(
  running: Running,
  options: { dataDir: string; now?: number },
): Promise<DemoResult> {
  const s = running.console.services;
  const { memberId } = await ensurePsa(running.psa.services);
  const providerId = await ensureProvider(s);
  const preflightOk = await ensureIntegration(running, providerId, memberId);
  await ensureCustomers(s, providerId);
  await ensureRuleBoard(s, providerId);
  const tokens = remoteSources(s).tokens;
  const ingestToken = (await tokens.list(providerId)).some((t) => t.active)
    ? undefined
    : (await tokens.create(providerId, { name: 'demo collector' }, ACTOR)).token;

  const root = path.join(options.dataDir, 'demo', 'umbrella-logs');
  const filesWritten = await writeDemoLogs(root, options.now ?? s.clock.now().getTime());
  const summary = await ingestion(s).ingestPath(providerId, root, { concurrency: 1 });
  // CON-8: configurations with yesterday's figures, now rather than at the daily sync time.
  const sync = await delivery(s).configSync.syncProvider(providerId);
  delivery(s).wake();
  return {
    providerId,
    ingestToken,
    preflightOk,
    filesWritten,
    filesIngested: summary.ingested,
    rows: summary.rows,
    configurationsQueued: sync.enqueued,
  };
}

/** The lines `parasol start --demo` prints after the URLs. */
export function demoLines(running: Running, r: DemoResult): string[] {
  const lines = [
    'Demo ready:',
    `  PSA admin UI:      ${running.psa.url}/   sign in as admin / ${DEMO_ADMIN_PASSWORD}`,
    `  Console:           ${running.console.url}/   sign in as ${DEMO_CONSOLE_EMAIL} / ${DEMO_CONSOLE_PASSWORD}`,
    `  Provider:          ${DEMO_PROVIDER} (customers ${DEMO_CUSTOMERS.map((c) => c.name).join(', ')})`,
    `  PSA integration:   API member ${DEMO_API_MEMBER} with the '${DEMO_ROLE_NAME}' role; preflight ${r.preflightOk ? 'passed' : 'FAILED (see the console)'}`,
    `  DNS logs replayed: ${r.filesIngested} new file(s), ${r.rows.toLocaleString('en-US')} rows (${DEMO_INFECTED_HOST} at ${DEMO_CUSTOMERS[0].name} keeps calling command-and-control domains)`,
    `  In the PSA:        ${running.psa.url}/#/service-board (board ${DEMO_BOARD}) and ${running.psa.url}/#/companies/configurations`,
  ];
  if (r.ingestToken)
    lines.push(
      `  Ingest token (shown once): ${r.ingestToken}`,
      `    curl -k -H 'authorization: Bearer ${r.ingestToken}' -H 'content-type: application/x-ndjson' \\`,
      `      --data-binary '{"ts":"${new Date().toISOString()}","orgId":"${DEMO_CUSTOMERS[1].org}","identity":"GLOB-WS-01","domain":"example.com","action":"allowed"}' ${running.console.url}/api/v1/ingest/events`,
    );
  return lines;
}
