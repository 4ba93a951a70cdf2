// The shapes of the console's route tables and the helpers their handlers share (ids from the
// path, the signed-in provider and actor). routes.ts and the feature route tables build on it.
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { SessionUser } from '../service/auth.js';
import { ConsoleError } from '../service/errors.js';
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

export const id = (c: RouteContext, name = 'id'): number => {
  const raw = c.params[name];
  if (raw === undefined || !/^\d{1,15}$/.test(raw))
    throw new ConsoleError('invalid', `${name} must be a positive whole number`);
  return Number(raw);
};
export const provider = (c: RouteContext) => c.session!.provider.id;
export const actor = (c: RouteContext) => c.session!.user.email;
export const header = (c: RouteContext, name: string): string | undefined => {
  const v = c.reply.request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
