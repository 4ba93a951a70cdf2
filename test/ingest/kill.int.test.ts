// Exactly once under crashes and competition, with real processes: `parasol ingest` is SIGKILLed at
// a random point after it made progress, run again to completion, and the stored aggregates must
// equal those of a clean run into a fresh database. On PostgreSQL, three processes ingest the same
// folder at once and every file is counted once.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestStore } from '../../src/console/ingest/store.js';
import { ConsoleStore } from '../../src/console/store/console-store.js';
import { createTestSchema, dropTestSchema, openStorage, type Storage } from '../../src/platform/db.js';
import { databaseKinds, openTestStorage, postgresUrl } from '../support/databases.js';
import { makeWorld, ORG_A, ORG_B, tempDir, writeLogFiles } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILES = 8;
const ROWS = 25_000;

let logs: string;
type Snapshot = Awaited<ReturnType<IngestStore['snapshot']>>;
let expected: Snapshot;

/** The store and provider of a database made by makeWorld (ids are the same in every fresh one). */
async function makeWorldless(storage: Storage) {
  const provider = await new ConsoleStore(storage.db).findProviderByName('Acme');
  return { store: new IngestStore(storage.db, storage.dialect), providerId: provider!.id };
}

/** JSON with object keys sorted (jsonb keeps its own key order), rows sorted (collations differ). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function expectSameAggregates(actual: Snapshot, reference: Snapshot): void {
  for (const t of ['windows', 'daily', 'topDomains', 'identities'] as const) {
    expect(actual[t].length, t).toBe(reference[t].length);
    expect(actual[t].map(canonical).sort(), t).toEqual(reference[t].map(canonical).sort());
  }
}

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function ingest(env: Record<string, string>, extra: string[] = []): Run {
  const childEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'warn',
    ...env,
  };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const child = spawn(
    process.execPath,
    ['bin/parasol.js', 'ingest', logs, '--provider', 'Acme', '--concurrency', '2', ...extra],
    { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const run = { child, stdout: '', stderr: '' } as Run;
  child.stdout!.on('data', (d: Buffer) => {
    run.stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    run.stderr += d.toString();
  });
  run.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return run;
}

/** A fresh database with the world of makeWorld; returns the env a child needs to reach it. */
async function freshDatabase(
  kind: 'sqlite' | 'postgres',
): Promise<{ env: Record<string, string>; open: () => Promise<Storage>; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dataDir = tempDir('parasol-kill-db-');
    const open = () => openStorage({ dataDir });
    const s = await open();
    await makeWorld(s);
    await s.close();
    return { env: { PARASOL_DATA_DIR: dataDir }, open, drop: async () => {} };
  }
  const schema = `kill_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const url = await createTestSchema(postgresUrl!, schema);
  const open = () => openStorage({ dataDir: tempDir(), databaseUrl: url });
  const s = await open();
  await makeWorld(s);
  await s.close();
  return {
    env: { DATABASE_URL: url, PARASOL_DATA_DIR: tempDir() },
    open,
    drop: () => dropTestSchema(postgresUrl!, schema),
  };
}

beforeAll(async () => {
  logs = tempDir('parasol-kill-logs-');
  await writeLogFiles(logs, { files: FILES, rows: ROWS, orgIds: [ORG_A, ORG_A, ORG_B], seed: 4 });
  // The reference: a clean run, in this process, into a fresh database.
  const clean = await openTestStorage('sqlite');
  try {
    const w = await makeWorld(clean);
    const r = await w.service.ingestPath(w.providerId, logs, { concurrency: 2 });
    expect(r).toMatchObject({ ingested: FILES, failed: 0, rows: FILES * ROWS });
    expected = await w.store.snapshot(w.providerId);
  } finally {
    await clean.close();
  }
});

describe.each(databaseKinds)('a crash on %s', (kind) => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase(kind);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('SIGKILLed at a random point, then run again: the same totals as a clean run', async () => {
    const storage = await db.open();
    try {
      const { store, providerId } = await makeWorldless(storage);
      const doneUnits = async () =>
        (await store.listUnits(providerId)).filter((u) => u.status === 'done').length;
      const started = Date.now();
      const first = ingest(db.env);
      // Some progress: a first file committed; then a random moment (mid-file, mid-commit, …) within
      // half the time a file took, so that the run is still going on a fast, idle machine.
      const deadline = Date.now() + 30_000;
      while ((await doneUnits()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const perFile = Date.now() - started;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * Math.min(400, perFile / 2))));
      first.child.kill('SIGKILL');
      const end = await first.exited;
      expect(end.signal, first.stderr).toBe('SIGKILL');
      const done = await doneUnits();
      // Killed part-way: some files counted, not all of them.
      expect(done).toBeGreaterThan(0);
      expect(done).toBeLessThan(FILES);

      const second = ingest(db.env, ['--json']);
      const { code } = await second.exited;
      expect(code, second.stderr).toBe(0);
      const summary = JSON.parse(second.stdout) as { ingested: number; duplicate: number; failed: number };
      expect(summary).toMatchObject({ ingested: FILES - done, duplicate: done, failed: 0 });
      const after = await store.listUnits(providerId);
      expect(after).toHaveLength(FILES);
      expect(after.every((u) => u.status === 'done')).toBe(true);
      expectSameAggregates(await store.snapshot(providerId), expected);
    } finally {
      await storage.close();
    }
  });
});

describe.skipIf(!databaseKinds.includes('postgres'))('competing processes on postgres', () => {
  it('three processes ingesting one folder at once count every file once', async () => {
    const db = await freshDatabase('postgres');
    try {
      const runs = [0, 1, 2].map(() => ingest(db.env, ['--json', '--concurrency', '1']));
      const ends = await Promise.all(runs.map((r) => r.exited));
      for (const [i, e] of ends.entries()) expect(e.code, runs[i]!.stderr).toBe(0);
      const summaries = runs.map((r) => JSON.parse(r.stdout) as { ingested: number; rows: number });
      expect(summaries.reduce((n, s) => n + s.ingested, 0)).toBe(FILES);
      expect(summaries.reduce((n, s) => n + s.rows, 0)).toBe(FILES * ROWS);
      const storage = await db.open();
      try {
        const { store, providerId } = await makeWorldless(storage);
        const units = await store.listUnits(providerId);
        expect(units).toHaveLength(FILES);
        expect(units.every((u) => u.status === 'done')).toBe(true);
        expectSameAggregates(await store.snapshot(providerId), expected);
      } finally {
        await storage.close();
      }
    } finally {
      await db.drop();
    }
  });
});
