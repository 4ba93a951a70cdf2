// X-2 with real processes on PostgreSQL: `parasol start --role api` and three `parasol start --role
// worker --watch …` processes share one database. Umbrella log files land in the watched folder; one
// worker is SIGKILLed while it holds work. Every file is counted once (units and daily totals), every
// outbox item ends done and every infected host has exactly one ticket in the PSA (read through its
// REST API), the schedules due fired once in the cluster, and the API process delivered nothing.
// Also: several processes started at once on an empty schema migrate it once, without error.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Agent, fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { createTestSchema, dropTestSchema, openStorage } from '../../src/platform/db.js';
import { migrations } from '../../src/platform/migrations/index.js';
import { databaseKinds, postgresUrl } from '../support/databases.js';
import { CUSTOMERS, infectedHost, startCluster, writeClusterLogs } from './cluster.js';
import { type Started, sleep, startParasolProcess } from './support.js';

const FILES = 24;
const ROWS = 4_000;
const DAY = Date.UTC(2026, 10, 20);

const pidOf = (s: Started) => s.child.pid!;

describe.skipIf(!databaseKinds.includes('postgres'))('a cluster on postgres', () => {
  it('1 API + 3 workers, one SIGKILLed mid-run: files once, deliveries once, schedules once', async () => {
    const cluster = await startCluster();
    const { db } = cluster.opened.storage;
    const count = async (q: ReturnType<typeof sql<{ n: number }>>) =>
      Number((await q.execute(db)).rows[0]!.n);
    try {
      // The two cluster-wide schedules fall due as soon as the workers tick.
      const due = new Date(Date.now() - 1000).toISOString();
      for (const name of ['config-sync', 'ticket-status'])
        await db.insertInto('con_schedule').values({ name, next_run_at: due, runs: 0 }).execute();
      const logs = await writeClusterLogs(cluster, { files: FILES, rows: ROWS, dayMs: DAY });
      const workers = await cluster.startWorkers(3, ['--ingest-concurrency', '1']);
      logs.publish();

      // Kill a worker while it holds ingest claims or outbox leases, after some progress.
      const victim = workers[0]!;
      const owner = `%#${pidOf(victim)}#%`;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const done = await count(sql`SELECT count(*) AS n FROM con_ingest_unit WHERE status = 'done'`);
        const held =
          (await count(
            sql`SELECT count(*) AS n FROM con_ingest_unit WHERE status = 'claimed' AND claimed_by LIKE ${owner}`,
          )) +
          (await count(
            sql`SELECT count(*) AS n FROM con_outbox WHERE state = 'running' AND lease_owner LIKE ${`%:${pidOf(victim)}:%`}`,
          ));
        if (done >= 3 && held > 0) break;
        if (Date.now() > deadline) throw new Error(`no progress:\n${victim.output()}`);
        await sleep(20);
      }
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
      const killedAt = Date.now();

      // The others finish: every file, every outbox item (the victim's leases run out first).
      for (;;) {
        const units = await count(sql`SELECT count(*) AS n FROM con_ingest_unit WHERE status = 'done'`);
        const open = await count(
          sql`SELECT count(*) AS n FROM con_outbox WHERE state IN ('pending', 'running')`,
        );
        const items = await count(sql`SELECT count(*) AS n FROM con_outbox`);
        if (units === FILES && open === 0 && items >= FILES) break;
        if (Date.now() > killedAt + 90_000)
          throw new Error(`not finished: ${units} units, ${open} open items\n${workers[1]!.output()}`);
        await sleep(100);
      }
      const finishedIn = Date.now() - killedAt;

      // Files: each unit once, and the daily totals hold every row once.
      const units = await db.selectFrom('con_ingest_unit').select(['status', 'rows', 'claimed_by']).execute();
      expect(units).toHaveLength(FILES);
      expect(units.every((u) => u.status === 'done')).toBe(true);
      expect(units.reduce((n, u) => n + Number(u.rows), 0)).toBe(logs.rows);
      expect(await count(sql`SELECT coalesce(sum(requests), 0) AS n FROM con_agg_daily`)).toBe(logs.rows);

      // Deliveries: all done, none failed, one ticket per infected host in the PSA.
      const items = await db.selectFrom('con_outbox').select(['kind', 'state', 'lease_owner']).execute();
      expect(items.filter((i) => i.state !== 'done')).toEqual([]);
      expect(items.filter((i) => i.kind === 'ticket.create')).toHaveLength(FILES);
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        const res = await fetch(
          `${cluster.psaUrl}/v4_6_release/apis/3.0/service/tickets?pageSize=1000&conditions=${encodeURIComponent('summary like "%INFECTED-%"')}`,
          {
            headers: {
              authorization: cluster.adminAuthorization,
              clientId: '6b1d0c3e-2f4a-4e5b-8c7d-9e0f1a2b3c4d',
            },
            dispatcher,
          },
        );
        expect(res.status).toBe(200);
        const tickets = (await res.json()) as Array<{ summary: string }>;
        for (let i = 0; i < FILES; i++)
          expect(
            tickets.filter((t) => t.summary.includes(`${infectedHost(i)} `)),
            infectedHost(i),
          ).toHaveLength(1);
        expect(tickets).toHaveLength(FILES);
        const configs = await fetch(
          `${cluster.psaUrl}/v4_6_release/apis/3.0/company/configurations?pageSize=1000`,
          {
            headers: {
              authorization: cluster.adminAuthorization,
              clientId: '6b1d0c3e-2f4a-4e5b-8c7d-9e0f1a2b3c4d',
            },
            dispatcher,
          },
        );
        expect(((await configs.json()) as unknown[]).length).toBe(CUSTOMERS.length);
      } finally {
        await dispatcher.close();
      }

      // Schedules: each fired once in the cluster, by a worker; its work was enqueued once.
      const schedules = await db.selectFrom('con_schedule').select(['name', 'runs', 'last_run_by']).execute();
      const workerPids = workers.map((w) => String(pidOf(w)));
      for (const name of ['config-sync', 'ticket-status']) {
        const s = schedules.find((x) => x.name === name)!;
        expect(s.runs, name).toBe(1);
        expect(
          workerPids.some((pid) => s.last_run_by?.includes(pid)),
          `${name} by ${s.last_run_by}`,
        ).toBe(true);
      }
      expect(items.filter((i) => i.kind === 'config.upsert')).toHaveLength(CUSTOMERS.length);

      // The API process ran no delivery: every item was finished by a worker.
      const apiPid = `:${pidOf(cluster.api)}:`;
      expect(items.filter((i) => i.lease_owner?.includes(apiPid))).toEqual([]);
      const byWorker = Object.fromEntries(
        workers.map((w) => [pidOf(w), items.filter((i) => i.lease_owner?.includes(`:${pidOf(w)}:`)).length]),
      );
      console.log(
        `cluster: ${FILES} files / ${logs.rows} rows and ${items.length} outbox items; finished ${finishedIn} ms after the kill; items by worker pid ${JSON.stringify(byWorker)}`,
      );
      for (const w of workers.slice(1)) expect((await w.stop()).code, w.output()).toBe(0);
      expect((await cluster.api.stop()).code, cluster.api.output()).toBe(0);
    } finally {
      await cluster.close();
    }
  }, 180_000);

  it('several processes started at once on an empty schema migrate it once, without error', async () => {
    const schema = `scale_mig_${process.pid}_${Date.now().toString(36)}`;
    const url = await createTestSchema(postgresUrl!, schema);
    const masterKeys = randomBytes(32).toString('base64');
    const processes: Started[] = [];
    try {
      const env = (role: string) => ({
        DATABASE_URL: url,
        PARASOL_DATA_DIR: mkdtempSync(path.join(tmpdir(), `parasol-mig-${role}-`)),
        PARASOL_MASTER_KEYS: masterKeys,
        PSA_PORT: '0',
        CONSOLE_PORT: '0',
      });
      for (const role of ['api', 'api', 'worker', 'worker'])
        processes.push(startParasolProcess(['--role', role], env(role)));
      await Promise.all(processes.map((p) => p.line(/Role: +api|Parasol worker running/)));
      for (const p of processes) expect(p.output()).not.toMatch(/error/i);
      const storage = await openStorage({ dataDir: tmpdir(), databaseUrl: url, migrate: false });
      try {
        const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
          storage.db,
        );
        expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
        const admins = await storage.db.selectFrom('psa_member').select('identifier').execute();
        expect(admins.map((a) => a.identifier)).toEqual(['admin']);
      } finally {
        await storage.close();
      }
      for (const p of processes) expect((await p.stop()).code, p.output()).toBe(0);
    } finally {
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
      await dropTestSchema(postgresUrl!, schema);
    }
  }, 120_000);
});
