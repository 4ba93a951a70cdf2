// `parasol start --demo` from a clean state (a new data folder, SQLite, free ports) shows a
// ticket for the infected laptop and the customers' configurations in the PSA — read through the
// PSA's REST API with the printed sign-in — within 60 s of the start; the console signs in with its
// printed sign-in; a second start on the same folder duplicates nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEMO_CLIENT_ID,
  DEMO_CONSOLE_EMAIL,
  DEMO_CONSOLE_PASSWORD,
  DEMO_INFECTED_HOST,
} from '../../src/demo.js';
import { DEMO_ADMIN_PASSWORD } from '../../src/psa/service/seed.js';
import { type Started, sleep, startParasolProcess, trustingFetch } from './support.js';

interface Ticket {
  id: number;
  summary: string;
  externalXRef?: string;
  board: { name: string };
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-demo-'));
const started: Started[] = [];
afterAll(async () => {
  for (const s of started) await s.stop('SIGKILL');
});

async function startDemo() {
  const s = startParasolProcess(['--demo'], {
    PARASOL_DATA_DIR: dataDir,
    PSA_PORT: '0',
    CONSOLE_PORT: '0',
  });
  started.push(s);
  const psaUrl = (await s.line(/PSA \(ConnectWise-compatible\) listening on (https:\/\/\S+)/))[1]!;
  const consoleUrl = (await s.line(/console listening on (https:\/\/\S+)/))[1]!;
  return { s, psaUrl, consoleUrl };
}

/** Signs in to the PSA as the demo admin; returns a REST GET with the session and a clientId. */
async function psaReader(call: ReturnType<typeof trustingFetch>, psaUrl: string) {
  const res = await call(`${psaUrl}/admin/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: 'admin', password: DEMO_ADMIN_PASSWORD }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return async <T>(rel: string): Promise<T> => {
    const r = await call(`${psaUrl}/v4_6_release/apis/3.0${rel}`, {
      headers: { cookie, clientId: DEMO_CLIENT_ID },
    });
    expect(r.status, rel).toBe(200);
    return (await r.json()) as T;
  };
}

const demoTickets = `/service/tickets?conditions=${encodeURIComponent('externalXRef like "parasol:t:%"')}&pageSize=100`;

describe('parasol start --demo', () => {
  it('shows a ticket and configurations in the PSA within 60 s, and a second start duplicates nothing', async () => {
    const t0 = Date.now();
    const first = await startDemo();
    await first.s.line(/Demo ready:/);
    const call = trustingFetch(dataDir);
    try {
      const get = await psaReader(call, first.psaUrl);
      let tickets: Ticket[] = [];
      while (tickets.length === 0) {
        expect(Date.now() - t0, first.s.output()).toBeLessThan(60_000);
        tickets = await get<Ticket[]>(demoTickets);
        if (tickets.length === 0) await sleep(250);
      }
      const seconds = (Date.now() - t0) / 1000;
      expect(tickets).toHaveLength(1);
      expect(tickets[0]!.summary).toContain(DEMO_INFECTED_HOST);
      expect(tickets[0]!.board.name).toBe('Security Operations');
      let configurations: unknown[] = [];
      while (configurations.length < 4 && Date.now() - t0 < 60_000) {
        configurations = await get<unknown[]>('/company/configurations?pageSize=100');
        if (configurations.length < 4) await sleep(250);
      }
      expect(configurations).toHaveLength(4);
      console.log(`demo: ticket ${tickets[0]!.id} visible ${seconds.toFixed(1)} s after the start`);

      // The console's printed sign-in works.
      const signIn = await call(`${first.consoleUrl}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEMO_CONSOLE_EMAIL, password: DEMO_CONSOLE_PASSWORD }),
      });
      expect(signIn.status, await signIn.clone().text()).toBe(200);
      expect(first.s.output()).toContain('preflight passed');
      expect(first.s.output()).toMatch(/Ingest token \(shown once\): psi_/);
      expect((await first.s.stop()).code).toBe(0);

      // Again on the same folder: same records, no new file, no new ticket or configuration.
      const second = await startDemo();
      // The summary's lines may arrive in more than one chunk: wait for the one checked.
      await second.s.line(/DNS logs replayed:/);
      expect(second.s.output()).toContain('DNS logs replayed: 0 new file(s)');
      expect(second.s.output()).not.toContain('Ingest token (shown once)');
      const again = await psaReader(call, second.psaUrl);
      await sleep(1_000); // time for anything (wrongly) queued to be delivered
      expect(await again<Ticket[]>(demoTickets)).toHaveLength(1);
      expect(await again<unknown[]>('/company/configurations?pageSize=100')).toHaveLength(4);
      expect(await again<unknown[]>('/system/apiMembers?pageSize=100')).toHaveLength(1);
      expect((await second.s.stop()).code).toBe(0);
    } finally {
      await call.close();
    }
  });
});
