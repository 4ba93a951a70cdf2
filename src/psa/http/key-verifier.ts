// Verifies API credentials on every request. A verified key is cached for a few seconds under the
// SHA-256 of the Authorization header (never the header itself), so the common case costs one
// digest and a map lookup; revocation in this process clears the cache at once, other processes
// see it when their entry expires (TTL, 5 s by default).
import type { Clock } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import type { RoleSnapshot } from '../catalog/types.js';
import { parseBasicCredentials, privateKeyMatches } from '../service/keys.js';
import type { SecurityStore } from '../store/security.js';

export interface Principal {
  memberId: number;
  identifier: string;
  name: string;
  /** null for a member signed in to the admin UI (a session, not a key). */
  keyId: number | null;
  roleId: number;
  role: RoleSnapshot;
  /** The digest of the admin UI session the request came with (absent for a key). */
  sessionDigest?: string;
}

export type VerifyFailure =
  | 'missing'
  | 'malformed'
  | 'company'
  | 'unknown-key'
  | 'wrong-private-key'
  | 'revoked'
  | 'inactive-member'
  | 'inactive-role';

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: VerifyFailure };

interface Entry {
  principal: Principal;
  expiresAt: number;
}

export class KeyVerifier {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly security: SecurityStore,
    private readonly clock: Clock,
    private readonly companyId: string,
    private readonly ttlMs = 5000,
  ) {}

  async verify(authorization: string | undefined): Promise<VerifyResult> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const cacheKey = sha256Hex(authorization);
    const now = this.clock.now().getTime();
    const hit = this.cache.get(cacheKey);
    if (hit && hit.expiresAt > now) return { ok: true, principal: hit.principal };
    if (hit) this.cache.delete(cacheKey);
    const result = await this.verifyFromStore(authorization);
    if (result.ok) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(cacheKey, { principal: result.principal, expiresAt: now + this.ttlMs });
    }
    return result;
  }

  private async verifyFromStore(authorization: string): Promise<VerifyResult> {
    const creds = parseBasicCredentials(authorization);
    if (!creds) return { ok: false, reason: 'malformed' };
    if (creds.companyId.toLowerCase() !== this.companyId.toLowerCase())
      return { ok: false, reason: 'company' };
    const key = await this.security.findKeyByPublicKey(creds.publicKey);
    if (!key) return { ok: false, reason: 'unknown-key' };
    if (!privateKeyMatches(creds.privateKey, key.privateKeyDigest))
      return { ok: false, reason: 'wrong-private-key' };
    if (key.revokedAt) return { ok: false, reason: 'revoked' };
    const member = await this.security.findMember(key.memberId);
    if (!member || member.inactiveFlag) return { ok: false, reason: 'inactive-member' };
    const role = await this.security.findRole(member.roleId);
    if (!role || role.inactiveFlag) return { ok: false, reason: 'inactive-role' };
    const name =
      member.kind === 'api'
        ? String(member.data.name ?? member.identifier)
        : `${member.firstName} ${member.lastName}`.trim();
    return {
      ok: true,
      principal: {
        memberId: member.id,
        identifier: member.identifier,
        name,
        keyId: key.id,
        roleId: role.id,
        role: {
          adminFlag: role.adminFlag,
          inactiveFlag: role.inactiveFlag,
          levels: role.levels,
          allowed: role.allowed,
        },
      },
    };
  }

  /** Called after a key is revoked, a member changed or a role edited in this process. */
  invalidate(match?: (p: Principal) => boolean): void {
    if (!match) {
      this.cache.clear();
      return;
    }
    for (const [k, e] of this.cache) if (match(e.principal)) this.cache.delete(k);
  }
}
