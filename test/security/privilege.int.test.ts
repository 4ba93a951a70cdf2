// Issue 13, item 1: nobody grants, assigns or acts on more rights than their own role has. Cases are
// generated from ADMIN_ENDPOINTS' `privileges` column: every rule of every admin action has at least
// one request that breaks exactly it (403 in ConnectWise's shape, nothing changed), every changing
// action has a request within the caller's rights that still succeeds, and both run with an API key
// and with a member's session (cookie + CSRF header). A new admin action without cases fails the
// completeness test. The four exploits of the issue are spelled out first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROLE, CUSTOMIZE, FN, TABLE } from '../../src/psa/catalog/index.js';
import { ADMIN_ENDPOINTS } from '../../src/psa/http/admin-api.js';
import { PRIVILEGE_RULES, type PrivilegeRule } from '../../src/psa/service/admin-privileges.js';
import { memberWithPassword, signIn } from '../e2e/psa-support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { admin, type CallResult, memberWithKey, ok, rest } from './support.js';

const ALL = { add: 'All', edit: 'All', delete: 'All', inquire: 'All' } as const;
const PASSWORD = 'Correct-Horse-Battery-9';

/** The caller of the generated cases: runs Security Roles and Member Maintenance, little else. */
const OPERATOR = {
  levels: {
    [FN.securityRoles]: ALL,
    [FN.memberMaintenance]: ALL,
    [FN.serviceTickets]: { add: 'All', edit: 'My', inquire: 'My' },
    [FN.tableSetup]: { add: 'All', inquire: 'All' },
  },
  allowLists: { [CUSTOMIZE.systemTableSetup]: [TABLE.priority] },
};

type Cred = 'API key' | 'session';
const CREDS: Cred[] = ['API key', 'session'];

interface World {
  psa: TestPsa;
  roles: Record<string, number>;
  members: Record<string, number>;
  keys: Record<string, number>;
  /** The caller of the current case. */
  self: number;
  cred: Cred;
}

interface Request {
  /** Concrete path below the admin prefix. */
  path: string;
  body?: unknown;
}

interface Variant {
  name: string;
  request: (w: World) => Request;
  /** Text the 403's message must contain (what is refused). */
  names: string;
}

const endpointKey = (e: { method: string; path: string }) => `${e.method} ${e.path}`;

