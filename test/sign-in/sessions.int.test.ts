// Issue 13, item 11, on both databases: a new password ends the user's other sessions (console:
// all but the session that changed it; PSA admin UI: the member's other sessions), and a console
// provider keeps an admin — its last admin can neither be made read-only nor removed, with an
// error that says why, while with two admins either may go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleSession, call, openSession } from '../console/support.js';
import { consoleProvider } from '../e2e/console-support.js';
import { memberWithPassword, setPassword, signIn } from '../e2e/psa-support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

const PASSWORD = 'the first passphrase';
const NEW_PASSWORD = 'a second, newer passphrase';
const ADMIN = 'admin@sessions.test';
const READER = 'reader@sessions.test';

describe.each(databaseKinds)('sessions and admins on %s', (db) => {
  let psa: TestPsa;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    psa = await startTestPsa({ db, demo: false, logLevel: 'warn' });
    const providerId = await consoleProvider(psa, { name: 'Sessions MSP', kind: 'MSSP' }, [
      { email: ADMIN, name: 'Admin', role: 'admin', password: PASSWORD },
      { email: READER, name: 'Reader', role: 'read-only', password: PASSWORD },
    ]);
    for (const u of await psa.running.console.services.store.listUsers(providerId)) ids[u.email] = u.id;
    await setPassword(psa.running.psa.services, 'admin', PASSWORD);
    await memberWithPassword(psa, 'viewer', 'Read Only', PASSWORD);
  });
  afterAll(async () => psa?.close());

  const alive = async (s: ConsoleSession) => (await call(psa, s, 'GET', '/api/v1/session')).status;

  it("console: a new password ends the user's other sessions, not the one that set it", async () => {
    const [own, otherOwn] = [await openSession(psa, ADMIN), await openSession(psa, ADMIN)];
    const readers = [await openSession(psa, READER), await openSession(psa, READER)];
    // The admin changes their own password: this session stays, their other one ends.
    const self = await call(psa, own, 'PATCH', `/api/v1/users/${ids[ADMIN]}`, {
      body: { password: NEW_PASSWORD },
    });
    expect(self.status, self.text).toBe(200);
    expect(await alive(own)).toBe(200);
    expect(await alive(otherOwn)).toBe(401);
    // The admin sets the reader's password: every session of the reader ends.
    const other = await call(psa, own, 'PATCH', `/api/v1/users/${ids[READER]}`, {
      body: { password: NEW_PASSWORD },
    });
    expect(other.status, other.text).toBe(200);
    for (const s of readers) expect(await alive(s)).toBe(401);
    // A name change ends nothing.
    const reader = await openSession(psa, READER);
    expect(
      (await call(psa, own, 'PATCH', `/api/v1/users/${ids[READER]}`, { body: { name: 'R' } })).status,
    ).toBe(200);
    expect(await alive(reader)).toBe(200);
    const audit = await call<Array<{ action: string; detail: string }>>(psa, own, 'GET', '/api/v1/audit');
    expect(audit.body.some((e) => e.detail.endsWith('1 other session(s) ended'))).toBe(true);
  });

  it('console: the last admin can neither be made read-only nor removed; with two admins either may go', async () => {
    const admin = await openSession(psa, ADMIN);
    const demote = await call<{ error: string; message: string }>(
      psa,
      admin,
      'PATCH',
      `/api/v1/users/${ids[ADMIN]}`,
      { body: { role: 'read-only' } },
    );
    expect(demote.status).toBe(409);
    expect(demote.body.error).toBe('conflict');
    expect(demote.body.message).toBe(
      `${ADMIN} is the last admin of this account and cannot be made read-only: make another user an admin first.`,
    );
    const remove = await call<{ message: string }>(psa, admin, 'DELETE', `/api/v1/users/${ids[ADMIN]}`);
    expect(remove.status).toBe(409);
    expect(remove.body.message).toContain('is the last admin of this account and cannot be removed');
    expect((await call<{ role: string }>(psa, admin, 'GET', `/api/v1/users/${ids[ADMIN]}`)).body.role).toBe(
      'admin',
    );

    // With a second admin, the first may step down; then the second is the last one.
    const promote = await call(psa, admin, 'PATCH', `/api/v1/users/${ids[READER]}`, {
      body: { role: 'admin' },
    });
    expect(promote.status).toBe(200);
    expect(
      (await call(psa, admin, 'PATCH', `/api/v1/users/${ids[ADMIN]}`, { body: { role: 'read-only' } }))
        .status,
    ).toBe(200);
    const second = await openSession(psa, READER);
    expect((await call(psa, second, 'DELETE', `/api/v1/users/${ids[READER]}`)).status).toBe(409);
    expect((await call(psa, second, 'DELETE', `/api/v1/users/${ids[ADMIN]}`)).status).toBe(204);
    const users = await call<Array<{ email: string; role: string }>>(psa, second, 'GET', '/api/v1/users');
    expect(users.body.map((u) => [u.email, u.role])).toEqual([[READER, 'admin']]);
  });

  it("PSA admin UI: a new password ends the member's other sessions", async () => {
    const admin = await signIn(psa, 'admin', PASSWORD);
    const viewer = [await signIn(psa, 'viewer', PASSWORD), await signIn(psa, 'viewer', PASSWORD)];
    const me = async (s: { cookie: string }) =>
      (await psa.fetch(`${psa.origin}/admin/api/v1/me`, { headers: { cookie: s.cookie } })).status;
    for (const s of viewer) expect(await me(s)).toBe(200);
    const viewerId = (await psa.running.psa.services.security.findMember('viewer'))!.id;
    const res = await psa.fetch(`${psa.origin}/admin/api/v1/members/${viewerId}`, {
      method: 'PATCH',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ password: NEW_PASSWORD }),
    });
    expect(res.status, await res.text()).toBe(200);
    for (const s of viewer) expect(await me(s)).toBe(401);
    expect(await me(admin)).toBe(200);
    // The admin changes their own password: their other session ends, the one that changed it stays.
    const adminElsewhere = await signIn(psa, 'admin', PASSWORD);
    const adminId = (await psa.running.psa.services.security.findMember('admin'))!.id;
    const own = await psa.fetch(`${psa.origin}/admin/api/v1/members/${adminId}`, {
      method: 'PATCH',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ password: NEW_PASSWORD }),
    });
    expect(own.status, await own.text()).toBe(200);
    expect(await me(adminElsewhere)).toBe(401);
    expect(await me(admin)).toBe(200);
  });
});
