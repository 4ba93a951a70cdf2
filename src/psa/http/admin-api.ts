// The PSA's admin API (`/admin/api/v1`): roles with their levels and allow-lists, members, API
// members, API keys (the private key is in the creation response only), History and API Logs.
// Callers authenticate like REST callers (member API keys; the UI adds sessions) and need the
// System → Security Roles / Member Maintenance levels of the declarative table below, then obey its
// privilege rules (admin-privileges.ts): nothing granted, assigned or acted on beyond their own role.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ALL_FUNCTIONS, evaluate, FN, MODULES, TABLE_SETUP_ITEMS } from '../catalog/index.js';
import type { Action } from '../catalog/types.js';
import { badRequest, forbidden, PsaError } from '../model/errors.js';
import { enforcePrivileges, type PrivilegeRule } from '../service/admin-privileges.js';
import type { PsaServices } from '../service/services.js';
import { pathId } from './input-checks.js';
import type { Principal } from './key-verifier.js';
import { sessionPrincipal } from './member-session-http.js';

export const ADMIN_PREFIX = '/admin/api/v1';

interface AdminArgs {
  services: PsaServices;
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
}

export interface AdminEndpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** undefined: any signed-in member. */
  need?: { function: string; action: Action };
  status?: number;
  /**
   * What the caller may grant or act on (PRIVILEGE_RULES), checked in this order after `need`. Every
   * changing action names at least one; the privilege test runs a breaking request per rule.
   */
  privileges: readonly PrivilegeRule[];
  run: (a: AdminArgs) => Promise<unknown>;
}

const num = (raw: string | undefined, name: string): number => pathId(raw, name);

const actor = (a: AdminArgs) => a.principal.identifier;

