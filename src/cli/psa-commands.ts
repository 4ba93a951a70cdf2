// `parasol psa …`: the PSA's admin actions (roles, levels, allow-lists, members, API members, keys,
// seed). Each command calls the same AdminService the admin HTTP API calls; the catalogue, the
// services and the database are imported when a command runs, not when the program is built.
import type { Command } from 'commander';
import type { RolePreset } from '../psa/catalog/index.js';
import type { PsaServices } from '../psa/service/services.js';
import type { CliIo } from './io.js';

export const PRESET_NAMES = ['article', 'admin', 'read-only'] as const;
/** System → Table Setup: the allow-list `psa role allow` changes unless --list names another. */
export const TABLE_SETUP = 'SystemTableSetup';

async function presets(): Promise<Record<string, RolePreset>> {
  const { ADMIN_ROLE, ARTICLE_ROLE, READ_ONLY_ROLE } = await import('../psa/catalog/presets.js');
  return { article: ARTICLE_ROLE, admin: ADMIN_ROLE, 'read-only': READ_ONLY_ROLE };
}
const ACTOR = 'cli';

async function withPsa<T>(io: CliIo, work: (s: PsaServices) => Promise<T>): Promise<T> {
  const [{ openPsa }, { loadConfig }] = await Promise.all([
    import('../open.js'),
    import('../platform/config.js'),
  ]);
  const config = loadConfig(io.env, { logLevel: io.env.LOG_LEVEL ?? 'warn' });
  const { storage, services } = await openPsa(config);
  try {
    return await work(services);
  } finally {
    await services.apiLog.flush();
    await storage.close();
  }
}

function print(io: CliIo, json: boolean, value: unknown, human: () => string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const line of human()) io.out(line);
}

async function roleId(s: PsaServices, role: string): Promise<number> {
  return (await s.admin.getRole(/^\d+$/.test(role) ? Number(role) : role)).id;
}

async function memberId(s: PsaServices, member: string): Promise<number> {
  return (await s.admin.getMember(/^\d+$/.test(member) ? Number(member) : member)).id;
}

