// Ingestion of Umbrella DNS log folders into the aggregates, on SQLite and PostgreSQL: exactly once,
// bad lines, refused files, routing, worker threads, claims and leases, bindings.
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { columnsOf } from '../../src/console/aggregate/index.js';
import { umbrellaKey, umbrellaLines } from '../../src/console/ingest/generate.js';
import { IngestService } from '../../src/console/ingest/service.js';
import { IngestStore } from '../../src/console/ingest/store.js';
import { ConsoleError } from '../../src/console/service/errors.js';
import { formatUmbrellaCsvLine } from '../../src/console/sources/umbrella-csv.js';
import { systemClock } from '../../src/platform/clock.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';
import { makeWorld, ORG_A, ORG_B, tempDir, type World, writeLogFiles } from './support.js';

describe.each(databaseKinds)('ingestion on %s', (kind) => {
  let w: World;
  let root: string;

  beforeAll(async () => {
    w = await makeWorld(await openTestStorage(kind));
    root = tempDir();
    await writeLogFiles(root, { files: 3, rows: 3000, orgIds: [ORG_A, ORG_A, ORG_B] });
  });
  afterAll(async () => {
    await w.storage.close();
  });

  it('ingests each file once: a second run changes nothing and reports duplicates; a changed file replaces its counts', async () => {
    const first = await w.service.ingestPath(w.providerId, root, { concurrency: 2 });
    expect(first).toMatchObject({ files: 3, ingested: 3, duplicate: 0, failed: 0, rows: 9000, badRows: 0 });
    // Rows of ORG_B have no binding: counted as unrouted, not aggregated.
    expect(first.unrouted).toBe(3000);
    const before = await w.store.snapshot(w.providerId);
    const daily = await w.service.daily(w.providerId, w.alpha, {});
    expect(daily).toEqual([expect.objectContaining({ day: '2026-01-05', requests: 6000 })]);
    expect(daily[0]!.allowed + daily[0]!.blocked).toBe(6000);

    // Settled units are found with one query, not claimed again file by file (a watched folder is
    // scanned every few seconds by every worker process, and keeps its old files).
    const claims = vi.spyOn(w.store, 'claim');
    const second = await w.service.ingestPath(w.providerId, root, { concurrency: 2 });
    expect(claims).not.toHaveBeenCalled();
    expect(second).toMatchObject({ files: 3, ingested: 0, duplicate: 3, rows: 0 });
    // Settled units never change: the service remembers them, the next scan asks nothing.
    const lookups = vi.spyOn(w.store, 'settledUnits');
    expect(await w.service.ingestPath(w.providerId, root, { concurrency: 2 })).toMatchObject({
      duplicate: 3,
      rows: 0,
    });
    expect(lookups).not.toHaveBeenCalled();
    expect(claims).not.toHaveBeenCalled();
    lookups.mockRestore();
    claims.mockRestore();
    expect(second.units.every((u) => u.status === 'duplicate')).toBe(true);
    expect(await w.store.snapshot(w.providerId)).toEqual(before);

    // The same key with other content (another size and time): a new version, whose counts replace
    // the earlier version's (f000 had 2,000 rows of ORG_A) instead of adding to them.
    const file = path.join(root, umbrellaKey(ORG_A, Date.UTC(2026, 0, 5, 0), 'f000'));
    writeFileSync(file, gzipSync(`${[...umbrellaLines({ rows: 10, orgIds: [ORG_A] })].join('\n')}\n`));
    const third = await w.service.ingestPath(w.providerId, root, { concurrency: 1 });
    expect(third).toMatchObject({ ingested: 1, replaced: 1, duplicate: 2, rows: 10 });
    const units = (await w.store.listUnits(w.providerId)).filter((u) => u.sourceKey === `file:${file}`);
    expect(units.map((u) => u.status)).toEqual(['done', 'done']);
    expect(units[0]!.replacedBy).toBe(units[1]!.id);
    expect(new Set(units.map((u) => u.version)).size).toBe(2);
    expect((await w.service.daily(w.providerId, w.alpha, {}))[0]!.requests).toBe(4010);
  });

  it('counts and reports a malformed line (file and line) and ingests the rest of the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, umbrellaKey(ORG_A, Date.UTC(2026, 0, 6, 3), 'bad1', false));
    const good = [
      ...umbrellaLines({ rows: 20, orgIds: [ORG_A], startMs: Date.UTC(2026, 0, 6, 3), spanMs: 3600_000 }),
    ];
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${good.slice(0, 10).join('\n')}\n"2026-01-06 03:00:00","half a line\n${good.slice(10).join('\r\n')}`,
    );
    const before = (
      await w.service.daily(w.providerId, w.alpha, { from: '2026-01-06', to: '2026-01-06' })
    )[0];
    const r = await w.service.ingestPath(w.providerId, dir, { concurrency: 0 });
    expect(r).toMatchObject({ ingested: 1, rows: 20, badRows: 1 });
    expect(r.units[0]!.errors).toEqual([
      { line: 11, message: expect.stringMatching(/^line 11: unterminated quote/) },
    ]);
    expect(before).toBeUndefined();
    expect((await w.service.daily(w.providerId, w.alpha, { from: '2026-01-06' }))[0]!.requests).toBe(20);
    const unit = await w.store.getUnit(w.providerId, `file:${file}`, r.units[0]!.version);
    expect(unit).toMatchObject({ status: 'done', rows: 20, badRows: 1 });
    expect(await w.store.lineErrors(w.providerId, unit!.id)).toEqual(r.units[0]!.errors);
  });

  it('marks a file that is not gzip or not CSV as failed with its reason and commits nothing of it', async () => {
    const dir = tempDir();
    const day = Date.UTC(2026, 0, 7, 1);
    const cut = gzipSync(
      `${[...umbrellaLines({ rows: 3000, orgIds: [ORG_A], startMs: day, spanMs: 3600_000 })].join('\n')}\n`,
    );
    const truncated = path.join(dir, umbrellaKey(ORG_A, day, 'trnc'));
    mkdirSync(path.dirname(truncated), { recursive: true });
    writeFileSync(truncated, cut.subarray(0, cut.length - 200));
    const binary = path.join(dir, umbrellaKey(ORG_A, day, 'binr', false));
    writeFileSync(binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const before = await w.store.snapshot(w.providerId);
    const r = await w.service.ingestPath(w.providerId, dir, { concurrency: 0 });
    expect(r).toMatchObject({ files: 2, ingested: 0, failed: 2, rows: 0 });
    const reasons = Object.fromEntries(r.units.map((u) => [path.basename(u.sourceKey), u.reason]));
    expect(reasons[path.basename(truncated)]).toMatch(/^not a complete gzip file: unexpected end of file/);
    expect(reasons[path.basename(binary)]).toBe('neither gzip nor CSV text: binary data');
    expect(await w.store.snapshot(w.providerId)).toEqual(before);
    for (const u of r.units) {
      expect(await w.store.getUnit(w.providerId, u.sourceKey, u.version)).toMatchObject({
        status: 'failed',
        reason: u.reason,
      });
    }
    // Not read again: reported as failed earlier.
    const again = await w.service.ingestPath(w.providerId, dir, { concurrency: 0 });
    expect(again.units.map((u) => u.reason)).toEqual(r.units.map((u) => `${u.reason} (earlier run)`));
  });

  it('routes by folder prefix, then by org id (column 16 or the org folder); the rest is unrouted', async () => {
    const dir = tempDir();
    // Under beta-logs/: every row is Beta's, whatever its org.
    await writeLogFiles(dir, { files: 1, rows: 500, folder: 'beta-logs', orgIds: [ORG_A, ORG_B], day: 8 });
    // 10-column rows (no org column) in the folder of ORG_A: Alpha's.
    const tenCols = path.join(dir, umbrellaKey(ORG_A, Date.UTC(2026, 0, 8, 5), 'ten0'));
    const lines = [
      ...umbrellaLines({ rows: 300, columns: 10, startMs: Date.UTC(2026, 0, 8, 5), spanMs: 3600_000 }),
    ];
    mkdirSync(path.dirname(tenCols), { recursive: true });
    writeFileSync(tenCols, gzipSync(`${lines.join('\n')}\n`));
    // Another org's folder, no org column: unrouted.
    const stray = path.join(dir, umbrellaKey('7777777', Date.UTC(2026, 0, 8, 6), 'str0'));
    mkdirSync(path.dirname(stray), { recursive: true });
    writeFileSync(stray, gzipSync(`${lines.slice(0, 50).join('\n')}\n`));
    const r = await w.service.ingestPath(w.providerId, dir, { concurrency: 0 });
    expect(r).toMatchObject({ ingested: 3, rows: 850, unrouted: 50 });
    expect((await w.service.daily(w.providerId, w.beta, { from: '2026-01-08' }))[0]!.requests).toBe(500);
    expect((await w.service.daily(w.providerId, w.alpha, { from: '2026-01-08' }))[0]!.requests).toBe(300);
  });

  it('gives the same aggregates on worker threads as on this thread, and serves the read side', async () => {
    const dir = tempDir();
    await writeLogFiles(dir, { files: 4, rows: 1500, folder: 'beta-logs', day: 9, seed: 9 });
    const other = await openTestStorage(kind);
    try {
      const w2 = await makeWorld(other);
      const threaded = await w2.service.ingestPath(w2.providerId, dir, { concurrency: 2 });
      const inline = await w.service.ingestPath(w.providerId, dir, { concurrency: 0 });
      expect(threaded.rows).toBe(inline.rows);
      const a = await w2.store.snapshot(w2.providerId);
      const b = await w.store.snapshot(w.providerId);
      const onDay = <
        T extends { window_start?: unknown; day?: unknown; first_seen?: unknown; customer_id: unknown },
      >(
        rows: T[],
      ) =>
        rows.filter(
          (r) =>
            r.customer_id === w.beta &&
            String(r.window_start ?? r.day ?? r.first_seen).startsWith('2026-01-09'),
        );
      expect(onDay(a.windows)).toEqual(onDay(b.windows));
      expect(onDay(a.daily)).toEqual(onDay(b.daily));
      expect(onDay(a.topDomains)).toEqual(onDay(b.topDomains));
    } finally {
      await other.close();
    }
    const top = await w.service.topDomains(w.providerId, w.beta, { day: '2026-01-09', action: 'allowed' });
    expect(top).toHaveLength(1);
    expect(top[0]!.domains.length).toBeGreaterThan(3);
    expect(top[0]!.domains[0]!.count).toBeGreaterThanOrEqual(top[0]!.domains[1]!.count);
    const c2 = await w.service.windows(w.providerId, w.beta, {
      category: 'command-and-control',
      from: '2026-01-09T00:00:00Z',
      to: '2026-01-10T00:00:00Z',
    });
    expect(c2.length).toBeGreaterThan(0);
    expect(
      c2.every((r) => r.category === 'command-and-control' && r.windowStart.startsWith('2026-01-09')),
    ).toBe(true);
    const identities = await w.service.identities(w.providerId, w.beta);
    expect(identities.length).toBeGreaterThan(5);
    expect(identities[0]!.requests).toBeGreaterThanOrEqual(identities[1]!.requests);
    await expect(w.service.windows(w.providerId, w.beta, { category: 'nope' })).rejects.toThrow(ConsoleError);
  });

  it('claims a unit for one owner at a time; an expired or dead owner is taken over; a lost claim commits nothing', async () => {
    const unit = { providerId: w.providerId, sourceKey: 'test:claim', version: '1' };
    const now = Date.now();
    const a = await w.store.claim(unit, 'host#1#a', now, 60_000);
    expect(a.state).toBe('claimed');
    expect(await w.store.claim(unit, 'host#2#b', now, 60_000)).toEqual({ state: 'busy', owner: 'host#1#a' });
    expect((await w.store.claim(unit, 'host#2#b', now, 60_000, (o) => o === 'host#1#a')).state).toBe(
      'claimed',
    );
    // 'a' lost it: its commit writes nothing.
    const deltas = { events: 0, windowCounts: [], dailyTotals: [], topDomains: [], identities: [] };
    const counts = { bytes: 1, rows: 1, badRows: 0, unrouted: 0 };
    const unitId = a.state === 'claimed' ? a.unitId : -1;
    expect(await w.store.commit(w.providerId, unitId, 'host#1#a', counts, [], deltas, 256, now)).toBe(false);
    // After the lease runs out, a third owner takes it over; 'b' then cannot commit.
    expect((await w.store.claim(unit, 'host#3#c', now + 61_000, 60_000)).state).toBe('claimed');
    expect(await w.store.commit(w.providerId, unitId, 'host#2#b', counts, [], deltas, 256, now)).toBe(false);
    expect(await w.store.commit(w.providerId, unitId, 'host#3#c', counts, [], deltas, 256, now)).toBe(true);
    expect((await w.store.claim(unit, 'host#4#d', now + 999_999, 60_000)).state).toBe('done');
  });

  it('of two versions of one file committed at once, one counts: the later replaces the earlier', async () => {
    const store2 = new IngestStore(w.storage.db, w.storage.dialect);
    const day = '2026-01-20';
    const deltasOf = (requests: number) => ({
      events: requests,
      windowCounts: [],
      dailyTotals: [{ customerId: w.alpha, day, requests, allowed: requests, blocked: 0, byCategory: {} }],
      topDomains: [],
      identities: [],
    });
    const now = Date.now();
    const claimed = await Promise.all(
      ['v1', 'v2'].map((version, i) =>
        (i === 0 ? w.store : store2).claim(
          { providerId: w.providerId, sourceKey: 'file:/race/x.csv', version },
          `host#${i}#race`,
          now,
          60_000,
        ),
      ),
    );
    const ids = claimed.map((c) => (c.state === 'claimed' ? c.unitId : -1));
    const results = await Promise.all(
      [5, 7].map((n, i) =>
        (i === 0 ? w.store : store2).commitFile(
          w.providerId,
          ids[i]!,
          `host#${i}#race`,
          { bytes: n, rows: n, badRows: 0, unrouted: 0 },
          [],
          columnsOf(deltasOf(n)),
          256,
          now,
          { sourceKey: 'file:/race/x.csv', digest: `race-${n}`, force: false },
        ),
      ),
    );
    expect(results.map((r) => r.state)).toEqual(['counted', 'counted']);
    const requests = (await w.service.daily(w.providerId, w.alpha, { from: day, to: day }))[0]!.requests;
    expect([5, 7]).toContain(requests);
    const units = (await w.store.listUnits(w.providerId)).filter((u) => u.sourceKey === 'file:/race/x.csv');
    expect(units.filter((u) => u.replacedBy === null)).toHaveLength(1);
  });

  it('manages bindings per customer, refuses a value bound twice, and keeps tenants apart', async () => {
    const list = await w.service.listBindings(w.providerId, w.alpha);
    expect(list.map((b) => [b.kind, b.value])).toEqual([['umbrella-org', ORG_A]]);
    await expect(
      w.service.addBinding(w.providerId, w.beta, { kind: 'umbrella-org', value: ORG_A }, 't'),
    ).rejects.toMatchObject({ kind: 'conflict' });
    await expect(
      w.service.addBinding(w.providerId, w.beta, { kind: 'nope', value: 'x' }, 't'),
    ).rejects.toMatchObject({
      kind: 'invalid',
    });
    const added = await w.service.addBinding(
      w.providerId,
      w.beta,
      { kind: 'umbrella-org', value: '555' },
      't',
    );
    const other = await w.consoleStore.createProvider({ name: 'Other', kind: 'MSSP', at: 'x' });
    await expect(w.service.listBindings(other, w.beta)).rejects.toMatchObject({ kind: 'not-found' });
    await expect(w.service.deleteBinding(other, w.beta, added.id, 't')).rejects.toMatchObject({
      kind: 'not-found',
    });
    await expect(w.service.daily(other, w.alpha, {})).rejects.toMatchObject({ kind: 'not-found' });
    await w.service.deleteBinding(w.providerId, w.beta, added.id, 't');
    expect((await w.service.listBindings(w.providerId, w.beta)).map((b) => b.value)).toEqual(['beta-logs/']);
    const audit = await w.consoleStore.listAudit(w.providerId);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['binding.added', 'binding.removed']));
  });

  it('counts the same content once when two processes ingest two copies of it at the same time', async () => {
    const dirs = [tempDir(), tempDir()];
    const day = Date.UTC(2026, 0, 12, 2);
    const bytes = gzipSync(
      `${[...umbrellaLines({ rows: 2000, orgIds: [ORG_A], startMs: day, spanMs: 3600_000, seed: 77 })].join('\n')}\n`,
    );
    dirs.forEach((dir, i) => {
      const file = path.join(dir, umbrellaKey(ORG_A, day, `cc${i}`));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, bytes);
    });
    const other = new IngestService(
      new IngestStore(w.storage.db, w.storage.dialect),
      w.consoleStore,
      systemClock,
    );
    try {
      const [a, b] = await Promise.all([
        w.service.ingestPath(w.providerId, dirs[0]!, { concurrency: 1 }),
        other.ingestPath(w.providerId, dirs[1]!, { concurrency: 1 }),
      ]);
      expect(a.ingested + b.ingested).toBe(1);
      expect(a.duplicate + b.duplicate).toBe(1);
      const daily = await w.service.daily(w.providerId, w.alpha, { from: '2026-01-12', to: '2026-01-12' });
      expect(daily[0]!.requests).toBe(2000);
    } finally {
      await other.close();
    }
  });

  it('knows a touched file counted before contents were digested by its name, size and rows', async () => {
    const dir = tempDir();
    const day = Date.UTC(2026, 0, 14, 2);
    const file = path.join(dir, umbrellaKey(ORG_A, day, 'lgcy'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      gzipSync(
        `${[...umbrellaLines({ rows: 40, orgIds: [ORG_A], startMs: day, spanMs: 3600_000 })].join('\n')}\n`,
      ),
    );
    const first = await w.service.ingestPath(w.providerId, file, { concurrency: 0 });
    expect(first).toMatchObject({ ingested: 1, rows: 40 });
    // As a unit ingested before migration 0009 looks: no digest, no content row, no contribution.
    const unit = (await w.store.getUnit(w.providerId, `file:${file}`, first.units[0]!.version))!;
    await w.storage.db.deleteFrom('con_ingest_content').where('unit_id', '=', unit.id).execute();
    await w.storage.db.deleteFrom('con_ingest_contribution').where('unit_id', '=', unit.id).execute();
    await w.storage.db
      .updateTable('con_ingest_unit')
      .set({ content_digest: null })
      .where('id', '=', unit.id)
      .execute();
    const before = await w.store.snapshot(w.providerId);
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    const touched = await w.service.ingestPath(w.providerId, file, { concurrency: 0 });
    expect(touched).toMatchObject({ ingested: 0, duplicate: 1 });
    expect(await w.store.snapshot(w.providerId)).toEqual(before);
    expect((await w.store.getUnit(w.providerId, `file:${file}`, unit.version))!.contentDigest).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it('reads a file appended to (a new version) as a new unit, and a single file given by path', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'one.csv');
    const mk = (n: number) =>
      `${formatUmbrellaCsvLine({ ts: Date.UTC(2026, 0, 10, 1, 0, n), identity: 'h', action: 'Allowed', queryType: 'A', domain: 'a.test', orgId: ORG_A })}\n`;
    writeFileSync(file, mk(1));
    expect(await w.service.ingestPath(w.providerId, file, { concurrency: 0 })).toMatchObject({
      ingested: 1,
      rows: 1,
    });
    expect(await w.service.ingestPath(w.providerId, file, { concurrency: 0 })).toMatchObject({
      duplicate: 1,
    });
    appendFileSync(file, mk(2));
    expect(await w.service.ingestPath(w.providerId, file, { concurrency: 0 })).toMatchObject({
      ingested: 1,
      rows: 2,
    });
  });
});