export const ADMIN_ENDPOINTS: readonly AdminEndpoint[] = [
  {
    method: 'GET',
    path: '/catalog',
    privileges: [],
    run: async () => ({
      modules: MODULES,
      tableSetupItems: TABLE_SETUP_ITEMS,
      functions: ALL_FUNCTIONS.length,
    }),
  },
  {
    method: 'GET',
    path: '/me',
    privileges: [],
    run: async (a) => a.services.admin.getMember(a.principal.memberId),
  },
  {
    method: 'GET',
    path: '/roles',
    need: { function: FN.securityRoles, action: 'inquire' },
    privileges: [],
    run: (a) => a.services.admin.listRoles(),
  },
  {
    method: 'POST',
    path: '/roles',
    need: { function: FN.securityRoles, action: 'add' },
    status: 201,
    privileges: ['grantWithinCaller'],
    run: (a) => a.services.admin.createRole(a.body, actor(a)),
  },
  {
    method: 'GET',
    path: '/roles/:id',
    need: { function: FN.securityRoles, action: 'inquire' },
    privileges: [],
    run: (a) => a.services.admin.getRole(num(a.params.id, 'id')),
  },
  {
    method: 'PUT',
    path: '/roles/:id',
    need: { function: FN.securityRoles, action: 'edit' },
    privileges: ['notOwnRole', 'roleWithinCaller', 'grantWithinCaller'],
    run: (a) => a.services.admin.updateRole(num(a.params.id, 'id'), a.body, actor(a)),
  },
  {
    method: 'DELETE',
    path: '/roles/:id',
    need: { function: FN.securityRoles, action: 'delete' },
    status: 204,
    privileges: ['notOwnRole', 'roleWithinCaller'],
    run: (a) => a.services.admin.deleteRole(num(a.params.id, 'id')),
  },
  {
    method: 'GET',
    path: '/members',
    need: { function: FN.memberMaintenance, action: 'inquire' },
    privileges: [],
    run: async (a) => {
      const kind = a.query.kind ?? 'member';
      if (kind !== 'member' && kind !== 'api') throw badRequest("kind must be 'member' or 'api'.");
      return a.services.admin.listMembers(kind);
    },
  },
  {
    method: 'POST',
    path: '/members',
    need: { function: FN.memberMaintenance, action: 'add' },
    status: 201,
    privileges: ['assignWithinCaller', 'passwordOwnOrAdmin'],
    run: async (a) => {
      const body = (a.body ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || Array.isArray(body))
        throw badRequest('The body must be a JSON object.');
      const { kind = 'member', ...rest } = body;
      if (kind !== 'member' && kind !== 'api') throw badRequest("kind must be 'member' or 'api'.");
      return a.services.admin.createMember(kind, rest, actor(a));
    },
  },
  {
    method: 'GET',
    path: '/members/:id',
    need: { function: FN.memberMaintenance, action: 'inquire' },
    privileges: [],
    run: (a) => a.services.admin.getMember(num(a.params.id, 'id')),
  },
  {
    method: 'PATCH',
    path: '/members/:id',
    need: { function: FN.memberMaintenance, action: 'edit' },
    privileges: ['memberWithinCaller', 'assignWithinCaller', 'notSelfLockout', 'passwordOwnOrAdmin'],
    run: async (a) => {
      const id = num(a.params.id, 'id');
      const member = await a.services.admin.updateMember(id, a.body, actor(a));
      // A new password or a deactivation ends the member's sessions everywhere — but the session
      // of a member who changed their own password, which has just proved it knows the new one.
      const body = (a.body ?? {}) as { password?: unknown; inactiveFlag?: unknown };
      if (body.password !== undefined || body.inactiveFlag === true)
        await a.services.memberSessions.signOutMember(
          id,
          id === a.principal.memberId ? a.principal.sessionDigest : undefined,
        );
      return member;
    },
  },
  {
    method: 'GET',
    path: '/members/:id/keys',
    need: { function: FN.memberMaintenance, action: 'inquire' },
    privileges: [],
    run: (a) => a.services.admin.listKeys(num(a.params.id, 'id')),
  },
  {
    method: 'POST',
    path: '/members/:id/keys',
    need: { function: FN.memberMaintenance, action: 'add' },
    status: 201,
    privileges: ['keysOwnOrAdmin'],
    run: (a) => a.services.admin.createKey(num(a.params.id, 'id'), a.body, actor(a)),
  },
  {
    method: 'DELETE',
    path: '/members/:id/keys/:keyId',
    need: { function: FN.memberMaintenance, action: 'edit' },
    privileges: ['keysOwnOrAdmin'],
    run: (a) => a.services.admin.revokeKey(num(a.params.id, 'id'), num(a.params.keyId, 'keyId'), actor(a)),
  },
  {
    method: 'GET',
    path: '/members/:id/history',
    need: { function: FN.memberMaintenance, action: 'inquire' },
    privileges: [],
    run: (a) => a.services.admin.history(num(a.params.id, 'id')),
  },
  {
    method: 'GET',
    path: '/members/:id/api-logs',
    need: { function: FN.memberMaintenance, action: 'inquire' },
    privileges: [],
    run: (a) => a.services.admin.apiLogs(num(a.params.id, 'id')),
  },
];

async function authenticate(req: FastifyRequest, services: PsaServices): Promise<Principal> {
  const session = await sessionPrincipal(req, services);
  if (session) return session;
  const verified = await services.verifier.verify(req.headers.authorization);
  if (!verified.ok)
    throw new PsaError('Unauthorized', 'Sign in, or send a member API key, to use the admin API.');
  return verified.principal;
}

export function registerAdminApi(app: FastifyInstance, services: PsaServices): void {
  for (const e of ADMIN_ENDPOINTS) {
    app.route({
      method: e.method,
      url: `${ADMIN_PREFIX}${e.path}`,
      handler: async (req, reply) => {
        const principal = await authenticate(req, services);
        req.principal = principal;
        if (e.need) {
          const decision = evaluate(principal.role, e.need);
          if (!decision.allowed) throw forbidden(decision);
        }
        const params = req.params as Record<string, string>;
        if (e.privileges.length) {
          await enforcePrivileges(
            e.privileges,
            {
              caller: principal,
              method: e.method,
              id: params.id === undefined ? undefined : num(params.id, 'id'),
              body: req.body,
            },
            services.security,
          );
        }
        const result = await e.run({
          services,
          principal,
          params,
          query: (req.query ?? {}) as Record<string, string | undefined>,
          body: req.body,
        });
        reply.header('cache-control', 'no-store');
        if (e.status) reply.status(e.status);
        if (e.status === 204) return reply.send();
        return result ?? {};
      },
    });
  }
}
