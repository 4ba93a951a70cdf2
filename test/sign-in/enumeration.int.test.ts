// Issue 13, item 10, on both products' sign-in and both databases: an account that exists and one
// that does not get the same status, body and Retry-After after each of 1 … 10 failures (both are
// locked out after the fifth); the lock-out is per (account, client address), so a stranger who
// fails ten times on the admin's account does not keep the admin out; and one address gets only so
// many attempts a minute, whatever the accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { FREE_ATTEMPTS } from '../../src/platform/sign-in-guard.js';
import { consoleProvider } from '../e2e/console-support.js';
import { setPassword } from '../e2e/psa-support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { attempt, closeAgents, type Product } from './support.js';

const PASSWORD = 'the right passphrase';
const PER_MINUTE = 12;
const ACCOUNTS: Record<Product, { known: string; unknown: string }> = {
  console: { known: 'admin@enum.test', unknown: 'nobody@enum.test' },
  psa: { known: 'admin', unknown: 'nobody' },
};
// Each series from its own address, so the rate per address stays out of the way.
const OWNER = '127.0.0.1';
const STRANGER_KNOWN = '127.0.0.3';
const STRANGER_UNKNOWN = '127.0.0.4';
const BUSY_CLIENT = '127.0.0.5';

describe.each(databaseKinds)('sign-in enumeration and lock-out on %s', (db) => {
  let psa: TestPsa;
  const clock = new ManualClock('2026-04-01T08:00:00Z');

  beforeAll(async () => {
    psa = await startTestPsa({
      db,
      demo: false,
      clock,
      logLevel: 'warn',
      signInAttemptsPerMinute: PER_MINUTE,
    });
    await consoleProvider(psa, { name: 'Enum MSP', kind: 'MSP' }, [
      { email: ACCOUNTS.console.known, name: 'Admin', role: 'admin', password: PASSWORD },
    ]);
    await setPassword(psa.running.psa.services, ACCOUNTS.psa.known, PASSWORD);
  });
  afterAll(async () => {
    await closeAgents();
    await psa?.close();
  });

  describe.each(['console', 'psa'] as const)('%s sign-in', (product) => {
    const { known, unknown } = ACCOUNTS[product];

    it('answers a known and an unknown account alike after each of 1 … 10 failures', async () => {
      const seen: number[] = [];
      for (let i = 1; i <= 10; i++) {
        const k = await attempt(psa, product, STRANGER_KNOWN, known, `wrong password ${i}`);
        const u = await attempt(psa, product, STRANGER_UNKNOWN, unknown, `wrong password ${i}`);
        expect(u, `attempt ${i}`).toEqual(k);
        seen.push(k.status);
      }
      // Five failures are free; from then on both pairs are locked (429 + Retry-After, same text).
      expect(seen).toEqual([...Array(FREE_ATTEMPTS).fill(401), ...Array(10 - FREE_ATTEMPTS).fill(429)]);
    });

    it("keeps the stranger's address locked out, even with the right password, but not the owner's", async () => {
      const stranger = await attempt(psa, product, STRANGER_KNOWN, known, PASSWORD);
      expect(stranger.status).toBe(429);
      expect(Number(stranger.retryAfter)).toBe(60);
      const owner = await attempt(psa, product, OWNER, known, PASSWORD);
      expect(owner.status, JSON.stringify(owner.body)).toBe(200);
    });

    it('lets one address make only so many attempts a minute, whatever the account', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < PER_MINUTE; i++)
        statuses.push((await attempt(psa, product, BUSY_CLIENT, known, `guess ${i}`)).status);
      // The address's own lock-out on the account comes first (after five), the rate after twelve.
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
      const limited = await attempt(psa, product, BUSY_CLIENT, `other-${product}`, 'guess');
      expect(limited.status).toBe(429);
      expect(String(limited.body.message)).toContain('from your address');
      expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
      // Another address is not affected.
      expect((await attempt(psa, product, OWNER, known, PASSWORD)).status).toBe(200);
    });
  });
});
