// X-2 with real processes, on PostgreSQL: three worker processes share one outbox of 300 items;
// one is SIGKILLed mid-run. Every item ends done once; no item ran in two live workers; only items
// the killed worker held ran twice, and their second run came from another worker, marked ambiguous,
// after the killed worker's lease ran out. Items of one subject ran in order across processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/console/engine/outbox.js';
import { createTestSchema, dropTestSchema, openStorage } from '../../src/platform/db.js';
import { databaseKinds, postgresUrl } from '../support/databases.js';
import { addProvider, item } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ITEMS = 300;
const SUBJECTS = 100;
const LEASE_MS = 1_500;

interface Child {
  owner: string;
  process: ChildProcess;
  output: string;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(owner: string, databaseUrl: string): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/engine/worker-child.ts', owner, String(LEASE_MS)],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const c = { owner, process: child, output: '' } as Child;
  c.ready = new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      c.output += d.toString();
      if (c.output.includes('ready\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`${owner} exited before it was ready: ${c.output}`)));
  });
  child.stderr!.on('data', (d: Buffer) => {
    c.output += d.toString();
  });
  c.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!databaseKinds.includes('postgres'))('three worker processes on postgres', () => {
  it('a SIGKILLed worker’s items are picked up after its lease; nothing runs twice otherwise', async () => {
    const schema = `engine_mp_${process.pid}_${Date.now().toString(36)}`;
    const url = await createTestSchema(postgresUrl!, schema);
    const storage = await openStorage({ dataDir: tmpdir(), databaseUrl: url });
    const children: Child[] = [];
    try {
      const db = storage.db;
      const providerId = await addProvider(db, 'Acme');
      await sql`CREATE TABLE engine_test_run (
        id serial PRIMARY KEY, item_id integer NOT NULL, owner text NOT NULL,
        ambiguous integer NOT NULL, at_ms bigint NOT NULL)`.execute(db);
      const runs = async () =>
        (
          await sql<{ item_id: number; owner: string; ambiguous: number; at_ms: string }>`
            SELECT item_id, owner, ambiguous, at_ms FROM engine_test_run ORDER BY id`.execute(db)
        ).rows.map((r) => ({
          item: r.item_id,
          owner: r.owner,
          ambiguous: r.ambiguous === 1,
          at: Number(r.at_ms),
        }));

      children.push(...['victim', 'w2', 'w3'].map((o) => startWorker(o, url)));
      await Promise.all(children.map((c) => c.ready));
      const outbox = new Outbox(db, storage.dialect);
      const ids = await outbox.enqueue(
        db,
        Array.from({ length: ITEMS }, (_, i) => item(providerId, `s${i % SUBJECTS}`)),
        Date.now(),
      );

      // Kill the victim mid-run: after some progress, while it holds leases.
      const [victim] = children;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [done, held] = await Promise.all([
          sql<{ n: number }>`SELECT count(*) AS n FROM engine_test_run WHERE owner = 'victim'`.execute(db),
          sql<{ n: number }>`SELECT count(*) AS n FROM con_outbox
                              WHERE state = 'running' AND lease_owner = 'victim'`.execute(db),
        ]);
        if (Number(done.rows[0]!.n) >= 15 && Number(held.rows[0]!.n) >= 3) break;
        if (Date.now() > deadline) throw new Error(`the victim made no progress: ${victim!.output}`);
        await sleep(2);
      }
      victim!.process.kill('SIGKILL');
      const killedAt = Date.now();
      expect((await victim!.exited).signal).toBe('SIGKILL');
      const held = await db
        .selectFrom('con_outbox')
        .select(['id', 'lease_until'])
        .where('state', '=', 'running')
        .where('lease_owner', '=', 'victim')
        .execute();
      expect(held.length).toBeGreaterThan(0);

      // The others finish everything, including the victim's items once its lease runs out.
      for (;;) {
        const stats = await outbox.stats(Date.now());
        if (stats.depth.done === ITEMS) break;
        if (Date.now() > deadline + 30_000) throw new Error(`not all done: ${JSON.stringify(stats)}`);
        await sleep(20);
      }
      const finishedAt = Date.now();
      for (const c of children.slice(1)) c.process.kill('SIGTERM');
      for (const c of children.slice(1)) expect((await c.exited).code, c.output).toBe(0);

      const rows = await db
        .selectFrom('con_outbox')
        .select(['id', 'subject', 'state', 'lease_owner', 'result'])
        .orderBy('id')
        .execute();
      expect(rows.map((r) => r.id)).toEqual(ids);
      expect(rows.every((r) => r.state === 'done')).toBe(true);

      const all = await runs();
      const byItem = new Map<number, typeof all>();
      for (const r of all) byItem.set(r.item, [...(byItem.get(r.item) ?? []), r]);
      const heldIds = new Set(held.map((h) => h.id));
      const twice: number[] = [];
      for (const r of rows) {
        const execs = byItem.get(r.id) ?? [];
        const last = execs.at(-1)!;
        expect(execs.length, `item ${r.id}`).toBeGreaterThanOrEqual(1);
        // The finisher is the last to have run it, and said so in its result.
        expect(r.lease_owner).toBe(last.owner);
        expect(r.result).toEqual({ by: last.owner });
        // No item ran in two live workers.
        expect(execs.filter((e) => e.owner !== 'victim').length).toBeLessThanOrEqual(1);
        if (execs.length > 1) twice.push(r.id);
      }
      // Only the victim's held items ran twice (once by the victim, then by a live worker).
      for (const id of twice) {
        expect(heldIds.has(id), `item ${id} ran twice but the victim did not hold it`).toBe(true);
        expect(byItem.get(id)!.map((e) => e.owner)[0]).toBe('victim');
      }
      // Every held item was picked up by another worker, marked ambiguous, after the lease.
      for (const h of held) {
        const last = byItem.get(h.id)!.at(-1)!;
        expect(last.owner).not.toBe('victim');
        expect(last.ambiguous).toBe(true);
        expect(last.at).toBeGreaterThanOrEqual(Date.parse(h.lease_until!));
      }
      // Items nobody crashed on were never ambiguous.
      for (const r of all) if (!heldIds.has(r.item)) expect(r.ambiguous).toBe(false);
      // Per-subject order across processes: item k's last run began before item k+1's first.
      const subjects = new Map<string, number[]>();
      for (const r of rows) subjects.set(r.subject, [...(subjects.get(r.subject) ?? []), r.id]);
      for (const list of subjects.values())
        for (let k = 1; k < list.length; k++)
          expect(byItem.get(list[k - 1]!)!.at(-1)!.at).toBeLessThanOrEqual(byItem.get(list[k]!)![0]!.at);

      const perOwner = Object.fromEntries(
        ['victim', 'w2', 'w3'].map((o) => [o, rows.filter((r) => r.lease_owner === o).length]),
      );
      console.log(
        `multi-process: ${ITEMS} items, done by ${JSON.stringify(perOwner)}; victim held ${held.length} at the kill, ` +
          `${twice.length} ran twice (all held, re-run ambiguous); finished ${finishedAt - killedAt} ms after the kill (lease ${LEASE_MS} ms)`,
      );
    } finally {
      for (const c of children)
        if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
      await storage.close();
      await dropTestSchema(postgresUrl!, schema);
    }
  });
});
