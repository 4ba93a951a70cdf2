// Sign-in of PSA members to the admin UI (PSA-9, X-6, issue 13): scrypt password hashes checked
// through the process's one hashing queue, server-side sessions (only the SHA-256 of the session
// token is stored), a CSRF token per session, and lock-out per (identifier, client address) with a
// growing back-off. Unknown identifiers, API members (who have no password) and inactive members go
// through the same steps as a wrong password — rate, lock-out, one scrypt check, one failure
// counted — and get the same answer.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import type { Database } from '../../platform/db-types.js';
import {
  hashPassword,
  needsRehash,
  PasswordCheckBusyError,
  verifyPassword,
} from '../../platform/passwords.js';
import {
  FREE_ATTEMPTS,
  lockMinutes,
  MAX_LOCK_MINUTES,
  refusalPause,
  type SignInGuard,
} from '../../platform/sign-in-guard.js';
import type { RoleSnapshot } from '../catalog/types.js';
import { PsaError } from '../model/errors.js';
import type { MemberRow, SecurityStore } from '../store/security.js';

export const PSA_SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
export const PSA_SESSION_IDLE_MS = 60 * 60 * 1000;
/** Failures of one (identifier, client) allowed before the first lock-out. */
export const PSA_FREE_ATTEMPTS = FREE_ATTEMPTS;
export const PSA_MAX_LOCK_MINUTES = MAX_LOCK_MINUTES;
export { lockMinutes };

export interface MemberSession {
  member: MemberRow;
  roleId: number;
  role: RoleSnapshot;
  csrfToken: string;
  tokenDigest: string;
}

const withRetryAfter = (e: PsaError, seconds: number) => Object.assign(e, { retryAfter: seconds });

export class MemberSessionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly security: SecurityStore,
    private readonly clock: Clock,
    readonly guard: SignInGuard,
  ) {}

  /** Signs in from `client` (the caller's address, see clientOf). */
  async signIn(
    identifier: string,
    password: string,
    client: string,
  ): Promise<{ token: string; session: MemberSession }> {
    const refusal = await this.guard.admit(identifier, client);
    if (refusal?.kind === 'rate-limited')
      throw withRetryAfter(
        PsaError.keyed('TooManyRequests', 'signIn.rateLimited', { seconds: refusal.seconds }),
        refusal.seconds,
      );
    if (refusal?.kind === 'locked')
      throw withRetryAfter(
        PsaError.keyed('TooManyRequests', 'signIn.locked', { seconds: refusal.seconds }),
        refusal.seconds,
      );
    const found =
      identifier.length > 0 && identifier.length <= 15 && password.length <= 128
        ? await this.security.findMember(identifier)
        : undefined;
    // Only an active member with a password can sign in; anyone else is checked like a stranger.
    const member =
      found?.kind === 'member' && found.passwordHash !== null && !found.inactiveFlag ? found : undefined;
    let good: boolean;
    try {
      good = await verifyPassword(password, member?.passwordHash ?? undefined, { client });
    } catch (e) {
      if (!(e instanceof PasswordCheckBusyError)) throw e;
      await refusalPause();
      throw withRetryAfter(
        PsaError.keyed('ServiceUnavailable', 'signIn.busy', { seconds: e.retryAfterSeconds }),
        e.retryAfterSeconds,
      );
    }
    const now = this.clock.now();
    const at = cwDate(now);
    if (!good || !member) {
      const failure = await this.guard.fail(identifier, client);
      if (found && failure.lockedMinutes > 0) {
        await this.security.addHistory({
          memberId: found.id,
          at,
          actor: found.identifier,
          action: 'member.locked',
          detail: `${failure.failures} failed sign-ins from ${client}; that address is locked out for ${failure.lockedMinutes} minute(s)`,
        });
      }
      throw PsaError.keyed('Unauthorized', 'signIn.wrong');
    }
    await this.guard.succeed(identifier, client);
    // A hash made with the previous, more memory-hungry parameters is replaced now that the
    // password is known.
    if (member.passwordHash && needsRehash(member.passwordHash))
      await this.security.updateMember(member.id, { passwordHash: await hashPassword(password), at });
    const role = await this.security.findRole(member.roleId);
    if (!role || role.inactiveFlag)
      throw new PsaError('Unauthorized', "The member's security role is inactive.");
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const tokenDigest = sha256Hex(token);
    await this.db
      .insertInto('psa_session')
      .values({
        token_digest: tokenDigest,
        member_id: member.id,
        csrf_token: csrfToken,
        created_at: at,
        expires_at: cwDate(new Date(now.getTime() + PSA_SESSION_ABSOLUTE_MS)),
        last_seen_at: at,
      })
      .execute();
    await this.db.deleteFrom('psa_session').where('expires_at', '<', at).execute();
    await this.security.addHistory({
      memberId: member.id,
      at,
      actor: member.identifier,
      action: 'member.signed-in',
      detail: `from ${client}`,
    });
    return {
      token,
      session: { member, roleId: role.id, role: snapshot(role), csrfToken, tokenDigest },
    };
  }

  /**
   * The member of a session token with the role as it is now, or undefined when the token is absent,
   * unknown, expired, idle too long, or its member or role has since been deactivated.
   */
  async authenticate(token: string | undefined): Promise<MemberSession | undefined> {
    if (!token || token.length > 200) return undefined;
    const tokenDigest = sha256Hex(token);
    const s = await this.db
      .selectFrom('psa_session')
      .selectAll()
      .where('token_digest', '=', tokenDigest)
      .executeTakeFirst();
    if (!s) return undefined;
    const now = this.clock.now();
    const idleMs = now.getTime() - new Date(s.last_seen_at).getTime();
    if (new Date(s.expires_at) <= now || idleMs > PSA_SESSION_IDLE_MS) {
      await this.signOut(tokenDigest);
      return undefined;
    }
    const member = await this.security.findMember(Number(s.member_id));
    if (!member || member.inactiveFlag) return undefined;
    const role = await this.security.findRole(member.roleId);
    if (!role || role.inactiveFlag) return undefined;
    // Refresh the idle timer at most once a minute to keep reads cheap.
    if (idleMs > 60_000) {
      await this.db
        .updateTable('psa_session')
        .set({ last_seen_at: cwDate(now) })
        .where('token_digest', '=', tokenDigest)
        .execute();
    }
    return { member, roleId: role.id, role: snapshot(role), csrfToken: s.csrf_token, tokenDigest };
  }

  async signOut(tokenDigest: string): Promise<void> {
    await this.db.deleteFrom('psa_session').where('token_digest', '=', tokenDigest).execute();
  }

  /**
   * Ends every session of a member — after a password change or deactivation — but `keep` (the
   * caller's own session, when members change their own password). A new password also forgets
   * the failed sign-ins counted against the member's identifier.
   */
  async signOutMember(memberId: number, keep?: string): Promise<number> {
    let q = this.db.deleteFrom('psa_session').where('member_id', '=', memberId);
    if (keep !== undefined) q = q.where('token_digest', '<>', keep);
    const r = await q.executeTakeFirst();
    const member = await this.security.findMember(memberId);
    if (member) await this.guard.forget(member.identifier);
    return Number(r.numDeletedRows);
  }
}

function snapshot(
  role: { adminFlag: boolean; inactiveFlag: boolean } & Pick<RoleSnapshot, 'levels' | 'allowed'>,
) {
  return {
    adminFlag: role.adminFlag,
    inactiveFlag: role.inactiveFlag,
    levels: role.levels,
    allowed: role.allowed,
  };
}
