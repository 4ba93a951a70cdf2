// Sessions of PSA members over HTTP (PSA-9, X-6): the sign-in routes under the admin API, the
// session cookie (HttpOnly, SameSite=Strict, Secure whenever the PSA speaks TLS), and the principal a
// session stands for — checked against the same endpoint tables as an API key, with the CSRF header
// required on every change.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { clientOf } from '../../platform/sign-in-guard.js';
import { ALL_FUNCTIONS, CUSTOMIZE, effectiveLevels, type FunctionLevels } from '../catalog/index.js';
import { PsaError } from '../model/errors.js';
import { parseInput } from '../service/admin.js';
import { type MemberSession, PSA_SESSION_ABSOLUTE_MS } from '../service/member-sessions.js';
import type { PsaServices } from '../service/services.js';
import type { Principal } from './key-verifier.js';

/** Not the console's cookie name: both products may share a host name, and cookies ignore ports. */
export const PSA_SESSION_COOKIE = 'parasol_psa_session';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_PATH = '/admin/api/v1/session';

const signInSchema = z
  .object({ identifier: z.string().trim().min(1).max(15), password: z.string().min(1).max(128) })
  .strict();

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function principalOf(s: MemberSession): Principal {
  const m = s.member;
  return {
    memberId: m.id,
    identifier: m.identifier,
    name: `${m.firstName} ${m.lastName}`.trim() || m.identifier,
    keyId: null,
    roleId: s.roleId,
    role: s.role,
    sessionDigest: s.tokenDigest,
  };
}

async function currentSession(req: FastifyRequest, services: PsaServices) {
  return services.memberSessions.authenticate(req.cookies[PSA_SESSION_COOKIE]);
}

/**
 * The principal of the request's session cookie, or undefined when the request carries an
 * Authorization header (API callers: their key decides) or no valid session. A change (any method
 * but GET/HEAD) must echo the session's CSRF token, or it is refused.
 */
export async function sessionPrincipal(
  req: FastifyRequest,
  services: PsaServices,
): Promise<Principal | undefined> {
  if (req.headers.authorization !== undefined) return undefined;
  const session = await currentSession(req, services);
  if (!session) return undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameToken(sent, session.csrfToken))
      throw new PsaError('Forbidden', `The ${CSRF_HEADER} header is missing or wrong: reload the page.`);
  }
  return principalOf(session);
}

/** What the UI needs to know about the signed-in member: who, and what their role lets them do. */
async function sessionBody(services: PsaServices, s: MemberSession) {
  const permissions: Record<string, FunctionLevels> = {};
  for (const fn of ALL_FUNCTIONS) permissions[fn.id] = effectiveLevels(s.role, fn.id);
  const tables = s.role.adminFlag
    ? null
    : [...(s.role.allowed.get(CUSTOMIZE.systemTableSetup) ?? new Set<string>())].sort();
  return {
    member: await services.admin.getMember(s.member.id),
    csrfToken: s.csrfToken,
    codebase: services.config.psa.codebase,
    companyId: services.config.psa.companyId,
    permissions,
    /** Table Setup tables the role may use; null: every table (admin role). */
    tableSetupAllowed: tables,
  };
}

export function registerSessionRoutes(app: FastifyInstance, services: PsaServices): void {
  app.post(SESSION_PATH, async (req, reply) => {
    const input = parseInput(signInSchema, 'signIn', req.body);
    // The socket's address: no X-Forwarded-For is trusted (Fastify's trustProxy is off).
    const { token, session } = await services.memberSessions.signIn(
      input.identifier,
      input.password,
      clientOf(req.ip),
    );
    reply.setCookie(PSA_SESSION_COOKIE, token, {
      httpOnly: true,
      secure: services.tls,
      sameSite: 'strict',
      path: '/',
      maxAge: PSA_SESSION_ABSOLUTE_MS / 1000,
    });
    reply.header('cache-control', 'no-store');
    return sessionBody(services, session);
  });

  app.get(SESSION_PATH, async (req, reply) => {
    const session = await currentSession(req, services);
    if (!session) throw PsaError.keyed('Unauthorized', 'signIn.required');
    reply.header('cache-control', 'no-store');
    return sessionBody(services, session);
  });

  app.delete(SESSION_PATH, async (req, reply) => {
    const principal = await sessionPrincipal(req, services);
    if (!principal) throw PsaError.keyed('Unauthorized', 'signIn.required');
    const session = await currentSession(req, services);
    if (session) await services.memberSessions.signOut(session.tokenDigest);
    reply.clearCookie(PSA_SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });
}
