// Helpers of the PSA admin UI tests: members with passwords (hashed with cheap scrypt parameters, see
// below), sign-in over HTTP, and one headless Chromium (Debian's) shared by a test file's pages.
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { cwDate } from '../../src/platform/clock.js';
import type { PsaServices } from '../../src/psa/service/services.js';
import type { TestPsa } from '../support/psa-server.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve('test-results/screenshots');

/**
 * The stored format of src/platform/passwords.ts with N=2^10 instead of 2^17: verification runs the
 * real code path (it reads the parameters from the hash) in a millisecond instead of a second, so
 * the lock-out and browser tests stay fast. Production hashes always use the strong parameters.
 */
export function cheapPasswordHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function setPassword(services: PsaServices, identifier: string, password: string) {
  const member = await services.security.findMember(identifier);
  if (!member) throw new Error(`no member ${identifier}`);
  await services.security.updateMember(member.id, {
    passwordHash: cheapPasswordHash(password),
    at: cwDate(services.clock.now()),
  });
}

/** A member who signs in, with a role given by name (e.g. 'Read Only'). */
export async function memberWithPassword(psa: TestPsa, identifier: string, role: string, password: string) {
  const services = psa.running.psa.services;
  await services.admin.createMember('member', { identifier, firstName: identifier, role }, 'test');
  await setPassword(services, identifier, password);
}

export interface SignedIn {
  cookie: string;
  csrf: string;
  body: Record<string, unknown>;
}

export async function signIn(psa: TestPsa, identifier: string, password: string): Promise<SignedIn> {
  let res: Response;
  // Sign-ins from one address beyond its share of the hashing queue are told to come back (503 +
  // Retry-After): tests that sign in several times at once do what a client should.
  for (let attempt = 1; ; attempt++) {
    res = await psa.fetch(`${psa.origin}/admin/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier, password }),
    });
    if (res.status !== 503 || attempt === 10) break;
    await res.text();
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
  }
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as Record<string, unknown>;
  return { cookie: setCookie.split(';', 1)[0]!, csrf: String(body.csrfToken), body };
}

let browser: Promise<Browser> | undefined;

/** One browser per test file (process): pages and contexts are cheap, browsers are not. */
export function sharedBrowser(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  if (browser) await (await browser).close();
  browser = undefined;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}
