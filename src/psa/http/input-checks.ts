// The PSA's edge checks (issue 13): ids in paths parsed once (ids past PostgreSQL's integer cannot
// exist: 404), and every body, query string and path parameter searched for NUL characters, lone
// surrogates and out-of-range ids before a handler runs — answered in ConnectWise's error shape.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findInputProblem, type InputProblem, parseId } from '../../platform/input-guard.js';
import { badRequest, notFound, PsaError } from '../model/errors.js';

/**
 * A record id from the URL path: 400 unless it is digits, 404 when it is past MAX_ID (no record
 * can have it, on either database). `label` names the record in the 404 ("Ticket recId … not found").
 */
export function pathId(raw: string | undefined, name = 'id', label = 'Record'): number {
  const parsed = parseId(raw);
  if (parsed.ok) return parsed.id;
  if (parsed.reason === 'out-of-range') throw notFound(label, raw ?? '');
  throw badRequest(`${name} must be a positive whole number, not '${String(raw).slice(0, 40)}'.`);
}

function bodyError(p: InputProblem, body: unknown, resource: string): PsaError {
  const field = patchField(p.field, body);
  const message = `The field ${field} ${p.problem}.`;
  return new PsaError('InvalidObject', `${resource} object is invalid`, [
    { code: p.kind === 'id' ? 'OutOfRange' : 'InvalidValue', message, resource, field },
  ]);
}

/** In a JSON Patch, `[2]/value/id` is named by the operation's path: `company/id`. */
function patchField(field: string, body: unknown): string {
  const m = /^\[(\d+)\]\/value(\/.*)?$/.exec(field);
  if (!m || !Array.isArray(body)) return field;
  const op = body[Number(m[1])] as { path?: unknown } | undefined;
  return typeof op?.path === 'string' && op.path !== ''
    ? `${op.path.replace(/^\//, '')}${m[2] ?? ''}`
    : field;
}

function parameterError(p: InputProblem, where: 'query' | 'path'): PsaError {
  const message = `${p.field} ${p.problem}.`;
  return new PsaError('BadRequest', message, [
    { code: 'InvalidValue', message, resource: where, field: p.field },
  ]);
}

/**
 * Installs the check on every route of the PSA app (REST, admin API, sign-in): a walk over values
 * Fastify has already parsed, no re-parsing. `resourceOf` names the ConnectWise resource of a body.
 */
export function installInputChecks(
  app: FastifyInstance,
  resourceOf: (req: FastifyRequest) => string | undefined,
): void {
  app.addHook('preValidation', async (req) => {
    const params = findInputProblem(req.params);
    if (params) throw parameterError(params, 'path');
    const query = findInputProblem(req.query);
    if (query) throw parameterError(query, 'query');
    if (req.body === undefined || req.body === null) return;
    const body = findInputProblem(req.body);
    if (body) throw bodyError(body, req.body, resourceOf(req) ?? 'request');
  });
}
