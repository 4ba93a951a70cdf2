// Issue 14, items 3 and 4: the README's commands work verbatim, in the order shown, on a fresh install
// and after the demo; and every command with `--json` prints exactly one JSON document on standard
// output. (The commands `parasol start` prints as next steps: test/cli/first-start.int.test.ts.)
//
// How the README is run (the convention this test keeps, so a README edit stays honest):
// * every ```sh block of README.md, in order, except the "Two commands" blocks (`npm install && …` and
//   Node 24's `scripts/node24.sh`: they install, serve or run this suite, which CI does);
// * a command is a line, or lines joined at a trailing `\`; it runs through bash (pipes as written)
//   in a temporary working folder, `npm run parasol --` read as `node bin/parasol.js`, with a new
//   `PARASOL_DATA_DIR` and SQLite;
// * the PSA runs in the background from the same data folder (`parasol start`, or `--demo`), as the
//   README says ("with the PSA running"), on a free port: `localhost:8443` reads as its host:port;
// * PUBLIC and PRIVATE (the README's placeholders) read as the pair the preceding `psa key create`
//   printed;
// * `./umbrella-logs` in the working folder holds one Umbrella DNS log file; `./data` is the data folder.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { umbrellaKey, writeLines } from '../../src/console/ingest/generate.js';
import { formatUmbrellaCsvLine } from '../../src/console/sources/umbrella-csv.js';
import { ROOT, type Started, startParasolProcess } from '../scale/support.js';

const BIN = path.join(ROOT, 'bin', 'parasol.js');

/** The README's commands, block by block (see the convention above). */
function readmeCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const commands: string[] = [];
  for (const block of blocks) {
    const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
    const cmds = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    if (cmds.some((c) => c.startsWith('npm install') || c.includes('scripts/node24.sh'))) continue;
    commands.push(...cmds);
  }
  return commands;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, env: Record<string, string>, input = '') {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
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
    child.stdin.end(input);
  });
}

