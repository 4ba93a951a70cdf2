// Issue 13, item 5: on one keep-alive connection, sign in, refresh the PSA reference data, check the
// mappings — repeated 200 times over HTTPS with the built-in PSA behind the console — and nothing is
// dropped: every request gets its answer, the connection is never closed under the client, and every
// "incoming request" line of the log has its "request completed".
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD } from '../../src/demo.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

const PASSWORD = 'keep-alive test passphrase';
const ADMIN = 'admin@keepalive.test';
const SEQUENCES = Number(process.env.KA_SEQ ?? 200);

interface LogLine {
  msg?: string;
  reqId?: string;
  req?: { url?: string };
}

describe.each(databaseKinds)('one keep-alive connection to the console on %s', (db) => {
  let psa: TestPsa;

  beforeAll(async () => {
    psa = await startTestPsa({ db });
    const { accounts, integration } = psa.running.console.services;
    const provider = await accounts.createProvider({ name: 'Keep-alive MSP', kind: 'MSP' }, 'test');
    await accounts.createUser(
      provider.id,
      { email: ADMIN, name: 'Admin', role: 'admin', password: PASSWORD },
      'test',
    );
    // The sign-in is the real route, but the stored hash uses scrypt's N=2^10 instead of 2^17 (its
    // encoding names its parameters): 200 sign-ins at the real cost would make this a CPU benchmark.
    // The real cost is tested in auth.int.test.ts.
    const salt = randomBytes(16);
    const cheap = scryptSync(PASSWORD.normalize('NFKC'), salt, 32, { N: 1024, r: 8, p: 1 });
    await psa.running.storage.db
      .updateTable('con_user')
      .set({ password_hash: `scrypt$1024$8$1$${salt.toString('base64')}$${cheap.toString('base64')}` })
      .where('email', '=', ADMIN)
      .execute();
    const key = await psa.apiMemberWithKey('umb-keepalive', ARTICLE_ROLE);
    const saved = await integration.save(
      provider.id,
      {
        enabled: true,
        site: psa.hostPort,
        trustedCa: psa.ca,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
      },
      'test',
    );
    expect(saved.preflight?.ok).toBe(true);
  });
  afterAll(async () => psa?.close());

  it(`answers sign-in, refresh and check ${SEQUENCES} times without a drop`, async () => {
    const server = psa.running.console.app.server;
    let connections = 0;
    const count = () => connections++;
    server.on('secureConnection', count);
    const pool = new Pool(psa.running.console.url, {
      connections: 1,
      pipelining: 1,
      connect: { ca: psa.ca },
    });
    const answered: number[] = [];
    const dropped: string[] = [];
    const send = async (path: string, headers: Record<string, string>, body?: string) => {
      try {
        const r = await pool.request({ method: 'POST', path, headers, ...(body ? { body } : {}) });
        const text = await r.body.text();
        answered.push(r.statusCode);
        return { status: r.statusCode, text, headers: r.headers };
      } catch (e) {
        dropped.push(`${path}: ${(e as Error).message}`);
        return undefined;
      }
    };
    try {
      for (let i = 0; i < SEQUENCES; i++) {
        const signIn = await send(
          '/api/v1/session',
          { 'content-type': 'application/json' },
          JSON.stringify({ email: ADMIN, password: PASSWORD }),
        );
        if (signIn?.status !== 200) continue;
        const headers = {
          cookie: String(signIn.headers['set-cookie']).split(';')[0]!,
          'x-csrf-token': (JSON.parse(signIn.text) as { csrfToken: string }).csrfToken,
        };
        await send('/api/v1/psa/reference/refresh', headers);
        await send('/api/v1/mappings/check', headers);
      }
    } finally {
      await pool.close();
      server.off('secureConnection', count);
    }
    expect(dropped).toEqual([]);
    expect(answered).toHaveLength(SEQUENCES * 3);
    expect(answered.filter((s) => s !== 200)).toEqual([]);
    expect(connections).toBe(1);

    const lines = psa
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
    const consoleCalls = new Set(
      lines
        .filter((l) => l.msg === 'incoming request' && l.req?.url?.startsWith('/api/v1/'))
        .map((l) => l.reqId),
    );
    const completed = new Set(lines.filter((l) => l.msg === 'request completed').map((l) => l.reqId));
    expect(consoleCalls.size).toBeGreaterThanOrEqual(SEQUENCES * 3);
    expect([...consoleCalls].filter((id) => !completed.has(id))).toEqual([]);
  }, 900_000);

  it('logs a connection it closes on a client error, and a request the client abandons', async () => {
    const { port } = new URL(psa.running.console.url);
    await new Promise<void>((resolve) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: Number(port), ca: psa.ca, servername: 'localhost' },
        () => socket.write('NOT-HTTP at all\r\n\r\n'),
      );
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    // A sign-in whose body never arrives: the client leaves before the server could answer.
    await new Promise<void>((resolve) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: Number(port), ca: psa.ca, servername: 'localhost' },
        () => {
          socket.write(
            'POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email"',
          );
          setTimeout(() => socket.destroy(), 200);
        },
      );
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await expect
      .poll(() => psa.logs(), { timeout: 10_000 })
      .toMatch(/"level":40[^\n]*"code":"HPE_[A-Z_]+"[^\n]*connection closed by a client error/);
    await expect.poll(() => psa.logs(), { timeout: 10_000 }).toContain('request aborted');
  });
});

