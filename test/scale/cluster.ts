// A Parasol cluster on PostgreSQL for the scale-out test and bench: one `parasol start --role api`
// process and any number of `parasol start --role worker --watch …` processes (real child processes)
// on one schema, sharing a data folder (the API's certificate) and master keys from the environment.
// The test process sets the world up through the same services (PSA demo data, the article's role,
// API member and key, a provider with its PSA Integration Details, customers mapped and bound to
// Umbrella org ids) and writes Umbrella DNS logs whose files each hold one infected host: one ticket
// per file is the "exactly once in effect" marker.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { delivery } from '../../src/console/delivery/index.js';
import { umbrellaKey, umbrellaLines, writeLines } from '../../src/console/ingest/generate.js';
import { ingestion } from '../../src/console/ingest/index.js';
import { formatUmbrellaCsvLine } from '../../src/console/sources/umbrella-csv.js';
import { openParasol } from '../../src/main.js';
import { loadConfig } from '../../src/platform/config.js';
import { createTestSchema, dropTestSchema } from '../../src/platform/db.js';
import { DEMO_ROLE_NAME, seedPsa } from '../../src/psa/service/seed.js';
import { postgresUrl } from '../support/databases.js';
import { type Started, startParasolProcess } from './support.js';

export const PROVIDER = 'Scale MSP';
export const CLIENT_ID = '6b1d0c3e-2f4a-4e5b-8c7d-9e0f1a2b3c4d';
export const CUSTOMERS = [
  { name: 'Acme', company: 'AcmeCorp', org: '8100001' },
  { name: 'Globex', company: 'Globex', org: '8100002' },
  { name: 'Initech', company: 'Initech', org: '8100003' },
  { name: 'Dental', company: 'UmbrellaDental', org: '8100004' },
] as const;
/** Blocked command-and-control requests of each infected host: over the threshold of 10. */
export const C2_PER_FILE = 12;

export type Opened = Awaited<ReturnType<typeof openParasol>>;

export interface Cluster {
  env: Record<string, string>;
  dataDir: string;
  /** The watched folder (files are renamed into it, never half-written there). */
  logs: string;
  opened: Opened;
  providerId: number;
  api: Started;
  psaUrl: string;
  /** `Basic …` of the PSA's admin, for reading tickets through the REST API. */
  adminAuthorization: string;
  workers: Started[];
  startWorkers(n: number, extra?: string[]): Promise<Started[]>;
  close(): Promise<void>;
}

