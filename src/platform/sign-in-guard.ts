// The rules both products' sign-in share (issue 13): a per-client attempt rate, and lock-out per
// (account, client) that treats every typed account name alike — existing or not — so the answers
// tell nobody which accounts exist, and a stranger's failures lock only the stranger out.
import { isIPv4, isIPv6 } from 'node:net';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from './clock.js';
import { cwDate } from './clock.js';
import { sha256Hex } from './crypto.js';
import type { Database } from './db-types.js';
import type { Logger } from './logger.js';

/** Failures of one (account, client) allowed before the first lock-out. */
export const FREE_ATTEMPTS = 5;
export const MAX_LOCK_MINUTES = 60;
/** A pair's failures are forgotten after this long without another one. */
export const FORGET_FAILURES_MS = 24 * 60 * 60 * 1000;
/** Attempts a minute per client address (bursts up to the same number) before 429. */
export const DEFAULT_ATTEMPTS_PER_MINUTE = 20;
/**
 * A refused attempt (rate, lock-out, busy) is answered after this pause: a client that retries at
 * once — as a flood does — then costs the server a timer instead of a request every millisecond.
 */
export const REFUSAL_PAUSE_MS = 500;

export const refusalPause = () => new Promise<void>((resolve) => setTimeout(resolve, REFUSAL_PAUSE_MS));

/** Buckets kept in memory; past that the least recently used is dropped. */
const MAX_BUCKETS = 10_000;

/** Minutes locked after `failures` consecutive failures: 1, 2, 4 … capped at an hour. */
export function lockMinutes(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_LOCK_MINUTES, 2 ** (failures - FREE_ATTEMPTS));
}

/**
 * The client an address stands for: IPv4 as is (also when mapped into IPv6), IPv6 by its /64 —
 * one subscriber's network, whose 2^64 addresses would otherwise be 2^64 clients.
 */
export function clientOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip.slice(0, 64);
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The stored key of a typed account name: nothing typed (a password in the wrong field) at rest. */
export function accountKey(account: string): string {
  return sha256Hex(account.trim().toLowerCase());
}

export type Refusal = { kind: 'rate-limited'; seconds: number } | { kind: 'locked'; seconds: number };

export interface Failure {
  failures: number;
  /** Minutes this failure locks the pair for (0: not locked). */
  lockedMinutes: number;
}

export class SignInGuard {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly product: 'psa' | 'console',
    private readonly attemptsPerMinute = DEFAULT_ATTEMPTS_PER_MINUTE,
    private readonly logger?: Logger,
  ) {}

  /**
   * Before any work: refuses a client over its rate, or an (account, client) pair that is locked.
   * Takes one of the client's attempts either way.
   */
  async admit(account: string, client: string): Promise<Refusal | undefined> {
    const wait = this.take(client);
    if (wait > 0) {
      await refusalPause();
      return { kind: 'rate-limited', seconds: wait };
    }
    const row = await this.db
      .selectFrom('sign_in_lock')
      .select('locked_until')
      .where('product', '=', this.product)
      .where('account_key', '=', accountKey(account))
      .where('client', '=', client)
      .executeTakeFirst();
    const now = this.clock.now().getTime();
    const until = row?.locked_until ? new Date(row.locked_until).getTime() : 0;
    if (until <= now) return undefined;
    await refusalPause();
    return { kind: 'locked', seconds: Math.ceil((until - now) / 1000) };
  }

  /** Counts a failed attempt of (account, client); locks the pair from the FREE_ATTEMPTS-th on. */
  async fail(account: string, client: string): Promise<Failure> {
    const now = this.clock.now();
    const at = cwDate(now);
    const forgetBefore = cwDate(new Date(now.getTime() - FORGET_FAILURES_MS));
    const key = accountKey(account);
    const row = await this.db
      .insertInto('sign_in_lock')
      .values({
        product: this.product,
        account_key: key,
        client,
        failed_attempts: 1,
        locked_until: null,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.columns(['product', 'account_key', 'client']).doUpdateSet({
          failed_attempts: sql<number>`case when sign_in_lock.updated_at < ${forgetBefore} then 1 else sign_in_lock.failed_attempts + 1 end`,
          updated_at: at,
        }),
      )
      .returning('failed_attempts')
      .executeTakeFirstOrThrow();
    const failures = Number(row.failed_attempts);
    const minutes = lockMinutes(failures);
    if (minutes > 0) {
      await this.db
        .updateTable('sign_in_lock')
        .set({ locked_until: cwDate(new Date(now.getTime() + minutes * 60_000)) })
        .where('product', '=', this.product)
        .where('account_key', '=', key)
        .where('client', '=', client)
        .execute();
      this.logger?.warn(
        { product: this.product, client, failures, lockedMinutes: minutes },
        'sign-in locked for a client after repeated failures',
      );
      // Locks are rare: a good moment to drop pairs whose failures are forgotten anyway.
      await this.db.deleteFrom('sign_in_lock').where('updated_at', '<', forgetBefore).execute();
    }
    return { failures, lockedMinutes: minutes };
  }

  /** A successful sign-in clears its pair's failures (other clients' stay). */
  async succeed(account: string, client: string): Promise<void> {
    await this.db
      .deleteFrom('sign_in_lock')
      .where('product', '=', this.product)
      .where('account_key', '=', accountKey(account))
      .where('client', '=', client)
      .execute();
  }

  /** Forgets every client's failures of an account (its password was just changed by an admin). */
  async forget(account: string): Promise<void> {
    await this.db
      .deleteFrom('sign_in_lock')
      .where('product', '=', this.product)
      .where('account_key', '=', accountKey(account))
      .execute();
  }

  /** Which of these accounts are locked out for at least one client right now. */
  async lockedAccounts(accounts: string[]): Promise<Set<string>> {
    if (accounts.length === 0) return new Set();
    const byKey = new Map(accounts.map((a) => [accountKey(a), a]));
    const rows = await this.db
      .selectFrom('sign_in_lock')
      .select('account_key')
      .where('product', '=', this.product)
      .where('account_key', 'in', [...byKey.keys()])
      .where('locked_until', '>', cwDate(this.clock.now()))
      .execute();
    return new Set(rows.map((r) => byKey.get(r.account_key)!));
  }

  /** Token bucket per client on the monotonic clock (a rate of work, not of business time). */
  private take(client: string): number {
    const now = performance.now();
    const perMs = this.attemptsPerMinute / 60_000;
    const b = this.buckets.get(client) ?? { tokens: this.attemptsPerMinute, at: now };
    b.tokens = Math.min(this.attemptsPerMinute, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.delete(client);
    this.buckets.set(client, b); // most recent last
    if (this.buckets.size > MAX_BUCKETS) {
      // The oldest entries come first; a bucket untouched that long is full again anyway.
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
  }
}
