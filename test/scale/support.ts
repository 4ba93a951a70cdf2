// Helpers of the scale-out and demo tests: `parasol start …` as a real child process (its stdout
// read line by line, its URLs parsed), and HTTPS calls that trust the data folder's certificate.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Started {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first printed line that matches, or rejects when the process ends first. */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `node bin/parasol.js start ARGS` with `env` over a clean environment (no DATABASE_URL unless given).
 * `terminal`: in a pseudo-terminal (util-linux `script`), as when a person starts it in a shell;
 * the output then reads as the terminal shows it (lines end in CR LF).
 */
export function startParasolProcess(
  args: string[],
  env: Record<string, string>,
  options: { terminal?: boolean } = {},
): Started {
  const childEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'warn',
    ...env,
  };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'PARASOL_MASTER_KEYS', 'PARASOL_CONFIG'])
    if (env[name] === undefined) delete childEnv[name];
  const argv = [process.execPath, 'bin/parasol.js', 'start', ...args];
  const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  // `script` keeps running while its standard input stays open (a pipe nobody writes to).
  const child = options.terminal
    ? spawn('script', ['-qfec', `exec ${quoted}`, '/dev/null'], {
        cwd: ROOT,
        env: childEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, argv.slice(1), { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    text += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      for (const w of waiters.splice(0)) w();
    }),
  );
  const started: Started = {
    child,
    output: () => text,
    line(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line ${re} within ${timeoutMs} ms:\n${text}`)),
          timeoutMs,
        );
        const check = () => {
          const m = text.match(re);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`the process ended before printing ${re}:\n${text}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return started;
}

/** fetch over HTTPS trusting the certificate Parasol made in `dataDir`. */
export function trustingFetch(dataDir: string) {
  const dispatcher = new Agent({
    connect: { ca: readFileSync(path.join(dataDir, 'tls', 'cert.pem'), 'utf8') },
  });
  const call = (url: string, init: Record<string, unknown> = {}) =>
    fetch(url, { ...init, dispatcher } as never);
  return Object.assign(call, { close: () => dispatcher.close() });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
