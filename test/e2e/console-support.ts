// Helpers of the console UI's browser tests: a provider with users whose passwords use cheap scrypt
// parameters (see psa-support.ts), a console session cookie in a browser context, sample DNS events
// posted to the NDJSON endpoint, and waiting for the delivery workers to empty the outbox.
import type { BrowserContext } from 'playwright-core';
import { delivery } from '../../src/console/delivery/index.js';
import { cwDate } from '../../src/platform/clock.js';
import { openSession } from '../console/support.js';
import type { TestPsa } from '../support/psa-server.js';
import { cheapPasswordHash } from './psa-support.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** 00:00 UTC of the day `back` days before today. */
export function utcMidnight(back: number, now = Date.now()): number {
  return Math.floor(now / DAY_MS) * DAY_MS - back * DAY_MS;
}

export const dayText = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A console provider with its users (role per email), each with the given password. */
export async function consoleProvider(
  psa: TestPsa,
  provider: { name: string; kind: 'MSP' | 'MSSP' },
  users: Array<{ email: string; name: string; role: 'admin' | 'read-only'; password: string }>,
): Promise<number> {
  const s = psa.running.console.services;
  const providerId = (await s.accounts.createProvider(provider, 'test')).id;
  for (const u of users) {
    await s.store.createUser({
      providerId,
      email: u.email,
      name: u.name,
      role: u.role,
      passwordHash: cheapPasswordHash(u.password),
      at: cwDate(s.clock.now()),
    });
  }
  return providerId;
}

/** A context that carries a console session of `email` (opened as sign-in opens one). */
export async function consoleSignedIn(psa: TestPsa, context: BrowserContext, email: string): Promise<void> {
  const session = await openSession(psa, email);
  const [name, value] = session.cookie.split('=') as [string, string];
  await context.addCookies([
    { name, value, url: psa.running.console.url, httpOnly: true, secure: true, sameSite: 'Strict' },
  ]);
}

export interface SampleEvent {
  ts: number;
  orgId: string;
  identity: string;
  domain: string;
  action: 'allowed' | 'blocked';
  categories: string[];
}

/** `n` blocked command-and-control requests of one machine, a minute apart from `start`. */
export function c2Calls(orgId: string, identity: string, start: number, n: number): SampleEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: start + i * 60_000,
    orgId,
    identity,
    domain: `beacon-${i % 3}.c2.example`,
    action: 'blocked' as const,
    categories: ['Command and Control'],
  }));
}

/** `n` allowed everyday requests of one machine, two minutes apart from `start`. */
export function everydayTraffic(orgId: string, identity: string, start: number, n: number): SampleEvent[] {
  const domains = ['mail.example.com', 'docs.example.com', 'cdn.example.net', 'intranet.example.org'];
  return Array.from({ length: n }, (_, i) => ({
    ts: start + i * 120_000,
    orgId,
    identity,
    domain: domains[i % domains.length]!,
    action: 'allowed' as const,
    categories: ['Business Services'],
  }));
}

/** Posts the events as a collector would: NDJSON with the provider's ingest token. */
export async function postEvents(psa: TestPsa, token: string, events: SampleEvent[]): Promise<unknown> {
  const body = `${events.map((e) => JSON.stringify({ ...e, identityType: 'roaming-computer' })).join('\n')}\n`;
  const res = await psa.fetch(`${psa.running.console.url}/api/v1/ingest/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** Waits until the provider's outbox holds nothing pending (the server's delivery workers ran it). */
export async function drained(psa: TestPsa, providerId: number, deadlineMs = 30_000): Promise<void> {
  const d = delivery(psa.running.console.services);
  const end = Date.now() + deadlineMs;
  for (;;) {
    const h = await d.activity.integration(providerId);
    if (h.pending === 0) return;
    if (Date.now() > end) throw new Error(`outbox not drained: ${JSON.stringify(h)}`);
    d.wake();
    await new Promise((r) => setTimeout(r, 100));
  }
}