// The reporter's conditions: a real `parasol start --demo` process (console and PSA in one process on
// one SQLite file, the console reaching its own PSA over HTTPS, the demo's replay leaving delivery
// work to the background worker), probed from outside on one keep-alive connection by a client that
// gives up after 10 s — a request the server holds past that is what the reporter saw as "closed
// with no response". A second connection asks /healthz all along: a stalled event loop (a long
// synchronous SQLite statement, a busy wait) shows there even when the probed requests survive it.
const REAL_SEQUENCES = Number(process.env.KA_REAL_SEQ ?? 200);
const CLIENT_TIMEOUT_MS = 10_000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('a real `parasol start --demo` process on SQLite, probed from outside', () => {
  let child: ChildProcess | undefined;
  let output = '';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-keepalive-'));

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  let url = '';
  let ca = '';

  beforeAll(async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    delete env.DATABASE_URL;
    env.PARASOL_DATA_DIR = dataDir;
    // 200 sequences make ~5,000 PSA calls: at the default 1,000 a minute the PSA's throttle (429 and
    // Retry-After, answered by the client's waits) would make this a five-minute test of throttling.
    env.PSA_RATE_LIMIT_PER_MINUTE = '100000';
    child = spawn(
      process.execPath,
      ['bin/parasol.js', 'start', '--demo', '--port', '0', '--console-port', '0'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // The demo's console admin exists once "Demo ready" is printed; the worker still delivers.
    const deadline = Date.now() + 90_000;
    while (!output.includes('Demo ready:')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no demo:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    url = /Parasol console listening on (https:\/\/[0-9.:]+)/.exec(output)![1]!;
    ca = readFileSync(path.join(dataDir, 'tls', 'cert.pem'), 'utf8');
  }, 120_000);

  it(`answers refresh and check ${REAL_SEQUENCES} times within a 10 s client timeout`, async () => {
    const pool = new Pool(url, {
      connections: 1,
      pipelining: 1,
      connect: { ca },
      headersTimeout: CLIENT_TIMEOUT_MS,
      bodyTimeout: CLIENT_TIMEOUT_MS,
    });
    const pings = new Pool(url, { connections: 1, connect: { ca } });
    let pinging = true;
    let slowestPingMs = 0;
    const pinger = (async () => {
      while (pinging) {
        const t = performance.now();
        const r = await pings.request({ method: 'GET', path: '/healthz' });
        await r.body.text();
        slowestPingMs = Math.max(slowestPingMs, performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const dropped: string[] = [];
    const statuses: number[] = [];
    let slowestMs = 0;
    const send = async (path: string, headers: Record<string, string>, body?: string) => {
      const t = performance.now();
      try {
        const r = await pool.request({
          method: 'POST',
          path,
          headers,
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
          ...(body ? { body } : {}),
        });
        const text = await r.body.text();
        statuses.push(r.statusCode);
        slowestMs = Math.max(slowestMs, performance.now() - t);
        return { status: r.statusCode, text, headers: r.headers };
      } catch (e) {
        dropped.push(`${path} after ${Math.round(performance.now() - t)} ms: ${(e as Error).message}`);
        return undefined;
      }
    };
    let headers: Record<string, string> = {};
    try {
      for (let i = 0; i < REAL_SEQUENCES; i++) {
        // A sign-in at the real scrypt cost now and then, on the same connection.
        if (i % 50 === 0) {
          const signIn = await send(
            '/api/v1/session',
            { 'content-type': 'application/json' },
            JSON.stringify({ email: DEMO_CONSOLE_EMAIL, password: DEMO_CONSOLE_PASSWORD }),
          );
          expect(signIn?.status).toBe(200);
          headers = {
            cookie: String(signIn!.headers['set-cookie']).split(';')[0]!,
            'x-csrf-token': (JSON.parse(signIn!.text) as { csrfToken: string }).csrfToken,
          };
        }
        await send('/api/v1/psa/reference/refresh', headers);
        await send('/api/v1/mappings/check', headers);
      }
    } finally {
      pinging = false;
      await pinger.catch(() => undefined);
      await pool.close();
      await pings.close();
    }
    console.info(
      `real process: ${statuses.length} answers, slowest ${Math.round(slowestMs)} ms; slowest /healthz ${Math.round(slowestPingMs)} ms`,
    );
    expect(dropped).toEqual([]);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    const calls = new Set(
      lines
        .filter((l) => l.msg === 'incoming request' && l.req?.url?.startsWith('/api/v1/'))
        .map((l) => l.reqId),
    );
    const completed = new Set(lines.filter((l) => l.msg === 'request completed').map((l) => l.reqId));
    expect([...calls].filter((id) => !completed.has(id))).toEqual([]);
  }, 600_000);

  it('keeps answering while another process holds the SQLite write lock', async () => {
    // A CLI command or `parasol ingest` writing to the same file: SQLite's own busy wait is
    // synchronous, so a 5 s busy_timeout used to stop the whole server (both products) for as long
    // as the lock was held, whatever the request needed.
    const other = new SQLite(path.join(dataDir, 'parasol.db'));
    const pings = new Pool(url, { connections: 1, connect: { ca } });
    let slowestPingMs = 0;
    try {
      other.exec('BEGIN IMMEDIATE');
      const until = performance.now() + 6000;
      while (performance.now() < until) {
        const t = performance.now();
        const r = await pings.request({ method: 'GET', path: '/healthz' });
        await r.body.text();
        expect(r.statusCode).toBe(200);
        slowestPingMs = Math.max(slowestPingMs, performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      if (other.inTransaction) other.exec('COMMIT');
      other.close();
      await pings.close();
    }
    console.info(`write lock held 6 s elsewhere: slowest /healthz ${Math.round(slowestPingMs)} ms`);
    // Generous for a loaded CI machine; the old code's stall was the lock's whole 6 s.
    expect(slowestPingMs).toBeLessThan(2000);
  }, 60_000);
});
