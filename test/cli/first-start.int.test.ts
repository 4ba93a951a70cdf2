// Issue 18, item 2: a newcomer's first start. `parasol start` (the real process, bin/parasol.js) on
// an empty data folder prints the commands that let someone sign in, then the article's steps; run
// verbatim by a shell in the printed order, in Parasol's folder as the output says (`npm run`
// itself, not a stand-in), with this process's PARASOL_DATA_DIR as the output says, they set a
// password for the PSA's admin and create the first console admin, and what they print signs in to
// both UIs (each sign-in endpoint answers with a session cookie that the session endpoint accepts).
// Started again on the same folder, Parasol prints no step: everything is done.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../scripts/build-server.mjs';
import { ROOT, type Started, startParasolProcess, trustingFetch } from '../scale/support.js';

const READY = /^Ready\. /m;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `bash -c line` in `cwd`: the line exactly as printed, as a terminal would run it. */
function shell(line: string, cwd: string, env: Record<string, string>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The printed steps: the indented `npm run parasol -- …` lines, in order. */
const printedCommands = (output: string) =>
  [...output.matchAll(/^ {4}(npm run parasol -- .*)$/gm)].map((m) => m[1]!);

const started: Started[] = [];
afterAll(async () => {
  for (const s of started) await s.stop('SIGKILL');
});

/** The cookie a sign-in set, as a browser sends it back. */
function cookieOf(res: Response, name: string): string {
  const header = res.headers.get('set-cookie') ?? '';
  const pair = header.split(';')[0]!;
  expect(pair.startsWith(`${name}=`), header).toBe(true);
  return pair;
}

describe('a first start on an empty data folder', () => {
  it('prints commands that, run verbatim in order, let one sign in to both UIs; then prints none', async () => {
    await buildServer({ ifStale: true, quiet: true });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parasol-first-start-'));
    // The environment of the terminal that started Parasol (and of the one the commands are pasted in).
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'PARASOL_MASTER_KEYS', 'PARASOL_CONFIG'])
      delete env[name];
    Object.assign(env, { PARASOL_DATA_DIR: dataDir, LOG_LEVEL: 'warn', PSA_PORT: '0', CONSOLE_PORT: '0' });

    const server = startParasolProcess([], env);
    started.push(server);
    const psaUrl = (
      await server.line(/PSA \(ConnectWise-compatible\) listening on (https:\/\/\S+)/, 120_000)
    )[1]!;
    const consoleUrl = (await server.line(/Parasol console listening on (https:\/\/\S+)/))[1]!;
    await server.line(READY, 120_000);
    const output = server.output();

    // Where to run them, as the output says: Parasol's folder, with this process's data folder.
    expect(output).toContain(
      "To sign in, run in Parasol's folder with this process's PARASOL_DATA_DIR (in this order;",
    );
    const commands = printedCommands(output);
    expect(commands.map((c) => c.split(' ').slice(4, 7).join(' '))).toEqual([
      'psa member password',
      'console provider create',
      'console user create',
      'psa role create',
      'psa api-member create',
      'psa key create',
    ]);

    let psaSignIn: { identifier: string; password: string } | undefined;
    let consoleSignIn: { email: string; password: string } | undefined;
    for (const command of commands) {
      const r = await shell(command, ROOT, env);
      expect(r.code, `${command}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
      const psa = r.stdout.match(/^PSA admin UI sign-in: (\S+) \/ (\S+) {2}\(shown once/m);
      if (psa) psaSignIn = { identifier: psa[1]!, password: psa[2]! };
      const con = r.stdout.match(/^Console sign-in: (\S+) \/ (\S+) {2}\(shown once/m);
      if (con) consoleSignIn = { email: con[1]!, password: con[2]! };
    }
    expect(psaSignIn?.identifier).toBe('admin');
    expect(consoleSignIn?.email).toBe('admin@msp.example');

    const fetch = trustingFetch(dataDir);
    try {
      const json = { 'content-type': 'application/json' };
      // The PSA admin UI's sign-in, then its session endpoint with the cookie it set.
      const psaIn = await fetch(`${psaUrl}/admin/api/v1/session`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(psaSignIn),
      });
      expect(psaIn.status, await psaIn.clone().text()).toBe(200);
      const psaCookie = cookieOf(psaIn, 'parasol_psa_session');
      const psaSession = await fetch(`${psaUrl}/admin/api/v1/session`, { headers: { cookie: psaCookie } });
      expect(psaSession.status).toBe(200);
      expect(((await psaSession.json()) as { member: { identifier: string } }).member.identifier).toBe(
        'admin',
      );

      // The console's sign-in, then its session endpoint.
      const conIn = await fetch(`${consoleUrl}/api/v1/session`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(consoleSignIn),
      });
      expect(conIn.status, await conIn.clone().text()).toBe(200);
      const conCookie = cookieOf(conIn, 'parasol_session');
      const conSession = await fetch(`${consoleUrl}/api/v1/session`, { headers: { cookie: conCookie } });
      expect(conSession.status).toBe(200);
      const body = (await conSession.json()) as { user: { email: string; role: string } };
      expect(body.user).toMatchObject({ email: 'admin@msp.example', role: 'admin' });
    } finally {
      await fetch.close();
    }

    // Everything done: started again on the same folder, it prints no step.
    await server.stop();
    const again = startParasolProcess([], env);
    started.push(again);
    await again.line(READY, 120_000);
    expect(printedCommands(again.output())).toEqual([]);
    expect(again.output()).not.toMatch(/To sign in|The article's steps/);
  });
});
