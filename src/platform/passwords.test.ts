// The hashing queue (issue 13): one hash at a time, a bounded wait list whose overflow is refused
// with a Retry-After, a share per client, admin work that waits instead of being refused; and the
// hashes themselves: a stand-in check for absent accounts that never matches, the previous
// default's hashes still verify and are marked for re-hashing.
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_PASSWORD_LENGTH,
  generatePassword,
  HashQueue,
  hashPassword,
  needsRehash,
  PasswordCheckBusyError,
  passwordProblem,
  verifyPassword,
} from './passwords.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe('HashQueue', () => {
  it('runs one task at a time, refuses past the wait list and past a client share, never refuses admin work', async () => {
    const q = new HashQueue(1, 2, 2);
    let running = 0;
    let most = 0;
    const gates = Array.from({ length: 6 }, gate);
    const task = (i: number) => async () => {
      running++;
      most = Math.max(most, running);
      await gates[i]!.opened;
      running--;
      return i;
    };
    const a = q.run(task(0), { refusable: true, client: 'a' });
    const b = q.run(task(1), { refusable: true, client: 'b' });
    const c = q.run(task(2), { refusable: true, client: 'c' });
    expect(q.depth).toEqual({ running: 1, waiting: 2 });
    // The wait list is full: a sign-in check is refused at once, with a Retry-After …
    const refused = await q.run(task(3), { refusable: true, client: 'd' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PasswordCheckBusyError);
    expect((refused as PasswordCheckBusyError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // … while setting a password waits its turn.
    const admin = q.run(task(4), { refusable: false });
    expect(q.depth).toEqual({ running: 1, waiting: 3 });
    for (const g of gates) g.open();
    expect(await Promise.all([a, b, c, admin])).toEqual([0, 1, 2, 4]);
    expect(most).toBe(1);
    expect(q.depth).toEqual({ running: 0, waiting: 0 });
  });

  it('gives one client at most its share of the queue', async () => {
    const q = new HashQueue(1, 8, 2);
    const g = gate();
    const held = [0, 1].map(() => q.run(() => g.opened, { refusable: true, client: 'greedy' }));
    await expect(q.run(async () => 0, { refusable: true, client: 'greedy' })).rejects.toBeInstanceOf(
      PasswordCheckBusyError,
    );
    // Another client still gets in.
    const other = q.run(async () => 'other', { refusable: true, client: 'other' });
    g.open();
    await Promise.all(held);
    expect(await other).toBe('other');
    // The share is given back: the greedy client may try again.
    expect(await q.run(async () => 'again', { refusable: true, client: 'greedy' })).toBe('again');
  });

  it('refuses a check that would wait too long, or has waited too long', async () => {
    const q = new HashQueue(1, 8, 2, 1000);
    const g = gate();
    const held = q.run(() => g.opened, { refusable: true, client: 'a' });
    // ~300 ms expected (the initial estimate of one hash): it may wait, but gives up after 1 s.
    const t0 = performance.now();
    await expect(q.run(async () => 'late', { refusable: true, client: 'b' })).rejects.toBeInstanceOf(
      PasswordCheckBusyError,
    );
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(q.depth).toEqual({ running: 1, waiting: 0 });
    g.open();
    await held;
    // Allowed 100 ms of waiting, a check expected to wait ~300 ms is refused at once.
    const slow = new HashQueue(1, 8, 2, 100);
    const g2 = gate();
    const held2 = slow.run(() => g2.opened, { refusable: false });
    await expect(slow.run(async () => 0, { refusable: true })).rejects.toBeInstanceOf(PasswordCheckBusyError);
    g2.open();
    await held2;
  });

  it('passes a failed task on without losing the slot', async () => {
    const q = new HashQueue(1, 2, 2);
    await expect(q.run(() => Promise.reject(new Error('boom')), { refusable: false })).rejects.toThrow(
      'boom',
    );
    expect(await q.run(async () => 1, { refusable: true })).toBe(1);
    expect(q.depth).toEqual({ running: 0, waiting: 0 });
  });
});

describe('password hashes', () => {
  it('verifies the right password only; an absent account costs a check and never matches', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(/^scrypt\$65536\$8\$2\$/);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await verifyPassword('correct horse battery', undefined)).toBe(false);
    expect(await verifyPassword('anything', 'not a hash')).toBe(false);
    expect(needsRehash(h)).toBe(false);
  }, 30_000);

  it("still verifies the previous default's hashes (N=2^17, p=1) and marks them for re-hashing", async () => {
    const salt = randomBytes(16);
    const key = scryptSync('old password here', salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 2 ** 20 });
    const old = `scrypt$131072$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('old password here', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    // Cheaper hashes (the tests' N=2^10) are not re-hashed.
    expect(needsRehash(old.replace('$131072$', '$1024$'))).toBe(false);
  }, 30_000);
});

describe('generatePassword', () => {
  it('makes letters and digits only, long enough for the rules, different every time', () => {
    const made = Array.from({ length: 200 }, generatePassword);
    for (const p of made) {
      expect(p).toMatch(new RegExp(`^[A-Za-z0-9]{${GENERATED_PASSWORD_LENGTH}}$`));
      expect(passwordProblem(p)).toBeUndefined();
    }
    expect(new Set(made).size).toBe(made.length);
    // Every character class shows up over 200 × 24 characters (a biased generator would miss one).
    const all = made.join('');
    for (const re of [/[A-Z]/, /[a-z]/, /[0-9]/]) expect(all).toMatch(re);
  });
});