export function registerPsaCommands(program: Command, io: CliIo): void {
  const psa = program.command('psa').description('administer the built-in ConnectWise-compatible PSA');

  psa
    .command('seed')
    .description(
      'create the built-in roles and the admin member; --demo adds companies, boards, priorities … and ticket 123456',
    )
    .option('--demo', 'also seed demo reference data and ticket 123456', false)
    .option('--admin <identifier>', 'identifier of the admin member', 'admin')
    .option('--admin-password-stdin', 'read the admin member’s password from standard input', false)
    .action(async (opts: { demo: boolean; admin: string; adminPasswordStdin: boolean }) => {
      const typed = opts.adminPasswordStdin ? await io.readStdin() : undefined;
      const { DEMO_ADMIN_PASSWORD, seedPsa } = await import('../psa/service/seed.js');
      // A demo deployment gets a known admin password (kept if the admin already has one).
      const password = typed || (opts.demo ? DEMO_ADMIN_PASSWORD : undefined);
      await withPsa(io, async (s) => {
        const r = await seedPsa(s, {
          demo: opts.demo,
          adminIdentifier: opts.admin,
          ...(password ? { adminPassword: password } : {}),
        });
        io.out(`seeded: admin member id ${r.adminMemberId}; created ${JSON.stringify(r.created)}`);
        if (password === DEMO_ADMIN_PASSWORD && (await s.admin.getMember(r.adminMemberId)).hasPassword)
          io.out(
            `admin UI sign-in (demo): ${opts.admin} / ${DEMO_ADMIN_PASSWORD} (unless it was set before)`,
          );
      });
    });

  const role = psa.command('role').description('security roles (System → Security Roles)');
  role
    .command('list')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) =>
      withPsa(io, async (s) => {
        const roles = await s.admin.listRoles();
        print(io, opts.json, roles, () =>
          roles.map((r) => `${r.id}\t${r.name}${r.adminFlag ? ' (admin)' : ''}`),
        );
      }),
    );
  role
    .command('show <role>')
    .option('--json', 'print JSON', false)
    .action(async (name: string, opts: { json: boolean }) =>
      withPsa(io, async (s) => {
        const { ACTIONS } = await import('../psa/catalog/types.js');
        const r = await s.admin.getRole(/^\d+$/.test(name) ? Number(name) : name);
        print(io, opts.json, r, () => [
          `${r.id}\t${r.name}${r.adminFlag ? ' (admin)' : ''}`,
          ...Object.entries(r.levels)
            .filter(([, l]) => ACTIONS.some((a) => l[a] !== 'None'))
            .map(
              ([fn, l]) => `  ${fn}: add ${l.add}, edit ${l.edit}, delete ${l.delete}, inquire ${l.inquire}`,
            ),
          ...Object.entries(r.allowLists).map(([c, items]) => `  ${c} allows: ${items.join(', ')}`),
        ]);
      }),
    );
  role
    .command('create <name>')
    .description('create a role, empty or from a preset (article = the Umbrella integration role)')
    .option('--preset <preset>', `one of ${PRESET_NAMES.join(', ')}`)
    .option('--admin', 'admin role: bypasses every check', false)
    .option('--json', 'print JSON', false)
    .action(async (name: string, opts: { preset?: string; admin: boolean; json: boolean }) =>
      withPsa(io, async (s) => {
        let body: Record<string, unknown> = { name, adminFlag: opts.admin };
        if (opts.preset) {
          const preset = (await presets())[opts.preset];
          if (!preset) throw new Error(`unknown preset '${opts.preset}': use ${PRESET_NAMES.join(', ')}`);
          body = {
            name,
            adminFlag: preset.adminFlag || opts.admin,
            levels: preset.levels,
            allowLists: preset.allowed,
          };
        }
        const r = await s.admin.createRole(body, ACTOR);
        print(io, opts.json, r, () => [`created role ${r.id} ${r.name}`]);
      }),
    );
  role
    .command('set <role> <function>')
    .description(
      "set a function's levels, e.g. set Umbrella ServiceDesk/ServiceTickets --add All --inquire All",
    )
    .option('--add <level>', 'All, My or None')
    .option('--edit <level>', 'All, My or None')
    .option('--delete <level>', 'All, My or None')
    .option('--inquire <level>', 'All, My or None')
    .action(async (name: string, fn: string, opts: Record<string, string | undefined>) =>
      withPsa(io, async (s) => {
        const { ACTIONS } = await import('../psa/catalog/types.js');
        const levels: Record<string, string> = {};
        for (const a of ACTIONS) if (opts[a] !== undefined) levels[a] = opts[a]!;
        const r = await s.admin.updateRole(await roleId(s, name), { levels: { [fn]: levels } }, ACTOR);
        const l = r.levels[fn]!;
        io.out(`${r.name} ${fn}: add ${l.add}, edit ${l.edit}, delete ${l.delete}, inquire ${l.inquire}`);
      }),
    );
  role
    .command('allow <role> [items...]')
    .description('replace a customize allow-list, e.g. allow Umbrella Company/Configuration Service/Priority')
    .option('--list <customizeId>', 'which customize list', TABLE_SETUP)
    .action(async (name: string, items: string[], opts: { list: string }) =>
      withPsa(io, async (s) => {
        const r = await s.admin.updateRole(
          await roleId(s, name),
          { allowLists: { [opts.list]: items } },
          ACTOR,
        );
        io.out(`${r.name} ${opts.list} allows: ${(r.allowLists[opts.list] ?? []).join(', ') || '(nothing)'}`);
      }),
    );
  role.command('delete <role>').action(async (name: string) =>
    withPsa(io, async (s) => {
      await s.admin.deleteRole(await roleId(s, name));
      io.out(`deleted role ${name}`);
    }),
  );

  for (const kind of ['member', 'api-member'] as const) {
    const cmd = psa
      .command(kind)
      .description(
        kind === 'member' ? 'members who sign in to the PSA' : 'API members (System → Members → API Members)',
      );
    cmd
      .command('create <identifier>')
      .requiredOption('--role <role>', 'Role ID (name or id)')
      .option('--name <name>', 'name (API members)')
      .option('--first-name <name>')
      .option('--last-name <name>')
      .option('--email <email>')
      .option('--password-stdin', 'read the password from standard input (members)', false)
      .option('--json', 'print JSON', false)
      .action(async (identifier: string, opts: Record<string, string | boolean | undefined>) => {
        const password = opts.passwordStdin ? await io.readStdin() : undefined;
        await withPsa(io, async (s) => {
          const body: Record<string, unknown> = { identifier, role: opts.role };
          if (opts.name) body.name = opts.name;
          if (opts.firstName) body.firstName = opts.firstName;
          if (opts.lastName) body.lastName = opts.lastName;
          if (opts.email) body.email = opts.email;
          if (password) body.password = password;
          const m = await s.admin.createMember(kind === 'member' ? 'member' : 'api', body, ACTOR);
          print(io, Boolean(opts.json), m, () => [
            `created ${kind} ${m.id} ${m.identifier} with role ${m.roleName}`,
          ]);
        });
      });
    cmd
      .command('list')
      .option('--json', 'print JSON', false)
      .action(async (opts: { json: boolean }) =>
        withPsa(io, async (s) => {
          const list = await s.admin.listMembers(kind === 'member' ? 'member' : 'api');
          print(io, opts.json, list, () =>
            list.map((m) => `${m.id}\t${m.identifier}\t${m.roleName}${m.inactiveFlag ? '\tinactive' : ''}`),
          );
        }),
      );
    for (const [verb, inactive] of [
      ['deactivate', true],
      ['activate', false],
    ] as const) {
      cmd.command(`${verb} <member>`).action(async (member: string) =>
        withPsa(io, async (s) => {
          const m = await s.admin.updateMember(await memberId(s, member), { inactiveFlag: inactive }, ACTOR);
          io.out(`${m.identifier} is now ${m.inactiveFlag ? 'inactive' : 'active'}`);
        }),
      );
    }
    if (kind === 'member') {
      cmd
        .command('password <member>')
        .description(
          'set the password a member signs in to the admin UI with (read from standard input, or --generate)',
        )
        .option('--generate', 'generate a strong password, set it and print it once', false)
        .action(async (member: string, opts: { generate: boolean }) => {
          const { generatePassword } = await import('../platform/passwords.js');
          const password = opts.generate ? generatePassword() : await io.readStdin();
          if (!password)
            throw new Error(
              'no password on standard input: printf %s PASSWORD | … password <member> (or --generate)',
            );
          await withPsa(io, async (s) => {
            const id = await memberId(s, member);
            if ((await s.admin.getMember(id)).kind !== 'member')
              throw new Error(`${member} is an API member: API members sign in with keys, not passwords`);
            const m = await s.admin.updateMember(id, { password }, ACTOR);
            await s.memberSessions.signOutMember(id);
            io.out(`password set for ${m.identifier}; their other sessions are signed out`);
            if (opts.generate)
              io.out(
                `PSA admin UI sign-in: ${m.identifier} / ${password}  (shown once: keep it in a password manager)`,
              );
          });
        });
    }
    cmd.command('set-role <member> <role>').action(async (member: string, roleName: string) =>
      withPsa(io, async (s) => {
        const m = await s.admin.updateMember(await memberId(s, member), { role: roleName }, ACTOR);
        io.out(`${m.identifier} now has role ${m.roleName}`);
      }),
    );
  }

  const key = psa.command('key').description('API keys of a member or API member');
  key
    .command('create <member>')
    .requiredOption('--description <text>', 'e.g. "Umbrella PSA Integration"')
    .option('--json', 'print JSON', false)
    .action(async (member: string, opts: { description: string; json: boolean }) =>
      withPsa(io, async (s) => {
        const k = await s.admin.createKey(
          await memberId(s, member),
          { description: opts.description },
          ACTOR,
        );
        print(io, opts.json, k, () => [
          `Description: ${k.description}`,
          `Public Key:  ${k.publicKey}`,
          `Private Key: ${k.privateKey}`,
          `Company ID:  ${s.config.psa.companyId}`,
          `Note: ${k.notice}`,
        ]);
      }),
    );
  key
    .command('list <member>')
    .option('--json', 'print JSON', false)
    .action(async (member: string, opts: { json: boolean }) =>
      withPsa(io, async (s) => {
        const keys = await s.admin.listKeys(await memberId(s, member));
        print(io, opts.json, keys, () =>
          keys.map(
            (k) =>
              `${k.id}\t${k.publicKey}\t${k.description}${k.revokedAt ? `\trevoked ${k.revokedAt}` : ''}`,
          ),
        );
      }),
    );
  key.command('revoke <member> <keyId>').action(async (member: string, keyIdText: string) =>
    withPsa(io, async (s) => {
      if (!/^\d+$/.test(keyIdText)) throw new Error('keyId must be a number (see `parasol psa key list`)');
      const k = await s.admin.revokeKey(await memberId(s, member), Number(keyIdText), ACTOR);
      io.out(`revoked key ${k.id} (${k.publicKey})`);
    }),
  );
}
