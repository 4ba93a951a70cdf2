// Sign-in of PSA members to the admin UI (PSA-9, X-6): scrypt password hashes, server-side sessions
// (only the SHA-256 of the session token is stored), a CSRF token per session, and lock-out with a
// growing back-off after repeated failures. Unknown identifiers, API members (who have no password)
// and inactive members cost the same scrypt work as a wrong password and get the same answer.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import type { Database } from '../../platform/db-types.js';
import { hashPassword, verifyPassword } from '../../platform/passwords.js';
import type { RoleSnapshot } from '../catalog/types.js';
import { PsaError } from '../model/errors.js';
import type { MemberRow, SecurityStore } from '../store/security.js';

export const PSA_SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
export const PSA_SESSION_IDLE_MS = 60 * 60 * 1000;
/** Failures allowed before the first lock-out. */
export const PSA_FREE_ATTEMPTS = 5;
export const PSA_MAX_LOCK_MINUTES = 60;

/** Minutes locked after `failures` consecutive failures: 1, 2, 4 … capped at an hour. */
export function lockMinutes(failures: number): number {
  if (failures < PSA_FREE_ATTEMPTS) return 0;
  return Math.min(PSA_MAX_LOCK_MINUTES, 2 ** (failures - PSA_FREE_ATTEMPTS));
}

export interface MemberSession {
  member: MemberRow;
  roleId: number;
  role: RoleSnapshot;
  csrfToken: string;
  tokenDigest: string;
}

const WRONG = 'The member identifier or password is incorrect.';

export class MemberSessionService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly security: SecurityStore,
    private readonly clock: Clock,
  ) {}

  /** Spends the time a real verification would, so absent accounts are not told apart by timing. */
  private async burn(password: string): Promise<never> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await this.dummyHash);
    throw new PsaError('Unauthorized', WRONG);
  }

  async signIn(identifier: string, password: string): Promise<{ token: string; session: MemberSession }> {
    if (identifier.length === 0 || identifier.length > 15 || password.length > 128)
      return this.burn(password);
    const member = await this.security.findMember(identifier);
    if (member?.kind !== 'member' || member.passwordHash === null) return this.burn(password);
    const now = this.clock.now();
    const state = await this.db
      .selectFrom('psa_sign_in_state')
      .selectAll()
      .where('member_id', '=', member.id)
      .executeTakeFirst();
    if (state?.locked_until && new Date(state.locked_until) > now) {
      const seconds = Math.ceil((new Date(state.locked_until).getTime() - now.getTime()) / 1000);
      throw Object.assign(
        new PsaError('TooManyRequests', `Too many failed sign-ins: try again in ${seconds} seconds.`),
        { retryAfter: seconds },
      );
    }
    const good = await verifyPassword(password, member.passwordHash);
    const at = cwDate(now);
    if (!good || member.inactiveFlag) {
      // An inactive member's right password still counts as a failure: nothing tells a guesser
      // that the password was right.
      const failures = (state?.failed_attempts ?? 0) + 1;
      const minutes = lockMinutes(failures);
      const lockedUntil = minutes ? cwDate(new Date(now.getTime() + minutes * 60_000)) : null;
      await this.saveState(member.id, failures, lockedUntil, at);
      if (minutes) {
        await this.security.addHistory({
          memberId: member.id,
          at,
          actor: member.identifier,
          action: 'member.locked',
          detail: `${failures} failed sign-ins; locked for ${minutes} minute(s)`,
        });
      }
      throw new PsaError('Unauthorized', WRONG);
    }
    if (state && (state.failed_attempts > 0 || state.locked_until))
      await this.saveState(member.id, 0, null, at);
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
    });
    return {
      token,
      session: { member, roleId: role.id, role: snapshot(role), csrfToken, tokenDigest },
    };
  }

  private async saveState(memberId: number, failures: number, lockedUntil: string | null, at: string) {
    await this.db
      .insertInto('psa_sign_in_state')
      .values({ member_id: memberId, failed_attempts: failures, locked_until: lockedUntil, updated_at: at })
      .onConflict((oc) =>
        oc
          .column('member_id')
          .doUpdateSet({ failed_attempts: failures, locked_until: lockedUntil, updated_at: at }),
      )
      .execute();
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

  /** Ends every session of a member (after a password change or deactivation). */
  async signOutMember(memberId: number): Promise<void> {
    await this.db.deleteFrom('psa_session').where('member_id', '=', memberId).execute();
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
