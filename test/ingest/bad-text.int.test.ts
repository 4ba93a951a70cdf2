// Text PostgreSQL refuses (U+0000) and failing commits, on SQLite and PostgreSQL: a line with a NUL is a
// bad line of its file (the rest is ingested), and a unit whose commit fails is recorded failed naming
// the file — never a run that stops with the bare database error, never a unit retried forever.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { umbrellaKey, umbrellaLines } from '../../src/console/ingest/generate.js';
import { IngestService } from '../../src/console/ingest/service.js';
import { IngestStore } from '../../src/console/ingest/store.js';
import { systemClock } from '../../src/platform/clock.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';
import { makeWorld, ORG_A, tempDir, type World } from './support.js';

describe.each(databaseKinds)('bad text and failing commits on %s', (kind) => {
  let w: World;

  beforeAll(async () => {
    w = await makeWorld(await openTestStorage(kind));
  });
  afterAll(async () => {
    await w.storage.close();
  });

  const writeFile = (dir: string, hour: number, name: string, lines: string[], gzip: boolean) => {
    const file = path.join(dir, umbrellaKey(ORG_A, Date.UTC(2026, 2, 1, hour), name, gzip));
    mkdirSync(path.dirname(file), { recursive: true });
    const text = `${lines.join('\n')}\n`;
    writeFileSync(file, gzip ? gzipSync(text) : text);
    return file;
  };
  const rows = (n: number, hour: number) => [
    ...umbrellaLines({ rows: n, orgIds: [ORG_A], startMs: Date.UTC(2026, 2, 1, hour), spanMs: 3600_000 }),
  ];

  it('ingests the other lines of a file with a NUL line and reports that line with the file', async () => {
    const dir = tempDir();
    const lines = rows(30, 1);
    // A NUL in the identity column (what PostgreSQL refused in the commit) and one in the domain.
    lines[4] = lines[4]!.replace(/^("[^"]*",")([^"]*)/, '$1$2\u0000x');
    lines[19] = lines[19]!.replace(/\.test\."/, '.te\u0000st."');
    const gz = writeFile(dir, 1, 'nul1', lines, true);
    const plain = writeFile(dir, 2, 'nul2', rows(10, 2).concat(['\u0000']), false);
    const r = await w.service.ingestPath(w.providerId, dir, { concurrency: 1 });
    expect(r).toMatchObject({ files: 2, ingested: 2, failed: 0, rows: 38, badRows: 3 });
    const byFile = Object.fromEntries(r.units.map((u) => [u.sourceKey, u.errors]));
    expect(byFile[`file:${gz}`]).toEqual([
      { line: 5, message: 'line 5: contains a NUL character (U+0000)' },
      { line: 20, message: 'line 20: contains a NUL character (U+0000)' },
    ]);
    expect(byFile[`file:${plain}`]).toEqual([
      { line: 11, message: 'line 11: contains a NUL character (U+0000)' },
    ]);
    const day = await w.service.daily(w.providerId, w.alpha, { from: '2026-03-01', to: '2026-03-01' });
    expect(day[0]!.requests).toBe(38);
  });

  it('records a unit whose commit fails as failed, naming the file; the run goes on and no run retries it', async () => {
    let failing = true;
    const store = new IngestStore(w.storage.db, w.storage.dialect, {
      async inCommit() {
        if (failing)
          throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
            code: '22021',
          });
      },
    });
    const service = new IngestService(store, w.consoleStore, systemClock);
    const dir = tempDir();
    const file = writeFile(dir, 5, 'cmt1', rows(12, 5), true);
    const before = await w.store.snapshot(w.providerId);
    const r = await service.ingestPath(w.providerId, dir, { concurrency: 0 });
    expect(r).toMatchObject({ files: 1, ingested: 0, failed: 1, rows: 0 });
    const reason = 'could not be committed: invalid byte sequence for encoding "UTF8": 0x00';
    expect(r.units[0]).toMatchObject({ sourceKey: `file:${file}`, status: 'failed', reason });
    expect(await w.store.snapshot(w.providerId)).toEqual(before);
    const unit = await w.store.getUnit(w.providerId, `file:${file}`, r.units[0]!.version);
    expect(unit).toMatchObject({ status: 'failed', reason, claimedBy: null });

    // The next run (even with the database fine again) reports it and does not read it again.
    failing = false;
    const again = await service.ingestPath(w.providerId, dir, { concurrency: 0 });
    expect(again.units[0]).toMatchObject({ status: 'failed', reason: `${reason} (earlier run)` });
    expect(await w.store.snapshot(w.providerId)).toEqual(before);
    await service.close();
  });
});
