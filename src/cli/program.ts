// The `parasol` command line: `start` runs the product; `psa …` administers the built-in PSA.
import { Command, CommanderError } from 'commander';
import { ConsoleError } from '../console/service/errors.js';
import { startParasol } from '../main.js';
import { ConfigError, loadConfig } from '../platform/config.js';
import { PsaError } from '../psa/model/errors.js';
import { DEMO_ADMIN_PASSWORD, seedPsa } from '../psa/service/seed.js';
import { registerConsoleCommands } from './console-commands.js';
import { registerIngestCommands } from './ingest-command.js';
import type { CliIo } from './io.js';
import { registerPsaCommands } from './psa-commands.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('parasol')
    .description(
      'Parasol: DNS-security console ↔ PSA integration, with a ConnectWise-compatible PSA built in',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('start')
    .description('run Parasol (the PSA, on the embedded SQLite database unless DATABASE_URL is set)')
    .option('--demo', 'seed demo data first', false)
    .option('--port <port>', 'PSA HTTPS port (default 8443; 0 picks a free one)')
    .action(async (opts: { demo: boolean; port?: string }) => {
      const config = loadConfig(io.env, opts.port !== undefined ? { psa: { port: opts.port } } : {});
      const running = await startParasol(config);
      const seeded = await seedPsa(running.psa.services, {
        demo: opts.demo,
        ...(opts.demo ? { adminPassword: DEMO_ADMIN_PASSWORD } : {}),
      });
      io.out(`Parasol PSA (ConnectWise-compatible) listening on ${running.psa.url}`);
      io.out(
        `  REST API:      ${running.psa.url}/${config.psa.codebase}/apis/3.0  (company id: ${config.psa.companyId})`,
      );
      io.out(`  Admin UI:      ${running.psa.url}/   Admin API: ${running.psa.url}/admin/api/v1`);
      if (opts.demo)
        io.out(`  Demo sign-in:  admin / ${DEMO_ADMIN_PASSWORD} (unless the admin had a password)`);
      io.out(
        `Parasol console listening on ${running.console.url}  (API: ${running.console.url}/api/v1, OpenAPI: /api/v1/openapi.json)`,
      );
      io.out(`  Database:      ${running.storage.describe}`);
      if (running.psa.certFile)
        io.out(`  TLS certificate: ${running.psa.certFile} (self-signed unless configured)`);
      if (opts.demo) io.out(`  Demo data seeded: ${JSON.stringify(seeded.created)}`);
      io.out(
        '  Create an API member and key:  npm run parasol -- psa api-member create umbrella --role Umbrella',
      );
      const stop = async () => {
        await running.close();
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