/** Requests that break one rule each, per admin action and rule. */
const BREAKS: Record<string, Partial<Record<PrivilegeRule, Variant[]>>> = {
  'POST /roles': {
    grantWithinCaller: [
      {
        name: 'the Admin flag',
        request: () => ({ path: '/roles', body: { name: 'Evil admin', adminFlag: true } }),
        names: 'Admin flag',
      },
      {
        name: 'a level the caller lacks',
        request: () => ({
          path: '/roles',
          body: { name: 'Evil delete', levels: { [FN.serviceTickets]: { delete: 'All' } } },
        }),
        names: 'Service Desk → Service Tickets (Delete) All, yours None',
      },
      {
        name: 'All where the caller has My',
        request: () => ({
          path: '/roles',
          body: { name: 'Evil inquire', levels: { [FN.serviceTickets]: { inquire: 'All' } } },
        }),
        names: 'Service Desk → Service Tickets (Inquire) All, yours My',
      },
      {
        name: 'a Table Setup table outside the allow-list',
        request: () => ({
          path: '/roles',
          body: { name: 'Evil tables', allowLists: { [CUSTOMIZE.systemTableSetup]: [TABLE.sla] } },
        }),
        names: "'Service / SLA'",
      },
      {
        name: 'an inactive role with too much',
        request: () => ({
          path: '/roles',
          body: { name: 'Evil sleeper', inactiveFlag: true, levels: { [FN.agreements]: ALL } },
        }),
        names: 'Finance → Agreements',
      },
    ],
  },
  'PUT /roles/:id': {
    roleWithinCaller: [
      {
        name: 'renaming the Admin role',
        request: (w) => ({ path: `/roles/${w.roles.Admin}`, body: { name: 'Admin' } }),
        names: "'Admin'",
      },
      {
        name: 'lowering a higher role',
        request: (w) => ({
          path: `/roles/${w.roles.Higher}`,
          body: { levels: { [FN.serviceTickets]: { delete: 'None' } } },
        }),
        names: "'Higher'",
      },
    ],
    grantWithinCaller: [
      {
        name: 'raising a lower role',
        request: (w) => ({
          path: `/roles/${w.roles.Lower}`,
          body: { levels: { [FN.serviceTickets]: { delete: 'All' } } },
        }),
        names: 'Service Desk → Service Tickets (Delete)',
      },
      {
        name: 'making a lower role an admin role',
        request: (w) => ({ path: `/roles/${w.roles.Lower}`, body: { adminFlag: true } }),
        names: 'Admin flag',
      },
      {
        name: "widening a lower role's allow-list",
        request: (w) => ({
          path: `/roles/${w.roles.Lower}`,
          body: { allowLists: { [CUSTOMIZE.systemTableSetup]: [TABLE.priority, TABLE.source] } },
        }),
        names: "'Service / Source'",
      },
    ],
    notOwnRole: [
      {
        name: 'lowering the role the caller holds',
        request: (w) => ({
          path: `/roles/${w.roles.Operator}`,
          body: { levels: { [FN.tableSetup]: { add: 'None' } } },
        }),
        names: "'Operator'",
      },
    ],
  },
  'DELETE /roles/:id': {
    roleWithinCaller: [
      {
        name: 'an unassigned higher role',
        request: (w) => ({ path: `/roles/${w.roles.HigherSpare}` }),
        names: "'HigherSpare'",
      },
    ],
    notOwnRole: [
      {
        name: 'the role the caller holds',
        request: (w) => ({ path: `/roles/${w.roles.Operator}` }),
        names: "'Operator'",
      },
    ],
  },
  'POST /members': {
    assignWithinCaller: [
      {
        name: 'an API member with the Admin role',
        request: () => ({
          path: '/members',
          body: { kind: 'api', identifier: 'evil-api', name: 'Evil', role: 'Admin' },
        }),
        names: "'Admin'",
      },
      {
        name: 'a member with a higher role, by id',
        request: (w) => ({
          path: '/members',
          body: { kind: 'member', identifier: 'evil-m', role: w.roles.Higher },
        }),
        names: "'Higher'",
      },
    ],
    passwordOwnOrAdmin: [
      {
        name: "a new member's password",
        request: () => ({
          path: '/members',
          body: { kind: 'member', identifier: 'pw-m', role: 'Lower', password: PASSWORD },
        }),
        names: 'password',
      },
    ],
  },
  'PATCH /members/:id': {
    memberWithinCaller: [
      {
        name: 'renaming the admin member',
        request: (w) => ({ path: `/members/${w.members.admin}`, body: { firstName: 'Mallory' } }),
        names: "'admin'",
      },
      {
        name: 'deactivating the admin member',
        request: (w) => ({ path: `/members/${w.members.admin}`, body: { inactiveFlag: true } }),
        names: "'admin'",
      },
      {
        name: 'a member with a higher non-admin role',
        request: (w) => ({ path: `/members/${w.members['higher-m']}`, body: { notes: 'x' } }),
        names: "'Higher'",
      },
    ],
    assignWithinCaller: [
      {
        name: 'the Admin role to a lower member',
        request: (w) => ({ path: `/members/${w.members['lower-api']}`, body: { role: 'Admin' } }),
        names: "'Admin'",
      },
      {
        name: 'a higher role to a lower member',
        request: (w) => ({ path: `/members/${w.members['lower-user']}`, body: { role: 'Higher' } }),
        names: "'Higher'",
      },
    ],
    passwordOwnOrAdmin: [
      {
        name: "a lower member's password",
        request: (w) => ({ path: `/members/${w.members['lower-user']}`, body: { password: PASSWORD } }),
        names: 'password',
      },
    ],
    notSelfLockout: [
      {
        name: 'deactivating oneself',
        request: (w) => ({ path: `/members/${w.self}`, body: { inactiveFlag: true } }),
        names: 'yourself',
      },
      {
        name: 'changing one’s own role (even to a lower one)',
        request: (w) => ({ path: `/members/${w.self}`, body: { role: 'Lower' } }),
        names: 'your own security role',
      },
    ],
  },
  'POST /members/:id/keys': {
    keysOwnOrAdmin: [
      {
        name: 'a key for the admin member',
        request: (w) => ({ path: `/members/${w.members.admin}/keys`, body: { description: 'evil' } }),
        names: 'API keys of another member',
      },
      {
        name: 'a key for a lower member',
        request: (w) => ({ path: `/members/${w.members['lower-api']}/keys`, body: { description: 'evil' } }),
        names: 'API keys of another member',
      },
    ],
  },
  'DELETE /members/:id/keys/:keyId': {
    keysOwnOrAdmin: [
      {
        name: "revoking the admin member's key",
        request: (w) => ({ path: `/members/${w.members.admin}/keys/${w.keys.admin}` }),
        names: 'API keys of another member',
      },
      {
        name: "revoking a lower member's key",
        request: (w) => ({ path: `/members/${w.members['lower-api']}/keys/${w.keys['lower-api']}` }),
        names: 'API keys of another member',
      },
    ],
  },
};

