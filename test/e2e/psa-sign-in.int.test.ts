// PSA member sign-in over HTTP (PSA-9, X-6): every admin endpoint and the UI's REST calls need a
// session or a key; the cookie's attributes; only the token's digest stored; CSRF on changes;
// lock-out with back-off; a read-only member cannot change a role; sign-out ends the session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { ManualClock } from '../../src/platform/clock.js';
import { sha256Hex } from '../../src/platform/crypto.js';
import { ADMIN_ENDPOINTS, ADMIN_PREFIX } from '../../src/psa/http/admin-api.js';
import { DEMO_ROLE_NAME } from '../../src/psa/service/seed.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { memberWithPassword, setPassword, signIn } from './psa-support.js';

const ADMIN_PASSWORD = 'correct horse battery';

describe.each(databaseKinds)('PSA member sign-in (%s)', (db) => {
  let psa: TestPsa;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  // Every body is read at once: an unread body keeps its connection busy, and closing waits for it.
  const call = async (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
  ) => {
    const res = await psa.fetch(`${psa.origin}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: async () => JSON.parse(text) as unknown };
  };

  beforeAll(async () => {
    psa = await startTestPsa({ db, demo: true, clock, logLevel: 'warn' });
    await setPassword(psa.running.psa.services, 'admin', ADMIN_PASSWORD);
    await memberWithPassword(psa, 'viewer', 'Read Only', 'viewer password 1');
  });
  afterAll(async () => psa?.close());

  it('answers 401 on every admin endpoint and on the session without a sign-in', async () => {
    for (const e of ADMIN_ENDPOINTS) {
      const path = `${ADMIN_PREFIX}${e.path}`.replace(/:(\w+)/g, '1');
      const res = await call(path, {
        method: e.method,
        ...(e.method === 'GET' || e.method === 'DELETE' ? {} : { body: {} }),
      });
      expect(res.status, `${e.method} ${path}`).toBe(401);
    }
    expect((await call('/admin/api/v1/session')).status).toBe(401);
    expect((await call('/admin/api/v1/session', { method: 'DELETE' })).status).toBe(401);
    // A forged cookie is no session.
    const forged = await call(`${ADMIN_PREFIX}/roles`, { headers: { cookie: 'parasol_psa_session=forged' } });
    expect(forged.status).toBe(401);
  });

  it('signs in with a cookie that is HttpOnly, Secure and SameSite=Strict and stores only its digest', async () => {
    const res = await call('/admin/api/v1/session', {
      method: 'POST',
      body: { identifier: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^parasol_psa_session=[\w-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const token = setCookie.split(';', 1)[0]!.split('=')[1]!;
    const rows = await psa.running.storage.db.selectFrom('psa_session').selectAll().execute();
    expect(rows.some((r) => r.token_digest === sha256Hex(token))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(token);
    const body = (await res.json()) as {
      member: { identifier: string };
      permissions: Record<string, unknown>;
    };
    expect(body.member.identifier).toBe('admin');
    expect(body.permissions['System/SecurityRoles']).toEqual({
      add: 'All',
      edit: 'All',
      delete: 'All',
      inquire: 'All',
    });
  });

  it('requires the CSRF header on changes, and the session works on the REST API without keys', async () => {
    const s = await signIn(psa, 'admin', ADMIN_PASSWORD);
    const roles = await call(`${ADMIN_PREFIX}/roles`, { headers: { cookie: s.cookie } });
    expect(roles.status).toBe(200);
    const noCsrf = await call(`${ADMIN_PREFIX}/roles`, {
      method: 'POST',
      headers: { cookie: s.cookie },
      body: { name: 'No CSRF' },
    });
    expect(noCsrf.status).toBe(403);
    const wrongCsrf = await call(`${ADMIN_PREFIX}/roles`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': `${s.csrf}x` },
      body: { name: 'No CSRF' },
    });
    expect(wrongCsrf.status).toBe(403);
    const created = await call(`${ADMIN_PREFIX}/roles`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      body: { name: 'With CSRF' },
    });
    expect(created.status).toBe(201);

    const companies = await call('/v4_6_release/apis/3.0/company/companies', {
      headers: { cookie: s.cookie },
    });
    expect(companies.status).toBe(200);
    expect(((await companies.json()) as unknown[]).length).toBeGreaterThan(0);
    const note = await call('/v4_6_release/apis/3.0/service/tickets/123456/notes', {
      method: 'POST',
      headers: { cookie: s.cookie },
      body: { text: 'no csrf', detailDescriptionFlag: true },
    });
    expect(note.status).toBe(403);
  });

  it('lets a read-only member read roles but not change one', async () => {
    const s = await signIn(psa, 'viewer', 'viewer password 1');
    const roles = (await (
      await call(`${ADMIN_PREFIX}/roles`, { headers: { cookie: s.cookie } })
    ).json()) as Array<{
      id: number;
      name: string;
    }>;
    const umbrella = roles.find((r) => r.name === DEMO_ROLE_NAME)!;
    const res = await call(`${ADMIN_PREFIX}/roles/${umbrella.id}`, {
      method: 'PUT',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      body: { levels: { 'ServiceDesk/ServiceTickets': { delete: 'All' } } },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain('Security Roles');
    const after = (await psa.running.psa.services.admin.getRole(umbrella.id)).levels[
      'ServiceDesk/ServiceTickets'
    ];
    expect(after?.delete).toBe('None');
    const perms = s.body.permissions as Record<string, { edit: string }>;
    expect(perms['System/SecurityRoles']?.edit).toBe('None');
  });

  it('locks a member out after repeated failures, with a growing back-off', async () => {
    const wrong = () =>
      call('/admin/api/v1/session', {
        method: 'POST',
        body: { identifier: 'viewer', password: 'wrong password!' },
      });
    for (let i = 0; i < 4; i++) expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(401); // the fifth failure locks for a minute
    const locked = await call('/admin/api/v1/session', {
      method: 'POST',
      body: { identifier: 'viewer', password: 'viewer password 1' },
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBe(60);
    clock.advance(61_000);
    expect((await wrong()).status).toBe(401); // the sixth locks for two minutes
    clock.advance(61_000);
    expect(
      (
        await call('/admin/api/v1/session', {
          method: 'POST',
          body: { identifier: 'viewer', password: 'viewer password 1' },
        })
      ).status,
    ).toBe(429);
    clock.advance(60_000);
    await signIn(psa, 'viewer', 'viewer password 1');
  });

  it('ends the session on sign-out and after the idle time', async () => {
    const s = await signIn(psa, 'admin', ADMIN_PASSWORD);
    expect((await call(`${ADMIN_PREFIX}/me`, { headers: { cookie: s.cookie } })).status).toBe(200);
    const out = await call('/admin/api/v1/session', {
      method: 'DELETE',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(204);
    expect((await call(`${ADMIN_PREFIX}/me`, { headers: { cookie: s.cookie } })).status).toBe(401);
    const idle = await signIn(psa, 'admin', ADMIN_PASSWORD);
    clock.advance(61 * 60_000);
    expect((await call(`${ADMIN_PREFIX}/me`, { headers: { cookie: idle.cookie } })).status).toBe(401);
  });

  it('refuses a bad sign-in body with an error naming the field', async () => {
    const res = await call('/admin/api/v1/session', { method: 'POST', body: { identifier: 'admin' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe('password');
  });

  it('sets a password with `parasol psa member password` (scrypt), which then signs in', async () => {
    const out: string[] = [];
    const io = {
      out: (line: string) => out.push(line),
      err: (line: string) => out.push(line),
      env: {
        PARASOL_DATA_DIR: psa.dataDir,
        LOG_LEVEL: 'warn',
        ...(psa.databaseUrl ? { DATABASE_URL: psa.databaseUrl } : {}),
      },
      readStdin: async () => 'a brand new passphrase',
    };
    expect(await runCli(['psa', 'member', 'password', 'viewer'], io)).toBe(0);
    expect(out.join('\n')).toContain('password set for viewer');
    const stored = await psa.running.psa.services.security.findMember('viewer');
    expect(stored?.passwordHash).toMatch(/^scrypt\$65536\$8\$2\$/);
    await signIn(psa, 'viewer', 'a brand new passphrase');
    expect(
      await runCli(['psa', 'member', 'password', 'umbrella-none'], { ...io, readStdin: async () => 'x' }),
    ).not.toBe(0);
  });
});
