// The `parasol` command line: `start` runs the product (by role: api, worker or all; --demo sets up
// and replays the demo); `psa …` administers the built-in PSA, `console …` the console.
// Registering the commands loads only commander: each action imports what it needs when it runs
// (`parasol --help` must not pay for Fastify, the database drivers or the AWS SDK).
import { Command, CommanderError } from 'commander';
import type { BackgroundOptions } from '../background.js';
import type { Role, Running } from '../main.js';
import type { Config } from '../platform/config.js';
import { registerConsoleCommands } from './console-commands.js';
import { registerIngestCommands } from './ingest-command.js';
import type { CliIo } from './io.js';
import { registerPsaCommands } from './psa-commands.js';

interface StartOptions {
  role: string;
  demo: boolean;
  port?: string;
  consolePort?: string;
  watch: string[];
  watchSeconds: string;
  ingestConcurrency: string;
  s3Endpoint?: string;
  umbrellaPollMinutes: string;
  opsPort?: string;
  opsHost: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function whole(raw: string, what: string, min: number, max: number): Promise<number> {
  const { ConfigError } = await import('../platform/config.js');
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new ConfigError(`${what} must be a whole number from ${min} to ${max}, not '${raw}'`);
  return Number(raw);
}

/**
 * The built-in roles and the admin member. API processes started together on an empty database race
 * to create them: the loser's insert hits a unique key, and its next pass finds the winner's rows.
 */
async function seedOnce(running: Running): Promise<void> {
  const { seedPsa } = await import('../psa/service/seed.js');
  for (let attempt = 1; ; attempt++) {
    try {
      await seedPsa(running.psa.services, { demo: false });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

function printServers(io: CliIo, config: Config, running: Running, role: Role): void {
  io.out(`Parasol PSA (ConnectWise-compatible) listening on ${running.psa.url}`);
  io.out(
    `  REST API:      ${running.psa.url}/${config.psa.codebase}/apis/3.0  (company id: ${config.psa.companyId}; OpenAPI: ${running.psa.url}/openapi.json)`,
  );
  io.out(`  Admin UI:      ${running.psa.url}/   Admin API: ${running.psa.url}/admin/api/v1`);
  io.out(
    `Parasol console listening on ${running.console.url}  (API: ${running.console.url}/api/v1, OpenAPI: /api/v1/openapi.json)`,
  );
  io.out(`  Role:          ${role}${role === 'api' ? ' (no delivery workers, no schedules)' : ''}`);
  io.out(`  Database:      ${running.storage.describe}`);
  io.out('  Operations:    /healthz  /readyz  /metrics on both servers');
  if (running.psa.certFile)
    io.out(`  TLS certificate: ${running.psa.certFile} (self-signed unless configured)`);
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('parasol')
    .description(
      'Parasol: DNS-security console ↔ PSA integration, with a ConnectWise-compatible PSA built in',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('start')
    .description(
      'run Parasol: the PSA and the console (SQLite under ./data unless DATABASE_URL is set); --role splits API and worker processes',
    )
    .option(
      '--role <role>',
      'api (HTTP servers only), worker (delivery, schedules, ingestion only) or all',
      'all',
    )
    .option(
      '--demo',
      'set up the demo (PSA data, provider, customers, integration) and replay DNS traffic',
      false,
    )
    .option('--port <port>', 'PSA HTTPS port (default 8443; 0 picks a free one)')
    .option('--console-port <port>', 'console HTTPS port (default 8444; 0 picks a free one)')
    .option(
      '--watch <provider=location>',
      'worker: scan a folder or s3://bucket/prefix for new DNS logs (repeatable)',
      collect,
      [],
    )
    .option('--watch-seconds <n>', 'worker: pause between two scans of a watched location', '60')
    .option('--ingest-concurrency <n>', 'worker: files of a watched location processed at once', '2')
    .option('--s3-endpoint <url>', 'worker: endpoint of an S3-compatible server for watched s3:// locations')
    .option(
      '--umbrella-poll-minutes <n>',
      'worker: minutes between Umbrella Reporting API polls (0: never)',
      '10',
    )
    .option('--ops-port <port>', 'worker: serve /healthz, /readyz and /metrics over plain HTTP on this port')
    .option('--ops-host <host>', 'worker: address of the operations server', '127.0.0.1')
    .action(async (opts: StartOptions) => {
      const [{ ROLES, startParasol, startWorker }, { ConfigError, loadConfig }, { parseWatch }] =
        await Promise.all([
          import('../main.js'),
          import('../platform/config.js'),
          import('../background.js'),
        ]);
      const role = opts.role as Role;
      if (!ROLES.includes(role))
        throw new ConfigError(`--role must be one of ${ROLES.join(', ')}, not '${opts.role}'`);
      if (opts.demo && role !== 'all')
        throw new ConfigError('--demo runs everything in one process: use it with --role all (the default)');
      const overrides: Record<string, unknown> = {};
      if (opts.port !== undefined) overrides.psa = { port: opts.port };
      if (opts.consolePort !== undefined) overrides.console = { port: opts.consolePort };
      const config = loadConfig(io.env, overrides);
      const background: BackgroundOptions = {
        watch: opts.watch.map(parseWatch),
        watchIntervalMs: (await whole(opts.watchSeconds, '--watch-seconds', 1, 86_400)) * 1000,
        ingestConcurrency: await whole(opts.ingestConcurrency, '--ingest-concurrency', 0, 64),
        umbrellaPollMinutes: await whole(opts.umbrellaPollMinutes, '--umbrella-poll-minutes', 0, 10_080),
        ...(opts.s3Endpoint ? { s3: { endpoint: opts.s3Endpoint } } : {}),
      };
      if (role !== 'worker' && opts.opsPort !== undefined)
        throw new ConfigError(
          '--ops-port is for --role worker (the API servers answer /healthz, /readyz and /metrics)',
        );
      if (role === 'api' && background.watch!.length > 0)
        throw new ConfigError('--watch runs in a worker: use --role worker or all');
      let close: () => Promise<void>;
      if (role === 'worker') {
        const worker = await startWorker(config, {
          background,
          ...(opts.opsPort !== undefined
            ? { ops: { host: opts.opsHost, port: await whole(opts.opsPort, '--ops-port', 0, 65_535) } }
            : {}),
        });
        close = () => worker.close();
        io.out(
          `Parasol worker running (pid ${process.pid}): ${config.console.deliveryWorkers} delivery worker(s), ` +
            `schedules ${config.console.schedules ? 'on' : 'off'}, ${background.watch!.length} watched location(s)`,
        );
        io.out(`  Database:      ${worker.storage.describe}`);
        if (worker.opsUrl) io.out(`  Operations:    ${worker.opsUrl}/healthz  /readyz  /metrics`);
      } else {
        const running = await startParasol(config, { role, background });
        close = () => running.close();
        // The built-in roles and the admin member exist before the servers are announced.
        if (!opts.demo) await seedOnce(running);
        printServers(io, config, running, role);
        if (opts.demo) {
          const { demoLines, runDemo } = await import('../demo.js');
          for (const line of demoLines(running, await runDemo(running, { dataDir: config.dataDir })))
            io.out(line);
        } else {
          const { nextSteps } = await import('./start-hints.js');
          for (const line of await nextSteps(running, { env: io.env })) io.out(line);
        }
      }
      // The last line of the start-up text: whoever reads it (or waits for it) has seen the rest.
      io.out('Ready. Ctrl+C (SIGINT) or SIGTERM stops Parasol.');
      const stop = async () => {
        await close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  registerPsaCommands(program, io);
  registerConsoleCommands(program, io);
  registerIngestCommands(program, io);
  return program;
}

/** Runs the CLI; returns the exit code. Known errors print one clear line, never a stack trace. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    // The error classes' modules are loaded only when something failed (see the file's header).
    const [{ ConsoleError }, { PsaError }, { ConfigError }] = await Promise.all([
      import('../console/service/errors.js'),
      import('../psa/model/errors.js'),
      import('../platform/config.js'),
    ]);
    if (e instanceof ConsoleError) {
      io.err(`error: ${e.message}`);
      for (const issue of e.issues) io.err(`  ${issue.path}: ${issue.message}`);
      return 1;
    }
    if (e instanceof PsaError) {
      io.err(`error: ${e.message}`);
      for (const issue of e.errors ?? []) io.err(`  ${issue.field}: ${issue.message}`);
      return 1;
    }
    if (e instanceof ConfigError || e instanceof Error) {
      io.err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