/** One request within the caller's rights per changing action: the rules must not block it. */
const WITHIN: Record<string, (w: World) => Request> = {
  'POST /roles': (w) => ({
    path: '/roles',
    body: {
      name: `Made by ${w.cred}`,
      levels: { [FN.serviceTickets]: { inquire: 'My', add: 'All' }, [FN.tableSetup]: { inquire: 'All' } },
      allowLists: { [CUSTOMIZE.systemTableSetup]: [TABLE.priority] },
    },
  }),
  'PUT /roles/:id': (w) => ({
    path: `/roles/${w.roles.Lower2}`,
    body: { levels: { [FN.serviceTickets]: { edit: 'My' } } },
  }),
  'DELETE /roles/:id': (w) => ({ path: `/roles/${w.roles[`Deletable ${w.cred}`]}` }),
  'POST /members': (w) => ({
    path: '/members',
    body: {
      kind: 'api',
      identifier: `made-${w.cred === 'API key' ? 'k' : 's'}`,
      name: 'Made',
      role: 'Lower',
    },
  }),
  'PATCH /members/:id': (w) => ({
    path: `/members/${w.members['lower-user']}`,
    body: { notes: `renamed by ${w.cred}`, role: 'Lower2' },
  }),
  'POST /members/:id/keys': (w) => ({ path: `/members/${w.self}/keys`, body: { description: 'own key' } }),
  'DELETE /members/:id/keys/:keyId': (w) => ({
    path: `/members/${w.self}/keys/${w.keys[`spare ${w.cred}`]}`,
  }),
};

describe('the privilege cases cover every admin action', () => {
  it('every changing admin action names its rules, and every rule of every action has cases', () => {
    for (const e of ADMIN_ENDPOINTS) {
      const key = endpointKey(e);
      if (e.method !== 'GET') {
        expect(e.privileges.length, `${key} declares no privilege rule`).toBeGreaterThan(0);
        expect(WITHIN[key], `${key} has no within-rights request`).toBeDefined();
      }
      for (const rule of e.privileges) {
        expect(PRIVILEGE_RULES[rule], `${key}: unknown rule ${rule}`).toBeDefined();
        expect(BREAKS[key]?.[rule]?.length ?? 0, `${key}: no case breaks ${rule}`).toBeGreaterThan(0);
      }
    }
    // No stale cases: everything above names a row and a rule of the table.
    for (const [key, rules] of Object.entries(BREAKS)) {
      const e = ADMIN_ENDPOINTS.find((x) => endpointKey(x) === key);
      expect(e, `${key} is not an admin action`).toBeDefined();
      for (const rule of Object.keys(rules)) expect(e!.privileges).toContain(rule);
    }
  });
});

