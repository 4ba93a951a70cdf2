// The sign-in flood of issue 13, measured the same way by its test and its benchmark: a child
// process posts random sign-ins from 16 loopback addresses to both products, back to back, while
// this process — which runs the server — keeps calling the PSA's REST API with a key, runs the
// console's preflight against the PSA by host name (a fresh client each time, so each one looks the
// name up on libuv's pool, as the delivery path does), and looks the name up itself. The same probes
// run first without the flood, as the baseline; the server's memory is sampled throughout.
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPreflight } from '../../src/console/preflight/run.js';
import { ConnectWiseClient } from '../../src/console/psa-client/client.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import type { TestKey, TestPsa } from '../support/psa-server.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'flood-client.mjs');

export interface Probes {
  /** p95 of GET /company/companies?pageSize=1 with an API key, ms. */
  restP95: number;
  restCalls: number;
  /** p95 of a whole preflight (settings, discovery, authentication, 13 role rows), ms. */
  preflightP95: number;
  preflights: number;
  /** Preflights that did not pass every step (should be none). */
  preflightsFailed: number;
  /** p95 of dns.lookup('localhost') — libuv's pool, which scrypt also uses. */
  dnsP95: number;
  /** Highest resident set size seen, MB. */
  rssMaxMb: number;
}

export interface FloodResult {
  quiet: Probes;
  flood: Probes;
  attackers: { statuses: Record<string, number>; attempts: number; p50: number; p95: number };
}

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.95 * s.length))] ?? Number.NaN;
};

/** Runs the three probes until `until` resolves; samples this process's memory meanwhile. */
async function probe(
  psa: TestPsa,
  admin: TestKey,
  article: TestKey,
  until: Promise<unknown>,
): Promise<Probes> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const ca = readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem'), 'utf8');
  const port = new URL(psa.origin).port;
  const rest: number[] = [];
  const preflight: number[] = [];
  const dns: number[] = [];
  let preflightsFailed = 0;
  let rssMax = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 50);
  const timed = async (into: number[], f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    into.push(performance.now() - t0);
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    await Promise.all([
      (async () => {
        while (!done) {
          await timed(rest, async () => {
            const res = await psa.fetch(`${psa.apiBase}/company/companies?pageSize=1`, {
              headers: { authorization: admin.authorization, clientId: psa.clientId },
            });
            await res.text();
            if (res.status !== 200) throw new Error(`REST call answered ${res.status}`);
          });
          await pause(20);
        }
      })(),
      (async () => {
        while (!done) {
          const client = new ConnectWiseClient(
            {
              site: `localhost:${port}`,
              companyId: psa.companyId,
              clientId: psa.clientId,
              publicKey: article.publicKey,
              privateKey: article.privateKey,
              ca,
            },
            { maxAttempts: 1, baseDelayMs: 10, timeoutMs: 30_000 },
          );
          await timed(preflight, async () => {
            const r = await runPreflight(client, {
              site: `localhost:${port}`,
              companyId: psa.companyId,
              clientId: psa.clientId,
              publicKey: article.publicKey,
              privateKey: article.privateKey,
            });
            if (!r.ok) preflightsFailed++;
          });
          await client.close();
          await pause(50);
        }
      })(),
      (async () => {
        while (!done) {
          await timed(dns, () => lookup('localhost'));
          await pause(50);
        }
      })(),
    ]);
  } finally {
    clearInterval(sampler);
  }
  return {
    restP95: p95(rest),
    restCalls: rest.length,
    preflightP95: p95(preflight),
    preflights: preflight.length,
    preflightsFailed,
    dnsP95: p95(dns),
    rssMaxMb: rssMax / 2 ** 20,
  };
}

function attack(psa: TestPsa, seconds: number, clients: number): Promise<FloodResult['attackers']> {
  const spec = {
    consoleUrl: `${psa.running.console.url}/api/v1/session`,
    psaUrl: `${psa.origin}/admin/api/v1/session`,
    clients,
    firstAddress: 2,
    seconds,
  };
  return new Promise((resolve, reject) => {
    // A session of its own (setsid): on Linux with autogroup scheduling the attackers then compete
    // for the CPU as another program would, not inside the server's own share, as a remote
    // attacker's machine would not. The flood ends by itself at its deadline.
    const child = spawn(process.execPath, [CHILD, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`flood client exited with ${code}`)),
    );
  });
}

/**
 * `seconds` of probes alone (the baseline), then `seconds` of the same probes under a flood of
 * `clients` parallel random sign-ins. Needs a server started by this process (startTestPsa).
 */
export async function measureFlood(psa: TestPsa, seconds: number, clients = 16): Promise<FloodResult> {
  const admin = await psa.adminKey();
  const article = await psa.apiMemberWithKey('floodprobe', ARTICLE_ROLE);
  // Warm-up: routes, TLS, caches — and one real scrypt check, as any running server has done.
  await probe(psa, admin, article, new Promise((r) => setTimeout(r, 1000)));
  await psa
    .fetch(`${psa.running.console.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'warm@flood.test', password: 'warm-up password' }),
    })
    .then((r) => r.text());
  const quiet = await probe(psa, admin, article, new Promise((r) => setTimeout(r, seconds * 1000)));
  const attackers = attack(psa, seconds, clients);
  const flood = await probe(psa, admin, article, attackers);
  return { quiet, flood, attackers: await attackers };
}
