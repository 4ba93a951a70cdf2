// Cost of checking API credentials on every request (KeyVerifier.verify) with a warm cache, with
// the cache disabled (every call reads key, member and role from SQLite), against what the cached
// path fundamentally is: one SHA-256 of the header and one Map lookup. Then revocation, with the
// real clock: the process that revokes refuses the key on the very next call (the admin service's
// change listener empties its cache), and a second set of services on the same database, standing
// for another process, refuses it once its cached entry expires (TTL, 5 s).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig } from '../src/platform/config.js';
import { openStorage, type Storage } from '../src/platform/db.js';
import { createLogger } from '../src/platform/logger.js';
import { ARTICLE_ROLE } from '../src/psa/catalog/index.js';
import { KeyVerifier } from '../src/psa/http/key-verifier.js';
import { seedPsa } from '../src/psa/service/seed.js';
import { createPsaServices, type PsaServices } from '../src/psa/service/services.js';
import { type BenchRow, median, ratioOf } from './report.js';

const SAMPLE_MS = 300;
const SAMPLES = 5;
const TTL_MS = 5000;
const POLL_MS = 100;

/** µs per call of `f`, awaited one after the other, over about `ms` milliseconds. */
async function perCallAsync(f: () => Promise<unknown>, ms: number): Promise<number> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let calls = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) await f();
    calls += 50;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1000 / calls;
}

function perCallSync(f: () => unknown, ms: number): number {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let calls = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 500; i++) f();
    calls += 500;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1000 / calls;
}

function services(storage: Storage, dataDir: string): PsaServices {
  // An explicit, empty environment: a DATABASE_URL in the shell must not move this onto PostgreSQL.
  const config = loadConfig({}, { dataDir, logLevel: 'warn' });
  return createPsaServices({ config, clock: systemClock, logger: createLogger('warn'), storage, tls: true });
}

export async function run(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-bench-keys-'));
  const storageA = await openStorage({ dataDir });
  // Same SQLite file, its own connection and services: what another PSA process would have.
  const storageB = await openStorage({ dataDir, migrate: false });
  try {
    const a = services(storageA, dataDir);
    const b = services(storageB, dataDir);
    await seedPsa(a, { demo: false });
    const role = await a.admin.ensurePreset(ARTICLE_ROLE, 'bench');
    const member = await a.admin.createMember(
      'api',
      { identifier: 'benchkeys', name: 'benchkeys', role: role.id },
      'bench',
    );
    const key = await a.admin.createKey(member.id, { description: 'bench key' }, 'bench');
    const header = `Basic ${Buffer.from(`${a.config.psa.companyId}+${key.publicKey}:${key.privateKey}`).toString('base64')}`;

    const warm = a.verifier;
    const cold = new KeyVerifier(a.security, systemClock, a.config.psa.companyId, 0);
    for (const v of [warm, cold]) {
      const r = await v.verify(header);
      if (!r.ok) throw new Error(`the bench key does not verify: ${r.reason}`);
    }
    // The baseline: what a cache hit has to do at the very least.
    const principal = ((await warm.verify(header)) as { ok: true; principal: unknown }).principal;
    const map = new Map<string, unknown>([[createHash('sha256').update(header).digest('hex'), principal]]);
    let hits = 0;
    const baselineCall = () => {
      if (map.get(createHash('sha256').update(header).digest('hex')) !== undefined) hits++;
    };

    const base: number[] = [];
    const warmUs: number[] = [];
    const coldUs: number[] = [];
    perCallSync(baselineCall, 100);
    await perCallAsync(() => warm.verify(header), 100);
    await perCallAsync(() => cold.verify(header), 100);
    for (let i = 0; i < SAMPLES; i++) {
      base.push(perCallSync(baselineCall, SAMPLE_MS));
      warmUs.push(await perCallAsync(() => warm.verify(header), SAMPLE_MS));
      coldUs.push(await perCallAsync(() => cold.verify(header), SAMPLE_MS));
    }
    if (hits === 0) throw new Error('baseline never found the entry');
    const baseline = median(base);
    const warmFigure = median(warmUs);
    const coldFigure = median(coldUs);
    process.stderr.write(
      `key-verify: sha256+Map ${baseline.toFixed(2)} µs, warm ${warmFigure.toFixed(2)} µs, cold ${coldFigure.toFixed(1)} µs\n`,
    );

    // Revocation. B verifies now, so its cached entry is as young as it can be when A revokes.
    const bFirst = await b.verifier.verify(header);
    if (!bFirst.ok) throw new Error(`second process refused the key before revocation: ${bFirst.reason}`);
    const bCachedAt = Date.now();
    await a.admin.revokeKey(member.id, key.id, 'bench');
    const revokedAt = Date.now();
    const nextInA = await a.verifier.verify(header);
    const acceptedInA = nextInA.ok ? 1 : 0;
    let refusedAt: number | undefined;
    let lastAcceptedAt = revokedAt;
    let acceptedInB = 0;
    while (Date.now() - revokedAt < TTL_MS * 2) {
      const r = await b.verifier.verify(header);
      const at = Date.now();
      if (!r.ok) {
        refusedAt = at;
        break;
      }
      acceptedInB++;
      lastAcceptedAt = at;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const delay = refusedAt === undefined ? Number.NaN : refusedAt - revokedAt;
    const window = lastAcceptedAt - revokedAt;
    process.stderr.write(
      `key-verify: revoking process ${acceptedInA ? 'ACCEPTED' : 'refused'} the next call; second process refused after ` +
        `${delay} ms (${acceptedInB} polls accepted, the last ${window} ms after revocation; its entry was ` +
        `${refusedAt === undefined ? '?' : refusedAt - bCachedAt} ms old)\n`,
    );

    return [
      {
        name: 'verify, warm cache',
        figure: warmFigure,
        unit: 'µs/op',
        baseline,
        ratio: ratioOf(warmFigure, baseline),
        target: { on: 'figure', op: '<', value: 20 },
        note: `baseline = sha256(header) + Map.get, synchronous; medians of ${SAMPLES} alternating samples of ${SAMPLE_MS} ms`,
      },
      {
        name: 'verify, cold (TTL 0: key, member, role from SQLite)',
        figure: coldFigure,
        unit: 'µs/op',
        baseline,
        ratio: ratioOf(coldFigure, baseline),
        note: `${(coldFigure / warmFigure).toFixed(1)}× the warm path`,
      },
      {
        name: 'revoked key accepted again by the revoking process',
        figure: acceptedInA,
        unit: 'calls',
        baseline: null,
        ratio: null,
        target: { on: 'figure', op: '<=', value: 0 },
        note: 'AdminService.revokeKey → change listener drops the cached entry; the very next verify is refused',
      },
      {
        name: 'revoked key refused by a second process after',
        figure: delay,
        unit: 'ms',
        baseline: TTL_MS,
        ratio: ratioOf(delay, TTL_MS),
        note:
          `second services on the same SQLite file (another connection, no change listener), default TTL ` +
          `${TTL_MS} ms, polled every ${POLL_MS} ms with the real clock, so this is the first poll after expiry; ` +
          `baseline = the TTL`,
      },
      {
        name: 'revoked key last accepted by the second process at',
        figure: window,
        unit: 'ms',
        baseline: TTL_MS,
        ratio: ratioOf(window, TTL_MS),
        target: { on: 'figure', op: '<=', value: TTL_MS },
        note: 'time after revocation of the last poll the second process still accepted: must be within its TTL',
      },
    ];
  } finally {
    await storageB.close();
    await storageA.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
