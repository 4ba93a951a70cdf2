// A file's identity is its content (docs/ingestion.md), on SQLite and PostgreSQL, with the ticket
// decisions of the real console in the commit: the same bytes touched, copied under another name and
// folder, or gzipped count once and raise no ticket from double counts; a corrected file under the
// same name replaces its earlier counts; --force recounts a file without doubling it.
import { copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { umbrellaKey } from '../../src/console/ingest/generate.js';
import { ingestion } from '../../src/console/ingest/index.js';
import { formatUmbrellaCsvLine } from '../../src/console/sources/umbrella-csv.js';
import { decodeJson } from '../../src/platform/db-types.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { ORG_A, tempDir } from './support.js';

const HOUR = 3_600_000;
/** The last full four-hour window before now (the default rule counts blocks per four hours). */
const WINDOW = Math.floor(Date.now() / (4 * HOUR)) * 4 * HOUR - 4 * HOUR;

/** `blocks` command-and-control blocks of one laptop in WINDOW, and `allowed` other requests. */
function logText(blocks: number, allowed = 5, identity = 'LAPTOP-7'): string {
  const lines: string[] = [];
  for (let i = 0; i < blocks + allowed; i++) {
    const blocked = i < blocks;
    lines.push(
      formatUmbrellaCsvLine({
        ts: WINDOW + (i + 1) * 60_000,
        identity,
        identityType: 'Roaming Computers',
        action: blocked ? 'Blocked' : 'Allowed',
        queryType: 'A',
        domain: blocked ? `c2-${i % 3}.evil.example` : `site-${i}.example.com`,
        categories: blocked ? ['Command and Control'] : ['Search Engines'],
        blockedCategories: blocked ? ['Command and Control'] : [],
        orgId: ORG_A,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe.each(databaseKinds)('content identity of files on %s', (db) => {
  let psa: TestPsa;
  let providerId: number;
  let customerId: number;

  const services = () => psa.running.console.services;
  const ingest = (location: string, force = false) =>
    ingestion(services()).ingestPath(providerId, location, { concurrency: 1, force });
  /** Blocked C2 requests of the laptop in WINDOW, and all requests of the customer. */
  const counts = async (identity = 'LAPTOP-7') => {
    const windows = await ingestion(services()).store.windows(providerId, customerId, {
      category: 'command-and-control',
    });
    const w = windows.find((x) => x.identity === identity && Date.parse(x.windowStart) === WINDOW);
    const daily = await ingestion(services()).store.daily(providerId, customerId);
    return { blocked: w?.blocked ?? 0, requests: daily.reduce((n, d) => n + d.requests, 0) };
  };
  const tracks = async () => (await delivery(services()).tracks(providerId, { customerId })).length;

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'warn' });
    const s = services();
    providerId = (await s.accounts.createProvider({ name: 'Content MSP', kind: 'MSP' }, 'test')).id;
    customerId = (await s.accounts.createCustomer(providerId, { name: 'Contoso', seats: 10 }, 'test')).id;
    await ingestion(s).addBinding(providerId, customerId, { kind: 'umbrella-org', value: ORG_A }, 'test');
  });
  afterAll(async () => psa?.close());

  it('counts the same content once however it comes back; a corrected file replaces its counts', async () => {
    const root = tempDir();
    const key = umbrellaKey(ORG_A, WINDOW, 'c2a');
    const file = path.join(root, 'a', key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, gzipSync(logText(6)));

    const first = await ingest(root);
    expect(first).toMatchObject({ ingested: 1, duplicate: 0, rows: 11 });
    expect(await counts()).toEqual({ blocked: 6, requests: 11 });
    expect(await tracks()).toBe(0);

    // Touched: same bytes, a new modification time (and so a new version).
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    const touched = await ingest(root);
    expect(touched).toMatchObject({ ingested: 0, duplicate: 1, rows: 0 });
    expect(touched.units[0]).toMatchObject({ status: 'duplicate', duplicateOf: `file:${file}` });

    // A copy under another name and folder (cp without -p), and a plain (decompressed) copy.
    const copy = path.join(root, 'restored', umbrellaKey(ORG_A, WINDOW, 'copy'));
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(file, copy);
    const plain = path.join(root, 'plain', umbrellaKey(ORG_A, WINDOW, 'c2a', false));
    mkdirSync(path.dirname(plain), { recursive: true });
    writeFileSync(plain, gunzipSync(readFileSync(file)));
    const copies = await ingest(root);
    expect(copies).toMatchObject({ ingested: 0, duplicate: 3 });
    expect(await counts()).toEqual({ blocked: 6, requests: 11 });
    // 6 real blocks: not more than 10 however often the file came back, so no ticket.
    expect(await tracks()).toBe(0);

    // Upstream corrects the file (same name, 8 blocks): the counts are those of the corrected file.
    writeFileSync(file, gzipSync(logText(8, 2)));
    const corrected = await ingest(file);
    expect(corrected).toMatchObject({ ingested: 1, replaced: 1, rows: 10 });
    expect(await counts()).toEqual({ blocked: 8, requests: 10 });
    expect(await tracks()).toBe(0);

    // --force reads it again and counts it anew, replacing itself: still the corrected file's counts.
    const forced = await ingest(file, true);
    expect(forced).toMatchObject({ ingested: 1, replaced: 1, rows: 10 });
    expect(await counts()).toEqual({ blocked: 8, requests: 10 });
    // A forced copy stays a duplicate of the counted file.
    expect(await ingest(copy, true)).toMatchObject({ ingested: 0, duplicate: 1 });
    expect(await counts()).toEqual({ blocked: 8, requests: 10 });
    expect(await tracks()).toBe(0);
    // The window's blocked details (what a ticket says) hold the corrected file's blocks only.
    const details = await services()
      .storage.db.selectFrom('con_agg_window_blocked')
      .select('domains')
      .where('provider_id', '=', providerId)
      .where('identity', '=', 'LAPTOP-7')
      .execute();
    expect(details).toHaveLength(1);
    const domains = decodeJson<{ n: number; entries: Array<[string, number, number]> }>(details[0]!.domains);
    expect(domains.n).toBe(8);
    expect(domains.entries.reduce((n, e) => n + e[1], 0)).toBe(8);
    // The top domains of the day hold the corrected file's blocks only.
    const top = await ingestion(services()).topDomains(providerId, customerId, { action: 'blocked' });
    expect(top[0]).toMatchObject({ requests: 8 });
    expect(top[0]!.domains.reduce((n, d) => n + d.count, 0)).toBe(8);
  });

  it('raises a ticket from real blocks (the decisions run in these commits)', async () => {
    const root = tempDir();
    const file = path.join(root, umbrellaKey(ORG_A, WINDOW, 'c2b'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, gzipSync(logText(12, 0, 'LAPTOP-9')));
    expect(await ingest(root)).toMatchObject({ ingested: 1 });
    expect((await counts('LAPTOP-9')).blocked).toBe(12);
    expect(await tracks()).toBe(1);
  });
});