export async function startCluster(
  options: { env?: Record<string, string>; psaRateLimitPerMinute?: number } = {},
): Promise<Cluster> {
  const schema = `scale_${process.pid}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const url = await createTestSchema(postgresUrl!, schema);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-cluster-'));
  const logs = path.join(dataDir, 'watched');
  mkdirSync(logs);
  const env: Record<string, string> = {
    DATABASE_URL: url,
    PARASOL_DATA_DIR: dataDir,
    PARASOL_MASTER_KEYS: randomBytes(32).toString('base64'),
    PSA_PORT: '0',
    CONSOLE_PORT: '0',
    PSA_RATE_LIMIT_PER_MINUTE: String(options.psaRateLimitPerMinute ?? 1_000_000),
    ...options.env,
  };
  const processes: Started[] = [];
  let opened: Opened | undefined;
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await opened?.storage.close();
    await dropTestSchema(postgresUrl!, schema);
  };
  try {
    const api = startParasolProcess(['--role', 'api'], env);
    processes.push(api);
    const psaUrl = (await api.line(/PSA \(ConnectWise-compatible\) listening on (https:\/\/\S+)/))[1]!;
    await api.line(/Role: +api/);
    opened = await openParasol(loadConfig(env, { logLevel: 'warn' }));
    const { psa, console: s } = opened;
    await seedPsa(psa, { demo: true });
    const role = await psa.admin.getRole(DEMO_ROLE_NAME);
    const member = await psa.admin.createMember(
      'api',
      { identifier: 'ScaleApi', name: 'Scale', role: role.id },
      'test',
    );
    const key = await psa.admin.createKey(member.id, { description: 'scale' }, 'test');
    const admin = await psa.admin.getMember('admin');
    const adminKey = await psa.admin.createKey(admin.id, { description: 'scale reader' }, 'test');
    const companyId = psa.config.psa.companyId;
    const providerId = (await s.accounts.createProvider({ name: PROVIDER, kind: 'MSP' }, 'test')).id;
    const saved = await s.integration.save(
      providerId,
      {
        enabled: true,
        site: new URL(psaUrl).host,
        trustedCa: readFileSync(path.join(dataDir, 'tls', 'cert.pem'), 'utf8'),
        companyId,
        clientId: CLIENT_ID,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
      },
      'test',
    );
    if (!saved.preflight?.ok) throw new Error(`preflight failed: ${JSON.stringify(saved.preflight)}`);
    for (const c of CUSTOMERS) {
      const customer = await s.accounts.createCustomer(providerId, { name: c.name, seats: 10 }, 'test');
      await s.mapping.setMapping(providerId, customer.id, { psaCompanyIdentifier: c.company }, 'test');
      await ingestion(s).addBinding(providerId, customer.id, { kind: 'umbrella-org', value: c.org }, 'test');
    }
    const [rule] = await delivery(s).rules.listRules(providerId);
    const board = (await s.mapping.refreshReference(providerId)).boards.find(
      (b) => b.name === 'Security Operations',
    )!;
    await delivery(s).rules.updateRule(
      providerId,
      rule!.id,
      { settings: { board: { id: board.id, name: board.name } } },
      'test',
    );
    const cluster: Cluster = {
      env,
      dataDir,
      logs,
      opened,
      providerId,
      api,
      psaUrl,
      adminAuthorization: `Basic ${Buffer.from(`${companyId}+${adminKey.publicKey}:${adminKey.privateKey}`).toString('base64')}`,
      workers: [],
      async startWorkers(n, extra = []) {
        const started = Array.from({ length: n }, () =>
          startParasolProcess(
            ['--role', 'worker', '--watch', `${PROVIDER}=${logs}`, '--watch-seconds', '1', ...extra],
            env,
          ),
        );
        processes.push(...started);
        await Promise.all(started.map((w) => w.line(/Parasol worker running \(pid \d+\)/)));
        cluster.workers.push(...started);
        return started;
      },
      close,
    };
    return cluster;
  } catch (e) {
    await close();
    throw e;
  }
}

/** The infected host of file `i`: one ticket each. */
export const infectedHost = (i: number) => `INFECTED-${String(i).padStart(4, '0')}`;

/**
 * Writes `files` Umbrella log files (ordinary traffic of `rows` rows, nothing blocked, plus the
 * file's infected hosts) into a staging folder; `publish()` renames them all into the watched folder.
 */
export async function writeClusterLogs(
  cluster: Pick<Cluster, 'dataDir' | 'logs'>,
  o: {
    files: number;
    rows: number;
    dayMs: number;
    /** Number of the first file's infected host (default 0). */
    firstHost?: number;
    /** Infected hosts per file (default 1). */
    hostsPerFile?: number;
  },
): Promise<{ rows: number; publish(): void; publishCopy(day: string): void }> {
  const staging = mkdtempSync(path.join(cluster.dataDir, 'staging-'));
  const keys: string[] = [];
  for (let i = 0; i < o.files; i++) {
    const customer = CUSTOMERS[i % CUSTOMERS.length]!;
    const start = o.dayMs + (i % 24) * 3_600_000;
    const perFile = o.hostsPerFile ?? 1;
    const first = (o.firstHost ?? 0) + i * perFile;
    const key = umbrellaKey(customer.org, start, `f${String(first).padStart(5, '0')}`);
    const c2 = Array.from({ length: perFile * C2_PER_FILE }, (_, j) => {
      const k = j % C2_PER_FILE;
      return formatUmbrellaCsvLine(
        {
          ts: start + k * 60_000,
          identity: infectedHost(first + Math.floor(j / C2_PER_FILE)),
          identityType: 'Roaming Computers',
          action: 'Blocked',
          queryType: 'A',
          domain: `beacon-${k % 3}.c2.example`,
          categories: ['Command and Control'],
          blockedCategories: ['Command and Control'],
          orgId: customer.org,
        },
        16,
      );
    });
    const ordinary = umbrellaLines({
      rows: o.rows,
      seed: i + 1,
      startMs: start,
      spanMs: 3_600_000,
      orgIds: [customer.org],
      identities: 40,
      domains: 60,
      blockedShare: 0,
    });
    await writeLines(
      path.join(staging, key),
      (function* () {
        yield* ordinary;
        yield* c2;
      })(),
    );
    keys.push(key);
  }
  return {
    rows: o.files * (o.rows + (o.hostsPerFile ?? 1) * C2_PER_FILE),
    publish() {
      for (const key of keys) {
        mkdirSync(path.dirname(path.join(cluster.logs, key)), { recursive: true });
        renameSync(path.join(staging, key), path.join(cluster.logs, key));
      }
    },
    /** Copies the batch in under another day's folders (new units, same rows): for repeated runs. */
    publishCopy(day: string) {
      for (const key of keys) {
        const [org, , , name] = key.split('/') as [string, string, string, string];
        const target = path.join(cluster.logs, org, 'dnslogs', day, `${day}${name.slice(day.length)}`);
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(path.join(staging, key), `${target}.partial`);
        renameSync(`${target}.partial`, target);
      }
    },
  };
}
