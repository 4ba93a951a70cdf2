// Console sign-in (CON-1, X-6, issue 13): scrypt password hashes checked through the process's one
// hashing queue, server-side sessions (only the SHA-256 of the session token is stored), a CSRF
// token per session, and lock-out per (email, client address) with a growing back-off. An unknown
// email goes through exactly the same steps as a wrong password — rate, lock-out, one scrypt check,
// one failure counted — so neither the answer nor its timing tells whether an account exists.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import {
  hashPassword,
  needsRehash,
  PasswordCheckBusyError,
  verifyPassword,
} from '../../platform/passwords.js';
import {
  FREE_ATTEMPTS,
  MAX_LOCK_MINUTES,
  refusalPause,
  type SignInGuard,
} from '../../platform/sign-in-guard.js';
import type { ConsoleStore, Provider, User } from '../store/console-store.js';
import { ConsoleError } from './errors.js';

export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
export const SESSION_IDLE_MS = 60 * 60 * 1000;
export { FREE_ATTEMPTS, MAX_LOCK_MINUTES };

export interface SessionUser {
  user: User;
  provider: Provider;
  csrfToken: string;
  tokenDigest: string;
}

export class AuthService {
  constructor(
    private readonly store: ConsoleStore,
    private readonly clock: Clock,
    readonly guard: SignInGuard,
  ) {}

  private now(): Date {
    return this.clock.now();
  }

  /** Signs in from `client` (the caller's address, see clientOf). */
  async signIn(
    email: string,
    password: string,
    client: string,
  ): Promise<{ token: string; session: SessionUser }> {
    const refusal = await this.guard.admit(email, client);
    if (refusal?.kind === 'rate-limited')
      throw ConsoleError.keyed(
        'rate-limited',
        'signIn.rateLimited',
        { seconds: refusal.seconds },
        [],
        refusal.seconds,
      );
    if (refusal?.kind === 'locked')
      throw ConsoleError.keyed('locked', 'signIn.locked', { seconds: refusal.seconds }, [], refusal.seconds);
    const user = await this.store.findUserByEmail(email);
    let good: boolean;
    try {
      good = await verifyPassword(password, user?.passwordHash, { client });
    } catch (e) {
      if (!(e instanceof PasswordCheckBusyError)) throw e;
      await refusalPause();
      throw ConsoleError.keyed(
        'busy',
        'signIn.busy',
        { seconds: e.retryAfterSeconds },
        [],
        e.retryAfterSeconds,
      );
    }
    const now = this.now();
    const at = cwDate(now);
    if (!good || !user) {
      const failure = await this.guard.fail(email, client);
      if (user && failure.lockedMinutes > 0) {
        await this.store.audit({
          providerId: user.providerId,
          at,
          actor: user.email,
          action: 'user.locked',
          detail: `${failure.failures} failed sign-ins from ${client}; that address is locked out for ${failure.lockedMinutes} minute(s)`,
        });
      }
      throw ConsoleError.keyed('unauthorized', 'signIn.wrong');
    }
    await this.guard.succeed(email, client);
    // A hash made with the previous, more memory-hungry parameters is replaced now that the
    // password is known.
    if (needsRehash(user.passwordHash))
      await this.store.updateUser(user.providerId, user.id, {
        passwordHash: await hashPassword(password),
        at,
      });
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
    await this.store.audit({
      providerId: user.providerId,
      at,
      actor: user.email,
      action: 'user.signed-in',
      detail: `from ${client}`,
    });
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
