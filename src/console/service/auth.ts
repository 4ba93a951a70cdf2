// Console sign-in (CON-1, X-6): scrypt password hashes, server-side sessions (only the SHA-256 of
// the session token is stored), a CSRF token per session, and lock-out with growing back-off after
// repeated failures. Unknown emails cost the same as wrong passwords, so timing tells nothing.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import { hashPassword, verifyPassword } from '../../platform/passwords.js';
import type { ConsoleStore, Provider, User } from '../store/console-store.js';
import { ConsoleError } from './errors.js';

export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
export const SESSION_IDLE_MS = 60 * 60 * 1000;
export const FREE_ATTEMPTS = 5;
export const MAX_LOCK_MINUTES = 60;

export interface SessionUser {
  user: User;
  provider: Provider;
  csrfToken: string;
  tokenDigest: string;
}

export class AuthService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly store: ConsoleStore,
    private readonly clock: Clock,
  ) {}

  private now(): Date {
    return this.clock.now();
  }

  /** Minutes locked after `failures` consecutive failures: 1, 2, 4 … capped at an hour. */
  static lockMinutes(failures: number): number {
    if (failures < FREE_ATTEMPTS) return 0;
    return Math.min(MAX_LOCK_MINUTES, 2 ** (failures - FREE_ATTEMPTS));
  }

  async signIn(email: string, password: string): Promise<{ token: string; session: SessionUser }> {
    const now = this.now();
    const user = await this.store.findUserByEmail(email);
    if (!user) {
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await this.dummyHash);
      throw ConsoleError.keyed('unauthorized', 'signIn.wrong');
    }
    if (user.lockedUntil && new Date(user.lockedUntil) > now) {
      const seconds = Math.ceil((new Date(user.lockedUntil).getTime() - now.getTime()) / 1000);
      throw ConsoleError.keyed('locked', 'signIn.locked', { seconds }, [], seconds);
    }
    const good = await verifyPassword(password, user.passwordHash);
    const at = cwDate(now);
    if (!good) {
      const failures = user.failedAttempts + 1;
      const minutes = AuthService.lockMinutes(failures);
      await this.store.updateUser(user.providerId, user.id, {
        failedAttempts: failures,
        lockedUntil: minutes ? cwDate(new Date(now.getTime() + minutes * 60_000)) : null,
        at,
      });
      if (minutes) {
        await this.store.audit({
          providerId: user.providerId,
          at,
          actor: user.email,
          action: 'user.locked',
          detail: `${failures} failed sign-ins`,
        });
      }
      throw ConsoleError.keyed('unauthorized', 'signIn.wrong');
    }
    if (user.failedAttempts > 0 || user.lockedUntil) {
      await this.store.updateUser(user.providerId, user.id, { failedAttempts: 0, lockedUntil: null, at });
    }
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const tokenDigest = sha256Hex(token);
    await this.store.createSession({
      tokenDigest,
      userId: user.id,
      providerId: user.providerId,
      csrfToken,
      at,
      expiresAt: cwDate(new Date(now.getTime() + SESSION_ABSOLUTE_MS)),
    });
    await this.store.audit({ providerId: user.providerId, at, actor: user.email, action: 'user.signed-in' });
    const provider = (await this.store.getProvider(user.providerId))!;
    return { token, session: { user, provider, csrfToken, tokenDigest } };
  }

  /** The signed-in user of a session token, or undefined when absent, expired or idle too long. */
  async authenticate(token: string | undefined): Promise<SessionUser | undefined> {
    if (!token || token.length > 200) return undefined;
    const tokenDigest = sha256Hex(token);
    const s = await this.store.findSession(tokenDigest);
    if (!s) return undefined;
    const now = this.now();
    if (
      new Date(s.expires_at) <= now ||
      now.getTime() - new Date(s.last_seen_at).getTime() > SESSION_IDLE_MS
    ) {
      await this.store.deleteSession(tokenDigest);
      return undefined;
    }
    const user = await this.store.getUser(Number(s.provider_id), Number(s.user_id));
    const provider = user && (await this.store.getProvider(user.providerId));
    if (!user || !provider) return undefined;
    // Refresh the idle timer at most once a minute to keep reads cheap.
    if (now.getTime() - new Date(s.last_seen_at).getTime() > 60_000)
      await this.store.touchSession(tokenDigest, cwDate(now));
    return { user, provider, csrfToken: s.csrf_token, tokenDigest };
  }

  async signOut(tokenDigest: string): Promise<void> {
    await this.store.deleteSession(tokenDigest);
  }
}