describe.each(databaseKinds)('privilege rules of the admin API on %s', (db) => {
  let psa: TestPsa;
  const roles: Record<string, number> = {};
  const members: Record<string, number> = {};
  const keys: Record<string, number> = {};
  let opKey: TestKey;
  let adminKey: TestKey;
  let mmOnly: TestKey;
  let session: { cookie: string; csrf: string };

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'warn' });
    const svc = psa.running.psa.services.admin;
    const role = async (name: string, body: Record<string, unknown>) => {
      roles[name] = (await svc.createRole({ name, ...body }, 'test')).id;
    };
    roles.Admin = (await svc.getRole('Admin')).id;
    await role('Operator', OPERATOR);
    await role('Lower', {
      levels: { [FN.serviceTickets]: { inquire: 'My' }, [FN.tableSetup]: { inquire: 'All' } },
      allowLists: { [CUSTOMIZE.systemTableSetup]: [TABLE.priority] },
    });
    await role('Lower2', { levels: { [FN.memberMaintenance]: { inquire: 'All' } } });
    await role('Higher', {
      levels: {
        ...OPERATOR.levels,
        [FN.serviceTickets]: { add: 'All', edit: 'My', inquire: 'My', delete: 'All' },
      },
      allowLists: OPERATOR.allowLists,
    });
    await role('HigherSpare', { levels: { [FN.serviceTickets]: { delete: 'All' } } });
    await role('Deletable API key', { levels: { [FN.serviceTickets]: { inquire: 'My' } } });
    await role('Deletable session', { levels: { [FN.serviceTickets]: { inquire: 'My' } } });
    await role('MM only', { levels: { [FN.memberMaintenance]: ALL } });

    opKey = await memberWithKey(psa, 'op-api', roles.Operator!);
    members['op-api'] = opKey.memberId;
    await memberWithPassword(psa, 'op-user', 'Operator', PASSWORD);
    members['op-user'] = (await svc.getMember('op-user')).id;
    session = await signIn(psa, 'op-user', PASSWORD);
    const lower = await memberWithKey(psa, 'lower-api', roles.Lower!);
    members['lower-api'] = lower.memberId;
    keys['lower-api'] = lower.keyId;
    members['lower-user'] = (
      await svc.createMember('member', { identifier: 'lower-user', role: 'Lower' }, 'test')
    ).id;
    members['higher-m'] = (
      await svc.createMember('member', { identifier: 'higher-m', role: 'Higher' }, 'test')
    ).id;
    adminKey = await psa.adminKey();
    members.admin = adminKey.memberId;
    keys.admin = adminKey.keyId;
    keys['spare API key'] = (await svc.createKey(members['op-api']!, { description: 'spare' }, 'test')).id;
    keys['spare session'] = (await svc.createKey(members['op-user']!, { description: 'spare' }, 'test')).id;
    mmOnly = await memberWithKey(psa, 'mm-only', roles['MM only']!);
  });
  afterAll(async () => psa?.close());

  function call(cred: Cred, method: string, r: Request): Promise<CallResult> {
    const body = r.body !== undefined ? { body: r.body } : {};
    if (cred === 'API key') return admin(psa, method, r.path, { auth: opKey, ...body });
    return admin(psa, method, r.path, {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      ...body,
    });
  }

  /** Roles, members and keys as the admin service sees them (without the keys' last use). */
  async function state(): Promise<string> {
    const svc = psa.running.psa.services.admin;
    const all = [...(await svc.listMembers('member')), ...(await svc.listMembers('api'))];
    const keyLists = await Promise.all(
      all.map(async (m) => (await svc.listKeys(m.id)).map(({ lastUsedAt: _, ...k }) => k)),
    );
    return JSON.stringify({ roles: await svc.listRoles(), members: all, keys: keyLists });
  }

  function expectRefused(r: CallResult, names: string): void {
    expect(r.status, r.text).toBe(403);
    const body = r.body as { code: string; message: string; errors: unknown };
    expect(Object.keys(body).sort()).toEqual(['code', 'errors', 'message']);
    expect(body.code).toBe('Forbidden');
    expect(body.message).toContain(names);
    expect(r.text).not.toContain('privateKey');
  }

  describe('the exploits of issue 13, with a key whose role has only Member Maintenance', () => {
    it('cannot mint a key for the admin member', async () => {
      const r = await admin(psa, 'POST', `/members/${members.admin}/keys`, {
        auth: mmOnly,
        body: { description: 'mine now' },
      });
      expectRefused(r, 'API keys of another member');
    });

    it('cannot make itself an admin', async () => {
      const r = await admin(psa, 'PATCH', `/members/${mmOnly.memberId}`, {
        auth: mmOnly,
        body: { role: 'Admin' },
      });
      expectRefused(r, 'Admin');
      expect((await psa.running.psa.services.admin.getMember(mmOnly.memberId)).roleName).toBe('MM only');
    });

    it('cannot create an API member with the Admin role', async () => {
      const r = await admin(psa, 'POST', '/members', {
        auth: mmOnly,
        body: { kind: 'api', identifier: 'backdoor', name: 'Backdoor', role: 'Admin' },
      });
      expectRefused(r, "'Admin'");
      expect(
        (await psa.running.psa.services.admin.listMembers('api')).map((m) => m.identifier),
      ).not.toContain('backdoor');
    });

    it("cannot set the admin member's password", async () => {
      const r = await admin(psa, 'PATCH', `/members/${members.admin}`, {
        auth: mmOnly,
        body: { password: PASSWORD },
      });
      expectRefused(r, 'admin');
      expect((await psa.running.psa.services.admin.getMember(members.admin!)).hasPassword).toBe(false);
    });
  });

  const world = (cred: Cred): World => ({
    psa,
    roles,
    members,
    keys,
    self: cred === 'API key' ? members['op-api']! : members['op-user']!,
    cred,
  });

  for (const e of ADMIN_ENDPOINTS) {
    const key = endpointKey(e);
    for (const rule of e.privileges) {
      for (const v of BREAKS[key]?.[rule] ?? []) {
        for (const cred of CREDS) {
          it(`${key} — ${rule}: ${v.name} (${cred}) → 403, nothing changed`, async () => {
            const before = await state();
            expectRefused(await call(cred, e.method, v.request(world(cred))), v.names);
            expect(await state()).toBe(before);
          });
        }
      }
    }
    const within = WITHIN[key];
    if (within) {
      for (const cred of CREDS) {
        it(`${key} — within the caller's rights (${cred}) → 2xx`, async () => {
          const r = await call(cred, e.method, within(world(cred)));
          expect(r.status, r.text).toBeGreaterThanOrEqual(200);
          expect(r.status, r.text).toBeLessThan(300);
        });
      }
    }
  }

  it("the article's steps still work for an Admin: role, API member, key, REST call", async () => {
    const role = await ok<{ id: number }>(
      admin(psa, 'POST', '/roles', {
        auth: adminKey,
        body: {
          name: 'Umbrella article',
          levels: ARTICLE_ROLE.levels,
          allowLists: ARTICLE_ROLE.allowed,
        },
      }),
    );
    const member = await ok<{ id: number }>(
      admin(psa, 'POST', '/members', {
        auth: adminKey,
        body: { kind: 'api', identifier: 'umbrella-art', name: 'Umbrella', role: role.id },
      }),
    );
    const key = await ok<{ publicKey: string; privateKey: string }>(
      admin(psa, 'POST', `/members/${member.id}/keys`, {
        auth: adminKey,
        body: { description: 'Umbrella PSA Integration' },
      }),
    );
    const auth = `Basic ${Buffer.from(`${psa.companyId}+${key.publicKey}:${key.privateKey}`).toString('base64')}`;
    expect((await rest(psa, 'GET', '/company/companies', { auth })).status).toBe(200);
    // An Admin also sets another member's password and revokes another member's key.
    expect(
      (
        await admin(psa, 'PATCH', `/members/${members['lower-user']}`, {
          auth: adminKey,
          body: { password: PASSWORD },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await admin(psa, 'DELETE', `/members/${members['lower-api']}/keys/${keys['lower-api']}`, {
          auth: adminKey,
        })
      ).status,
    ).toBe(200);
  });
});