/** A data folder, a working folder with `./umbrella-logs`, and Parasol running on them. */
async function install(startArgs: string[]) {
  // The data folder is the default one, `./data` of the working folder, so paths the README gives
  // under it (`data/tls/cert.pem`) read as written.
  const cwd = mkdtempSync(path.join(tmpdir(), 'parasol-readme-cwd-'));
  const dataDir = path.join(cwd, 'data');
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'PARASOL_MASTER_KEYS', 'PARASOL_CONFIG'])
    delete env[name];
  Object.assign(env, { PARASOL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const ts = Date.now() - 3_600_000;
  const key = umbrellaKey('2304567', ts, 'readme', false);
  mkdirSync(path.join(cwd, 'umbrella-logs', path.dirname(key)), { recursive: true });
  await writeLines(path.join(cwd, 'umbrella-logs', key), [
    formatUmbrellaCsvLine(
      {
        ts,
        identity: 'ACME-WS-01',
        identities: ['ACME-WS-01'],
        identityType: 'Roaming Computers',
        identityTypes: ['Roaming Computers'],
        internalIp: '10.0.0.10',
        externalIp: '203.0.113.7',
        action: 'Allowed',
        queryType: 'A',
        responseCode: 'NOERROR',
        domain: 'www.example.com',
        categories: ['Business Services'],
        destinationCountries: ['US'],
        orgId: '2304567',
      },
      16,
    ),
  ]);
  const server = startParasolProcess(startArgs, { ...env, PSA_PORT: '0', CONSOLE_PORT: '0' });
  running.push(server);
  const psaUrl = (
    await server.line(/PSA \(ConnectWise-compatible\) listening on (https:\/\/\S+)/, 120_000)
  )[1]!;
  await server.line(startArgs.includes('--demo') ? /Demo ready:/ : /Database:/, 120_000);
  const site = new URL(psaUrl).host;
  let keys: { publicKey: string; privateKey: string } | undefined;

  /** Runs one command as the README shows it (with this test's readings, see above). */
  const shell = async (command: string): Promise<Result> => {
    let line = command.replaceAll('npm run parasol --', `node ${BIN}`).replaceAll('localhost:8443', site);
    if (/\bPUBLIC PRIVATE\b/.test(line)) {
      if (!keys) throw new Error(`no key pair printed before: ${command}`);
      line = line.replace('PUBLIC PRIVATE', `${keys.publicKey} ${keys.privateKey}`);
    }
    const r = await run('bash', ['-c', line], cwd, env);
    const pub = r.stdout.match(/^Public Key: +(\S+)$/m)?.[1];
    const priv = r.stdout.match(/^Private Key: +(\S+)$/m)?.[1];
    if (pub && priv) keys = { publicKey: pub, privateKey: priv };
    return r;
  };
  const parasol = (args: string[], input = '') => run(process.execPath, [BIN, ...args], cwd, env, input);
  return { server, site, shell, parasol, keys: () => keys };
}

const running: Started[] = [];
afterAll(async () => {
  for (const s of running) await s.stop('SIGKILL');
});

async function expectAllPass(shell: (c: string) => Promise<Result>, commands: string[]) {
  expect(commands.length).toBeGreaterThan(0);
  for (const command of commands) {
    const r = await shell(command);
    expect(r.code, `${command}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  }
}

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe("the README's commands, verbatim", () => {
  it('finds the article steps and the console side among them', () => {
    const commands = readmeCommands(README);
    expect(commands.some((c) => c.includes('psa role create Umbrella --preset article'))).toBe(true);
    expect(commands.some((c) => c.includes('console psa set'))).toBe(true);
    expect(commands.some((c) => c.includes('npm install'))).toBe(false);
  });

  it('all exit 0 on a fresh install; then every --json command prints one JSON document', async () => {
    const fresh = await install([]);
    await expectAllPass(fresh.shell, readmeCommands(README));

    // Item 4: every command of the program tree that has --json (a new one is found by the walk).
    const keys = fresh.keys()!;
    for (const { path: words, command } of jsonCommands()) {
      const args = argumentsFor(words, command).map((a) => (a === 'SITE' ? fresh.site : a));
      const input =
        words === 'console user create'
          ? 'json passphrase 1'
          : words === 'console psa set'
            ? `${keys.publicKey} ${keys.privateKey}`
            : '';
      const r = await fresh.parasol([...words.split(' '), ...args, '--json'], input);
      expect(r.code, `${words}: ${r.stderr}`).toBe(0);
      expect(() => JSON.parse(r.stdout), `${words} printed:\n${r.stdout}`).not.toThrow();
    }
  });

  it('all exit 0 after `parasol start --demo`', async () => {
    const demo = await install(['--demo']);
    await expectAllPass(demo.shell, readmeCommands(README));
  });
});

describe('console psa set', () => {
  it('exits non-zero when the preflight fails, and --json still prints the saved view', async () => {
    const fresh = await install([]);
    await fresh.parasol(['console', 'provider', 'create', 'Preflight MSP', '--kind', 'MSP']);
    await fresh.parasol(['psa', 'api-member', 'create', 'weak', '--role', 'Read Only']);
    const key = await fresh.parasol(['psa', 'key', 'create', 'weak', '--description', 'weak', '--json']);
    const { publicKey, privateKey } = JSON.parse(key.stdout) as { publicKey: string; privateKey: string };
    const r = await fresh.parasol(
      [
        'console',
        'psa',
        'set',
        '--provider',
        'Preflight MSP',
        '--site',
        fresh.site,
        '--company-id',
        'parasol',
        '--client-id',
        '6f1d2c3b-8a4e-4f5d-9c7b-1e2a3b4c5d6e',
        '--keys-stdin',
        '--json',
      ],
      `${publicKey} ${privateKey}`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/preflight failed/);
    expect((JSON.parse(r.stdout) as { preflight: { ok: boolean } }).preflight.ok).toBe(false);
  });
});

/** Every command of the `parasol` program that has a --json option, by its words. */
function jsonCommands(): Array<{ path: string; command: Command }> {
  const silent = { out() {}, err() {}, env: {}, readStdin: async () => '' };
  const found: Array<{ path: string; command: Command }> = [];
  const walk = (c: Command, words: string[]) => {
    for (const sub of c.commands) {
      const here = [...words, sub.name()];
      if (sub.options.some((o) => o.long === '--json')) found.push({ path: here.join(' '), command: sub });
      walk(sub, here);
    }
  };
  walk(buildProgram(silent), []);
  return found;
}

/**
 * Arguments of the --json commands that take more than a provider, after the README's run (its
 * provider "My MSP", customer "Acme Corp", role Umbrella and API member umbrella exist). A new --json
 * command with other required arguments fails below until it has a line here.
 */
const ARGUMENTS: Record<string, string[]> = {
  'psa role show': ['Umbrella'],
  'psa role create': ['JSON check', '--preset', 'article'],
  'psa member create': ['json-member', '--role', 'Read Only'],
  'psa api-member create': ['json-api', '--role', 'Umbrella'],
  'psa key create': ['umbrella', '--description', 'JSON check'],
  'psa key list': ['umbrella'],
  'console provider create': ['JSON MSP', '--kind', 'MSSP'],
  'console user create': ['json@msp.example', '--provider', 'My MSP', '--password-stdin'],
  'console customer create': ['JSON Corp', '--provider', 'My MSP'],
  'console psa set': [
    '--provider',
    'My MSP',
    '--site',
    'SITE',
    '--company-id',
    'parasol',
    '--client-id',
    '6f1d2c3b-8a4e-4f5d-9c7b-1e2a3b4c5d6e',
    '--keys-stdin',
  ],
  'console tickets': ['--provider', 'My MSP', '--poll'],
  'console binding add': [
    'Acme Corp',
    '--provider',
    'My MSP',
    '--kind',
    'umbrella-org',
    '--value',
    '2304568',
  ],
  'console binding list': ['Acme Corp', '--provider', 'My MSP'],
  ingest: ['./umbrella-logs', '--provider', 'My MSP'],
};

function argumentsFor(words: string, command: Command): string[] {
  const listed = ARGUMENTS[words];
  if (listed) return listed;
  const required = command.registeredArguments.filter((a) => a.required).map((a) => a.name());
  const mandatory = command.options.filter((o) => o.mandatory).map((o) => o.long);
  const unknown = [...required, ...mandatory.filter((o) => o !== '--provider')];
  if (unknown.length)
    throw new Error(`add the arguments of '${words} --json' to ARGUMENTS (it needs ${unknown.join(', ')})`);
  return mandatory.includes('--provider') ? ['--provider', 'My MSP'] : [];
}
