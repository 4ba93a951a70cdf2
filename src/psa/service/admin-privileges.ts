// Privilege rules of the admin API (issue 13): nobody grants, assigns or acts on a role — or a member
// holding one — with more rights than their own role has, and keys and passwords of another member
// need an Admin role. ADMIN_ENDPOINTS names the rules each action obeys; this file says what each
// rule means and checks it. The CLI (an operator at the server) calls the admin service directly
// and is not bound by these rules.
import {
  describeExcess,
  type Excess,
  excessField,
  type RoleSnapshot,
  rightsBeyond,
} from '../catalog/index.js';
import { PsaError } from '../model/errors.js';
import type { ValidationIssue } from '../model/schema-types.js';
import type { RoleDetail, SecurityStore } from '../store/security.js';
import { memberInputSchema, roleAfter, roleInputSchema } from './admin.js';

/** Every rule, with the sentence docs/security.md and the 403s use for it. */
export const PRIVILEGE_RULES = {
  grantWithinCaller:
    'The role as the change leaves it (Admin flag, every level, every allow-list) has no right beyond the caller’s role.',
  roleWithinCaller: 'The role acted on has no right beyond the caller’s role.',
  notOwnRole:
    'Nobody deletes the role they hold; only an Admin changes it, and it stays an active Admin role.',
  memberWithinCaller: 'The member acted on holds a role with no right beyond the caller’s role.',
  assignWithinCaller: 'A role given to a member has no right beyond the caller’s role.',
  passwordOwnOrAdmin: 'Setting the password of another member (new ones included) needs an Admin role.',
  keysOwnOrAdmin: 'Creating or revoking API keys of another member needs an Admin role.',
  notSelfLockout: 'Nobody deactivates themselves or changes their own role.',
} as const satisfies Record<string, string>;

export type PrivilegeRule = keyof typeof PRIVILEGE_RULES;

/** Who calls, and the request as the route received it. */
export interface PrivilegeRequest {
  caller: { memberId: number; identifier: string; roleId: number; role: RoleSnapshot };
  method: string;
  /** The route's `:id` (a role id under /roles, a member id under /members), when it has one. */
  id: number | undefined;
  body: unknown;
}

const isAdmin = (role: RoleSnapshot) => role.adminFlag && !role.inactiveFlag;

function summary(excess: Excess[]): string {
  const shown = excess.slice(0, 4).map(describeExcess).join('; ');
  return excess.length > 4 ? `${shown}; and ${excess.length - 4} more` : shown;
}

function refuse(message: string, excess: Excess[] = [], resource = 'securityRole'): PsaError {
  const errors: ValidationIssue[] = excess.map((e) => ({
    code: 'BeyondOwnRights',
    message: describeExcess(e),
    resource,
    field: excessField(e),
  }));
  return new PsaError('Forbidden', message, errors.length ? errors : null);
}

function bodyObject(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/** The role a member body names (id, numeric text or name), or undefined: the service then says why. */
async function namedRole(security: SecurityStore, body: unknown): Promise<RoleDetail | undefined> {
  const raw = bodyObject(body)?.role;
  const parsed = memberInputSchema.shape.role.safeParse(raw);
  if (!parsed.success || parsed.data === undefined) return undefined;
  const role = parsed.data;
  return security.findRole(typeof role === 'string' && /^\d+$/.test(role) ? Number(role) : role);
}

type Check = (r: PrivilegeRequest, security: SecurityStore) => Promise<PsaError | undefined>;

const CHECKS: Record<PrivilegeRule, Check> = {
  async grantWithinCaller(r, security) {
    const input = roleInputSchema.safeParse(r.body ?? {});
    if (!input.success) return undefined; // the service answers 400 with the details
    const current = r.id === undefined ? undefined : await security.findRole(r.id);
    if (r.id !== undefined && !current) return undefined; // 404 from the service
    const excess = rightsBeyond(r.caller.role, roleAfter(current, input.data));
    if (excess.length === 0) return undefined;
    return refuse(`You cannot grant rights your own role does not have: ${summary(excess)}.`, excess);
  },
  async roleWithinCaller(r, security) {
    const role = r.id === undefined ? undefined : await security.findRole(r.id);
    if (!role) return undefined;
    const excess = rightsBeyond(r.caller.role, role);
    if (excess.length === 0) return undefined;
    return refuse(
      `Security role '${role.name}' has rights your own role does not have (${summary(excess)}): you cannot change or delete it.`,
      excess,
    );
  },
  async notOwnRole(r, security) {
    if (r.id === undefined || r.id !== r.caller.roleId) return undefined;
    const role = await security.findRole(r.id);
    const name = role?.name ?? String(r.id);
    if (r.method === 'DELETE') return refuse(`You cannot delete the security role you hold ('${name}').`);
    const input = roleInputSchema.safeParse(r.body ?? {});
    const after = input.success && role ? roleAfter(role, input.data) : undefined;
    if (isAdmin(r.caller.role) && after && isAdmin(after)) return undefined;
    return refuse(
      isAdmin(r.caller.role)
        ? `The security role you hold ('${name}') must stay an active Admin role: ask another Admin, or use the CLI.`
        : `You cannot change the security role you hold ('${name}'): ask an Admin.`,
    );
  },
  async memberWithinCaller(r, security) {
    const member = r.id === undefined ? undefined : await security.findMember(r.id);
    if (!member) return undefined;
    const role = await security.findRole(member.roleId);
    if (!role) return undefined;
    const excess = rightsBeyond(r.caller.role, role);
    if (excess.length === 0) return undefined;
    return refuse(
      `Member '${member.identifier}' holds security role '${role.name}', which has rights your own role does not have (${summary(excess)}): you cannot change this member.`,
      excess,
      'member',
    );
  },
  async assignWithinCaller(r, security) {
    const role = await namedRole(security, r.body);
    if (!role) return undefined;
    const excess = rightsBeyond(r.caller.role, role);
    if (excess.length === 0) return undefined;
    return refuse(
      `You cannot give a member security role '${role.name}': it has rights your own role does not have (${summary(excess)}).`,
      excess,
      'member',
    );
  },
  async passwordOwnOrAdmin(r) {
    if (bodyObject(r.body)?.password === undefined) return undefined;
    if (r.id === r.caller.memberId || isAdmin(r.caller.role)) return undefined;
    return refuse("Only a member with an Admin role can set another member's password.", [], 'member');
  },
  async keysOwnOrAdmin(r) {
    if (r.id === r.caller.memberId || isAdmin(r.caller.role)) return undefined;
    return refuse(
      'API keys of another member can only be created or revoked by a member with an Admin role.',
      [],
      'apiKey',
    );
  },
  async notSelfLockout(r, security) {
    if (r.id !== r.caller.memberId) return undefined;
    const body = bodyObject(r.body);
    if (body?.inactiveFlag === true) return refuse('You cannot deactivate yourself.', [], 'member');
    if (body?.role !== undefined) {
      const role = await namedRole(security, body);
      if (role && role.id !== r.caller.roleId)
        return refuse('You cannot change your own security role: ask another member.', [], 'member');
    }
    return undefined;
  },
};

/** Throws the first rule's 403 (ConnectWise's `{code, message, errors}`), in the order given. */
export async function enforcePrivileges(
  rules: readonly PrivilegeRule[],
  request: PrivilegeRequest,
  security: SecurityStore,
): Promise<void> {
  for (const rule of rules) {
    const refusal = await CHECKS[rule](request, security);
    if (refusal) throw refusal;
  }
}
