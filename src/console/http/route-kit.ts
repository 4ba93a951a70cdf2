// The shapes of the console's route tables and the helpers their handlers share (ids from the
// path, the signed-in provider and actor). routes.ts and the feature route tables build on it.
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { MAX_ID, parseId } from '../../platform/input-guard.js';
import type { SessionUser } from '../service/auth.js';
import { ConsoleError, notFound } from '../service/errors.js';
import type { ConsoleServices } from '../service/services.js';

/**
 * Who may call a route: anyone, a signed-in user, an admin, or — without a session — a collector
 * holding one of the provider's ingest tokens (`Authorization: Bearer <token>`; no cookie, no CSRF).
 */
export type Access = 'public' | 'user' | 'admin' | 'ingest-token';

export const SESSION_COOKIE = 'parasol_session';

export interface RouteContext {
  services: ConsoleServices;
  session: SessionUser | undefined;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  reply: FastifyReply;
}

export interface ConsoleRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  access: Access;
  body?: z.ZodTypeAny;
  /** Content type of the body when it is not JSON (CSV import). */
  bodyContentType?: string;
  status?: number;
  /** Content type of the response when it is not JSON. */
  produces?: string;
  handler: (c: RouteContext) => Promise<unknown>;
}

/** An id from the path: 400 unless digits; 404 past MAX_ID, like any id that does not exist. */
export const id = (c: RouteContext, name = 'id'): number => {
  const raw = c.params[name];
  const parsed = parseId(raw);
  if (parsed.ok) return parsed.id;
  if (parsed.reason === 'out-of-range') throw notFound(`${name} ${raw}`);
  throw new ConsoleError('invalid', `${name} must be a positive whole number`);
};

/** An optional id or count from the query string: 400 naming it unless digits up to MAX_ID. */
export const queryNumber = (c: RouteContext, name: string): number | undefined => {
  const raw = c.query[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = parseId(raw);
  if (parsed.ok) return parsed.id;
  throw new ConsoleError(
    'invalid',
    parsed.reason === 'out-of-range'
      ? `${name} must be at most ${MAX_ID}`
      : `${name} must be a positive whole number`,
    [{ path: name, message: parsed.reason === 'out-of-range' ? 'out of range' : 'not a whole number' }],
  );
};
export const provider = (c: RouteContext) => c.session!.provider.id;
export const actor = (c: RouteContext) => c.session!.user.email;
export const header = (c: RouteContext, name: string): string | undefined => {
  const v = c.reply.request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
