// Console sign-in (CON-1, X-6) over HTTPS on every database: lock-out after five wrong passwords with
// growing back-off and Retry-After, one answer for unknown emails and wrong passwords, a hardened
// session cookie, sign-out that ends the session server-side, scrypt password hashes, and sessions
// that end after the idle limit (and the absolute limit) on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_ATTEMPTS, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../src/console/service/auth.js';
import { ManualClock } from '../../src/platform/clock.js';
import { accountKey } from '../../src/platform/sign-in-guard.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { type ConsoleSession, call, openSession, signIn } from './support.js';

const PASSWORD = 'correct horse battery staple';
const LOCKED = 'locked@auth.test';
const ADMIN = 'admin@auth.test';
const WRONG_MESSAGE = 'The email or password is incorrect.';

describe.each(databaseKinds)('console sign-in on %s', (db) => {
  let psa: TestPsa;
  const clock = new ManualClock('2026-03-02T09:00:00Z');

  const attempt = (email: string, password: string) =>
    call<{ error: string; message: string; csrfToken?: string }>(psa, undefined, 'POST', '/api/v1/session', {
      body: { email, password },
    });

  beforeAll(async () => {
    psa = await startTestPsa({ db, clock, demo: false });
    const { accounts } = psa.running.console.services;
    const provider = await accounts.createProvider({ name: 'Auth MSP', kind: 'MSSP' }, 'test');
    for (const email of [LOCKED, ADMIN])
      await accounts.createUser(
        provider.id,
        { email, name: email, role: 'admin', password: PASSWORD },
        'test',
      );
  });
  afterAll(async () => psa?.close());

  it('locks the account after five wrong passwords, refuses even the right one with 429 + Retry-After, then backs off 1, 2 … minutes', async () => {
    for (let i = 1; i <= FREE_ATTEMPTS; i++) {
      const r = await attempt(LOCKED, `wrong password ${i}`);
      expect(r.status, `attempt ${i}`).toBe(401);
      expect(r.body).toEqual({
        error: 'unauthorized',
        message: WRONG_MESSAGE,
        key: 'signIn.wrong',
        params: {},
      });
    }
    const locked = await attempt(LOCKED, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('locked');
    expect(locked.headers.get('set-cookie')).toBeNull();
    expect(Number(locked.headers.get('retry-after'))).toBe(60);
    // A wrong password while locked gets the same answer (and does not lengthen the lock).
    const lockedWrong = await attempt(LOCKED, 'wrong while locked');
    expect(lockedWrong.status).toBe(429);
    expect(lockedWrong.body).toEqual(locked.body);
    // Still locked 30 s later, with the remaining time.
    clock.advance(30_000);
    const later = await attempt(LOCKED, PASSWORD);
    expect(later.status).toBe(429);
    expect(Number(later.headers.get('retry-after'))).toBe(30);

    // After the minute, one more wrong password locks for two minutes.
    clock.advance(31_000);
    expect((await attempt(LOCKED, 'still wrong')).status).toBe(401);
    const again = await attempt(LOCKED, PASSWORD);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBe(120);

    // Once that has passed, the right password works and resets the count.
    clock.advance(121_000);
    const ok = await signIn(psa, LOCKED, PASSWORD);
    // The pair's failures are gone: five more wrong passwords are needed to lock it again.
    const rows = await psa.running.storage.db
      .selectFrom('sign_in_lock')
      .selectAll()
      .where('product', '=', 'console')
      .where('account_key', '=', accountKey(LOCKED))
      .execute();
    expect(rows).toEqual([]);

    const audit = await call<Array<{ action: string; actor: string; detail: string }>>(
      psa,
      ok,
      'GET',
      '/api/v1/audit',
    );
    expect(audit.status).toBe(200);
    const lockEntries = audit.body.filter((e) => e.action === 'user.locked');
    expect(lockEntries.map((e) => [e.actor, e.detail])).toEqual([
      [LOCKED, '6 failed sign-ins from 127.0.0.1; that address is locked out for 2 minute(s)'],
      [LOCKED, '5 failed sign-ins from 127.0.0.1; that address is locked out for 1 minute(s)'],
    ]);
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const unknown = await attempt('nobody@auth.test', PASSWORD);
    const wrong = await attempt(ADMIN, 'not the password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.body).toEqual({
      error: 'unauthorized',
      message: WRONG_MESSAGE,
      key: 'signIn.wrong',
      params: {},
    });
    expect(unknown.text).not.toContain('nobody');
  });

  it('sets the session cookie HttpOnly, SameSite=Strict and Secure; sign-out ends the session on the server', async () => {
    const s = await signIn(psa, ADMIN, PASSWORD);
    const attributes = s.setCookie
      .split(';')
      .slice(1)
      .map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('secure');
    expect(attributes).toContain('path=/');
    expect(s.cookie).toMatch(/^parasol_session=[A-Za-z0-9_-]{40,}$/);
    // The token itself is never stored: only its digest.
    const token = s.cookie.slice('parasol_session='.length);
    const rows = await psa.running.storage.db.selectFrom('con_session').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(token);

    expect((await call(psa, s, 'GET', '/api/v1/session')).status).toBe(200);
    // Without the CSRF token even sign-out is refused.
    expect((await call(psa, s, 'DELETE', '/api/v1/session', { csrf: null })).status).toBe(403);
    const out = await call(psa, s, 'DELETE', '/api/v1/session');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^parasol_session=;/);
    // The old cookie, replayed, no longer works for reads or changes.
    expect((await call(psa, s, 'GET', '/api/v1/session')).status).toBe(401);
    expect((await call(psa, s, 'GET', '/api/v1/customers')).status).toBe(401);
    expect((await call(psa, s, 'POST', '/api/v1/customers', { body: { name: 'X' } })).status).toBe(401);
  });

  it('stores scrypt password hashes that never contain the password', async () => {
    const rows = await psa.running.storage.db
      .selectFrom('con_user')
      .select(['email', 'password_hash'])
      .execute();
    expect(rows.map((r) => r.email).sort()).toEqual([ADMIN, LOCKED]);
    for (const r of rows) {
      expect(r.password_hash.startsWith('scrypt$')).toBe(true);
      expect(r.password_hash).not.toContain(PASSWORD);
      expect(r.password_hash).not.toContain(Buffer.from(PASSWORD).toString('base64'));
      expect(r.password_hash).not.toContain(Buffer.from(PASSWORD).toString('hex'));
    }
    // Two users with the same password get different hashes (salted).
    expect(rows[0]!.password_hash).not.toBe(rows[1]!.password_hash);
  });

  it('ends a session after the idle limit; activity keeps it alive up to the absolute limit', async () => {
    // Opened as sign-in opens them, without two more scrypt checks (sign-in is tested above).
    const idle: ConsoleSession = await openSession(psa, ADMIN);
    const active: ConsoleSession = await openSession(psa, ADMIN);
    const step = SESSION_IDLE_MS - 5 * 60_000;
    clock.advance(step);
    expect((await call(psa, idle, 'GET', '/api/v1/session')).status).toBe(200);
    expect((await call(psa, active, 'GET', '/api/v1/session')).status).toBe(200);
    // `idle` now rests longer than the idle limit; `active` keeps being used.
    clock.advance(step);
    expect((await call(psa, active, 'GET', '/api/v1/session')).status).toBe(200);
    clock.advance(SESSION_IDLE_MS - step + 1000);
    expect((await call(psa, idle, 'GET', '/api/v1/session')).status).toBe(401);
    expect((await call(psa, idle, 'POST', '/api/v1/customers', { body: { name: 'X' } })).status).toBe(401);
    // `active` has been idle less than the limit since its last use.
    expect((await call(psa, active, 'GET', '/api/v1/session')).status).toBe(200);

    // Used every `step`, it still ends at the absolute limit after sign-in.
    let elapsed = 2 * step + (SESSION_IDLE_MS - step + 1000);
    while (elapsed + step < SESSION_ABSOLUTE_MS) {
      clock.advance(step);
      elapsed += step;
      expect((await call(psa, active, 'GET', '/api/v1/session')).status).toBe(200);
    }
    clock.advance(SESSION_ABSOLUTE_MS - elapsed);
    expect((await call(psa, active, 'GET', '/api/v1/session')).status).toBe(401);
  });
});
