// `parasol console …` and `parasol keys …`: the console's admin actions (providers, users,
// customers, PSA Integration Details with preflight, mapping, reference data) and master-key
// rotation. Each command calls the same services the console HTTP API calls (imported when it runs).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConsoleError } from '../console/service/errors.js';
import type { ConsoleServices } from '../console/service/services.js';
import type { Keyring } from '../platform/keyring.js';
import { registerBillingCommands } from './billing-commands.js';
import { customerId, out, providerId, withConsole } from './console-support.js';
import { registerDeliveryCommands } from './delivery-commands.js';
import type { CliIo } from './io.js';

const ACTOR = 'cli';

const remoteSources = async (s: ConsoleServices) =>
  (await import('../console/sources-remote/index.js')).remoteSources(s);

function num(raw: string, what: string): number {
  if (!/^\d+$/.test(raw)) throw new ConsoleError('invalid', `${what} must be a number`);
  return Number(raw);
}

export function registerConsoleCommands(program: Command, io: CliIo): void {
  const con = program.command('console').description('administer the security console');
  registerDeliveryCommands(con, io);
  registerBillingCommands(con, io);

  const provider = con.command('provider').description('provider accounts (MSP or MSSP)');
  provider
    .command('create <name>')
    .requiredOption('--kind <kind>', 'MSP or MSSP')
    .option('--json', 'print JSON', false)
    .action(async (name: string, o: { kind: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const p = await s.accounts.createProvider({ name, kind: o.kind.toUpperCase() }, ACTOR);
        out(io, o.json, p, () => [`created ${p.kind} provider ${p.id} ${p.name}`]);
      }),
    );
  provider
    .command('list')
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) =>
      withConsole(io, async (s) => {
        const list = await s.store.listProviders();
        out(io, o.json, list, () => list.map((p) => `${p.id}\t${p.kind}\t${p.name}`));
      }),
    );

  const user = con.command('user').description('console users of a provider');
  user
    .command('create <email>')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--name <name>', 'display name')
    .option('--role <role>', 'admin or read-only', 'admin')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--generate-password', 'generate a strong password and print it once', false)
    .option('--json', 'print JSON', false)
    .action(
      async (
        email: string,
        o: {
          provider: string;
          name?: string;
          role: string;
          passwordStdin: boolean;
          generatePassword: boolean;
          json: boolean;
        },
      ) => {
        if (o.passwordStdin === o.generatePassword)
          throw new ConsoleError(
            'invalid',
            'give the password on standard input with --password-stdin (never on the command line), or --generate-password',
          );
        const password = o.generatePassword
          ? (await import('../platform/passwords.js')).generatePassword()
          : await io.readStdin();
        await withConsole(io, async (s) => {
          const u = await s.accounts.createUser(
            await providerId(s, o.provider),
            { email, name: o.name ?? email, role: o.role, password },
            ACTOR,
          );
          const shown = o.generatePassword ? { generatedPassword: password } : {};
          out(io, o.json, { ...u, ...shown }, () => [
            `created ${u.role} user ${u.id} ${u.email}`,
            ...(o.generatePassword
              ? [`Console sign-in: ${u.email} / ${password}  (shown once: keep it in a password manager)`]
              : []),
          ]);
        });
      },
    );
  user
    .command('list')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--json', 'print JSON', false)
    .action(async (o: { provider: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const list = await s.accounts.listUsers(await providerId(s, o.provider));
        out(io, o.json, list, () =>
          list.map((u) => `${u.id}\t${u.role}\t${u.email}${u.locked ? '\tlocked' : ''}`),
        );
      }),
    );

  const customer = con.command('customer').description('customers (organizations) of a provider');
  customer
    .command('create <name>')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--seats <n>', 'seats', '0')
    .option('--json', 'print JSON', false)
    .action(async (name: string, o: { provider: string; seats: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const c = await s.accounts.createCustomer(
          await providerId(s, o.provider),
          { name, seats: num(o.seats, 'seats') },
          ACTOR,
        );
        out(io, o.json, c, () => [`created customer ${c.id} ${c.name}`]);
      }),
    );
  customer
    .command('list')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--json', 'print JSON', false)
    .action(async (o: { provider: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const list = await s.accounts.listCustomers(await providerId(s, o.provider));
        out(io, o.json, list, () =>
          list.map(
            (c) =>
              `${c.id}\t${c.name}\t${c.mappingState}${c.psaCompanyIdentifier ? `\t${c.psaCompanyIdentifier}` : ''}`,
          ),
        );
      }),
    );
  customer
    .command('map <customer> [identifier]')
    .description('map a customer (name or id) to a PSA company identifier (omit it to unmap)')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (customer: string, identifier: string | undefined, o: { provider: string }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        const c = await s.mapping.setMapping(
          p,
          await customerId(s, p, customer),
          { psaCompanyIdentifier: identifier ?? null },
          ACTOR,
        );
        io.out(`${c.name}: ${c.mappingState}${c.psaCompanyIdentifier ? ` → ${c.psaCompanyIdentifier}` : ''}`);
      }),
    );
  customer
    .command('suggest <customer>')
    .description('PSA companies a customer (name or id) may be, best first')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (customer: string, o: { provider: string }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        const list = await s.mapping.suggestions(p, await customerId(s, p, customer));
        for (const x of list)
          io.out(`${x.score.toFixed(3)}\t${x.company.identifier}\t${x.company.name}\t(${x.reason})`);
      }),
    );

  const mapping = con.command('mapping').description('company mappings in bulk');
  mapping
    .command('export')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (o: { provider: string }) =>
      withConsole(io, async (s) =>
        io.out((await s.mapping.exportCsv(await providerId(s, o.provider))).trimEnd()),
      ),
    );
  mapping
    .command('import <file>')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (file: string, o: { provider: string }) =>
      withConsole(io, async (s) => {
        const r = await s.mapping.importCsv(
          await providerId(s, o.provider),
          readFileSync(file, 'utf8'),
          ACTOR,
        );
        io.out(`${r.applied} applied, ${r.unchanged} unchanged, ${r.errors.length} errors`);
        for (const e of r.errors) io.err(`  line ${e.line}: ${e.message}`);
      }),
    );
  mapping
    .command('check')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (o: { provider: string }) =>
      withConsole(io, async (s) => {
        const missing = await s.mapping.checkMappings(await providerId(s, o.provider), ACTOR);
        io.out(
          missing.length
            ? `${missing.length} mapping(s) point at companies that no longer exist:`
            : 'every mapping points at an existing company',
        );
        for (const m of missing) io.out(`  customer ${m.customerId} → ${m.psaCompanyIdentifier}`);
      }),
    );

  const psa = con.command('psa').description("a provider's PSA Integration Details");
  psa
    .command('set')
    .description(
      'save PSA Integration Details (keys from standard input: "PUBLIC PRIVATE") and run the preflight',
    )
    .requiredOption('--provider <provider>', 'provider name or id')
    .requiredOption('--site <host>', 'e.g. na.myconnectwise.net or psa.example.com:8443')
    .requiredOption('--company-id <id>', 'the ConnectWise company id')
    .requiredOption('--client-id <guid>', 'the integration clientId')
    .option('--keys-stdin', 'read "PUBLIC PRIVATE" from standard input', false)
    .option('--ca-file <pem>', 'CA certificate that signs the PSA certificate')
    .option('--disabled', 'save without enabling', false)
    .option('--json', 'print JSON', false)
    .action(
      async (o: {
        provider: string;
        site: string;
        companyId: string;
        clientId: string;
        keysStdin: boolean;
        caFile?: string;
        disabled: boolean;
        json: boolean;
      }) => {
        let keys: { publicKey?: string; privateKey?: string } = {};
        if (o.keysStdin) {
          const [publicKey, privateKey] = (await io.readStdin()).trim().split(/\s+/);
          if (!publicKey || !privateKey)
            throw new ConsoleError('invalid', 'standard input must hold "PUBLIC PRIVATE"');
          keys = { publicKey, privateKey };
        }
        await withConsole(io, async (s) => {
          const view = await s.integration.save(
            await providerId(s, o.provider),
            {
              enabled: !o.disabled,
              site: o.site,
              companyId: o.companyId,
              clientId: o.clientId,
              ...keys,
              ...(o.caFile ? { trustedCa: readFileSync(o.caFile, 'utf8') } : {}),
            },
            ACTOR,
          );
          out(io, o.json, view, () => printPreflight(view.preflight));
          if (view.preflight && !view.preflight.ok) throw preflightFailed();
        });
      },
    );
  psa
    .command('preflight')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--json', 'print JSON', false)
    .action(async (o: { provider: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const r = await s.integration.runPreflight(await providerId(s, o.provider), ACTOR);
        out(io, o.json, r, () => printPreflight(r));
        if (!r.ok) throw preflightFailed();
      }),
    );
  psa
    .command('show')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (o: { provider: string }) =>
      withConsole(io, async (s) =>
        io.out(JSON.stringify(await s.integration.get(await providerId(s, o.provider)), null, 2)),
      ),
    );
  psa
    .command('refresh')
    .description("re-read the PSA's companies, boards, priorities and sources")
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (o: { provider: string }) =>
      withConsole(io, async (s) => {
        const r = await s.mapping.refreshReference(await providerId(s, o.provider));
        io.out(
          `${r.companies.length} companies, ${r.boards.length} boards, ${r.priorities.length} priorities, ${r.sources.length} sources`,
        );
      }),
    );

  const keys = program.command('keys').description('master keys that seal secrets at rest');
  keys
    .command('rotate')
    .description('add a new master key and re-seal every secret under it (the old key stays until removed)')
    .action(async () =>
      withConsole(io, async (s) => {
        const { saveKeyring } = await import('../platform/keyring.js');
        const old = s.keyring();
        const next: Keyring = saveKeyring(old.withNewKey());
        const n =
          (await s.integration.resealAll(old, next)) +
          (await (await remoteSources(s)).umbrella.resealAll(old, next));
        io.out(`new master key ${next.currentId}; re-sealed ${n} secret(s)`);
        for (const id of old.keyIds)
          io.out(`old key ${id} is no longer used: remove it with  parasol keys remove ${id}`);
      }),
    );
  keys
    .command('remove <keyId>')
    .description('remove a master key that no stored secret uses any more')
    .action(async (keyId: string) =>
      withConsole(io, async (s) => {
        const ring = s.keyring();
        const used = await keyIdsInUse(s, ring);
        if (used.has(keyId))
          throw new ConsoleError(
            'conflict',
            `master key ${keyId} still seals stored secrets: run parasol keys rotate first`,
          );
        const { saveKeyring } = await import('../platform/keyring.js');
        saveKeyring(ring.without(keyId));
        io.out(`removed master key ${keyId}`);
      }),
    );
  keys.command('list').action(async () =>
    withConsole(io, async (s) => {
      const ring = s.keyring();
      const used = await keyIdsInUse(s, ring);
      for (const id of ring.keyIds)
        io.out(`${id}${id === ring.currentId ? '\tcurrent' : ''}${used.has(id) ? '\tin use' : ''}`);
    }),
  );
}

/** Master keys still sealing a stored secret: PSA keys and remote-source credentials. */
async function keyIdsInUse(s: ConsoleServices, ring: Keyring): Promise<Set<string>> {
  const used = await s.integration.keyIdsInUse(ring);
  for (const id of await (await remoteSources(s)).umbrella.keyIdsInUse(ring)) used.add(id);
  return used;
}

/** A failed preflight is a failed command (exit 1); the settings stay saved. */
const preflightFailed = () =>
  new ConsoleError(
    'invalid',
    'the preflight failed: the settings are saved; fix the failing steps, then run parasol console psa preflight',
  );

function printPreflight(
  r: { ok: boolean; checkedAt: string; steps: Array<{ label: string; status: string; fix?: string }> } | null,
): string[] {
  if (!r) return ['saved (not enabled: no preflight run)'];
  return [
    `preflight ${r.ok ? 'passed' : 'FAILED'} at ${r.checkedAt}`,
    ...r.steps.map(
      (s) =>
        `  ${s.status === 'pass' ? '✓' : s.status === 'fail' ? '✗' : '-'} ${s.label}${s.fix ? `\n      fix: ${s.fix}` : ''}`,
    ),
  ];
}
