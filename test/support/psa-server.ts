// Starts a real Parasol PSA over HTTPS (self-signed certificate, port 0) on a fresh SQLite or
// PostgreSQL database, seeded with the demo data, and offers helpers to create roles, API members
// and keys the way an admin would (through the admin service the CLI and admin API use). Nothing
// trusts the certificate implicitly: a provider's PSA Integration Details name it (`psa.ca`).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Agent, fetch as undiciFetch } from 'undici';
import { type Running, startParasol } from '../../src/main.js';
import type { Clock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import { createTestSchema, dropTestSchema } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/logger.js';
import type { RolePreset } from '../../src/psa/catalog/index.js';
import { seedPsa } from '../../src/psa/service/seed.js';
import { postgresUrl } from './databases.js';

export interface TestKey {
  memberId: number;
  keyId: number;
  publicKey: string;
  privateKey: string;
  /** `Basic base64(companyId+public:private)` */
  authorization: string;
}

export interface TestPsa {
  running: Running;
  /** `https://127.0.0.1:PORT` */
  origin: string;
  /** `127.0.0.1:PORT` as connectwise-rest's companyUrl */
  hostPort: string;
  /** `${origin}/v4_6_release/apis/3.0` */
  apiBase: string;
  companyId: string;
  clientId: string;
  dataDir: string;
  /**
   * The PostgreSQL URL (its own schema) the server uses; undefined on SQLite, whose file lives in
   * `dataDir`. Lets a test point the CLI (PARASOL_DATA_DIR / DATABASE_URL) at the same database.
   */
  databaseUrl: string | undefined;
  /** Everything the server logged, as text (for "no secret in logs" checks). */
  logs: () => string;
  /** The server's self-signed certificate (PEM): what a provider's `trustedCa` must name. */
  ca: string;
  /** fetch that trusts the test server's self-signed certificate. */
  fetch: (url: string, init?: RequestInit & { headers?: Record<string, string> }) => Promise<Response>;
  /** An API member with a role built from `preset` (or an existing role name) and a fresh key. */
  apiMemberWithKey(identifier: string, role: RolePreset | string): Promise<TestKey>;
  /** The seeded admin member's fresh key (admin role). */
  adminKey(): Promise<TestKey>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestPsa(
  options: {
    db?: 'sqlite' | 'postgres';
    demo?: boolean;
    clock?: Clock;
    rateLimitPerMinute?: number;
    /** Sign-in attempts a minute per client address (default: high, as suites sign in often). */
    signInAttemptsPerMinute?: number;
    /**
     * Run the console's delivery workers and schedules in the server (default: no — tests that
     * drive the engine themselves, often on a manual clock, must be the only ones delivering).
     */
    delivery?: boolean;
    /** Level of the captured server log; 'info' (default) keeps every request line for `logs()`. */
    logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  } = {},
): Promise<TestPsa> {
  const logLevel = options.logLevel ?? 'info';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-psa-'));
  let databaseUrl: string | undefined;
  let schema: string | undefined;
  if (options.db === 'postgres') {
    schema = `psa_${process.pid}_${Date.now().toString(36)}_${counter++}`;
    databaseUrl = await createTestSchema(postgresUrl!, schema);
  }
  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const config = loadConfig(
    {},
    {
      dataDir,
      ...(databaseUrl ? { databaseUrl } : {}),
      logLevel,
      signInAttemptsPerMinute: options.signInAttemptsPerMinute ?? 10_000,
      psa: { host: '127.0.0.1', port: 0, rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000 },
      console: {
        host: '127.0.0.1',
        port: 0,
        deliveryWorkers: options.delivery ? 1 : 0,
        schedules: options.delivery ?? false,
      },
    },
  );
  const logger = createLogger(logLevel, sink);
  const running = await startParasol(config, { logger, ...(options.clock ? { clock: options.clock } : {}) });
  const services = running.psa.services;
  await seedPsa(services, { demo: options.demo ?? true });
  const origin = running.psa.url;
  const ca = readFileSync(running.psa.certFile!, 'utf8');
  const dispatcher = new Agent({ connect: { ca } });
  const companyId = config.psa.companyId;

  const keyFor = async (memberId: number, description: string): Promise<TestKey> => {
    const k = await services.admin.createKey(memberId, { description }, 'test');
    return {
      memberId,
      keyId: k.id,
      publicKey: k.publicKey,
      privateKey: k.privateKey,
      authorization: `Basic ${Buffer.from(`${companyId}+${k.publicKey}:${k.privateKey}`).toString('base64')}`,
    };
  };

  return {
    running,
    origin,
    hostPort: origin.replace(/^https:\/\//, ''),
    apiBase: `${origin}/${config.psa.codebase}/apis/3.0`,
    companyId,
    clientId: '8d3e5b9a-4c1f-4e2a-9b7d-2f6a1c0e5d43',
    dataDir,
    databaseUrl,
    ca,
    logs: () => logText,
    fetch: (url, init) =>
      undiciFetch(url, { ...(init as object), dispatcher } as never) as unknown as Promise<Response>,
    async apiMemberWithKey(identifier, role) {
      let roleId: number;
      if (typeof role === 'string') roleId = (await services.admin.getRole(role)).id;
      else {
        const created = await services.admin.createRole(
          {
            name: `${role.name} ${identifier}`.slice(0, 30),
            adminFlag: role.adminFlag,
            levels: role.levels,
            allowLists: role.allowed,
          },
          'test',
        );
        roleId = created.id;
      }
      const member = await services.admin.createMember(
        'api',
        { identifier, name: identifier, role: roleId },
        'test',
      );
      return keyFor(member.id, `${identifier} key`);
    },
    async adminKey() {
      const admin = await services.admin.getMember('admin');
      return keyFor(admin.id, 'admin test key');
    },
    async close() {
      await dispatcher.close();
      await running.close();
      if (schema) await dropTestSchema(postgresUrl!, schema);
    },
  };
}
