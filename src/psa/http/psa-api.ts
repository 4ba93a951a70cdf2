// The ConnectWise-compatible REST API: `/{codebase}/apis/3.0/...` routes built from the endpoint
// table, authentication (clientId, Basic API keys), per-key rate limit, authorization, API logs,
// ConnectWise's error bodies and headers; and `/login/companyinfo/{companyId}`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cwDate } from '../../platform/clock.js';
import { redactUrl } from '../../platform/logger.js';
import { REQUEST_ID_HEADER } from '../../platform/operations.js';
import { evaluate } from '../catalog/index.js';
import { badRequest, forbidden, PsaError } from '../model/errors.js';
import { parseFields, projectFields } from '../query/index.js';
import type { CallContext } from '../service/context.js';
import type { ListParams } from '../service/engine.js';
import type { PsaServices } from '../service/services.js';
import { CW_PATHS } from './cw-paths.js';
import { ENDPOINTS, type Endpoint, fastifyPath, templatePattern } from './endpoints.js';
import { installInputChecks, pathId } from './input-checks.js';
import { jsonArray } from './json-array.js';
import type { Principal, VerifyFailure } from './key-verifier.js';
import { sessionPrincipal } from './member-session-http.js';
import { forwardOnlyLink, navigableLink } from './paging.js';
import { SPECIAL_HANDLERS } from './special-routes.js';

import { API_VERSION } from './version.js';

export { API_VERSION };
export const API_PREFIX = '/:codebase/apis/3.0';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    cwContext?: CallContext;
  }
}

type Query = Record<string, string | undefined>;

function listParams(q: Query, req: FastifyRequest): ListParams {
  const get = (name: string) => {
    const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : q[key];
  };
  return {
    conditions: get('conditions'),
    childConditions: get('childConditions'),
    customFieldConditions: get('customFieldConditions'),
    orderBy: get('orderBy'),
    fields: get('fields'),
    page: get('page'),
    pageSize: get('pageSize'),
    pageId: get('pageId'),
    forwardOnly: String(req.headers['pagination-type'] ?? '').toLowerCase() === 'forward-only',
  };
}

/** The path's parent ids, outermost first; `labels` name them in a 404 (see pathId). */
function parentIdsOf(params: Record<string, string>, labels: string[] = []): number[] {
  const out: number[] = [];
  if (params.grandparentId !== undefined)
    out.push(pathId(params.grandparentId, 'grandparentId', labels[labels.length - 2]));
  if (params.parentId !== undefined) out.push(pathId(params.parentId, 'parentId', labels[labels.length - 1]));
  return out;
}

function requestUrl(req: FastifyRequest, services: PsaServices): { url: string; query: string } {
  const [path, query = ''] = req.url.split('?', 2) as [string, string?];
  return { url: `${services.publicOrigin()}${path}`, query };
}

const ENDPOINT_PATTERNS = ENDPOINTS.map((e) => ({ e, re: templatePattern(e.path) }));
const CW_PATTERNS = CW_PATHS.map((p) => templatePattern(p));

export function registerPsaApi(app: FastifyInstance, services: PsaServices): void {
  const { config } = services;

  app.get('/login/companyinfo/:companyId', async (req, reply) => {
    const { companyId } = req.params as { companyId: string };
    reply.header('content-type', 'application/json; charset=utf-8');
    if (companyId.toLowerCase() !== config.psa.companyId.toLowerCase()) return reply.send('null');
    return reply.send({
      CompanyName: config.psa.companyName,
      Codebase: `${config.psa.codebase}/`,
      VersionCode: `v${API_VERSION}`,
      VersionNumber: `v${API_VERSION}.0`,
      CompanyID: config.psa.companyId,
      IsCloud: false,
      SiteUrl: services.publicOrigin().replace(/^https?:\/\//, ''),
    });
  });

  // The ConnectWise resource of each REST route, named in a body's InvalidObject error.
  const resourceOf = new Map<string, string>();
  installInputChecks(app, (req) => resourceOf.get(`${req.method} ${req.routeOptions.url}`));
  for (const endpoint of ENDPOINTS) {
    const url = `${API_PREFIX}${fastifyPath(endpoint.path)}`;
    if (endpoint.operation.kind === 'resource')
      resourceOf.set(`${endpoint.method} ${url}`, services.engine.def(endpoint.operation.resource).resource);
    app.route({
      method: endpoint.method,
      url,
      preHandler: async (req) => authorize(req, endpoint, services),
      handler: async (req, reply) => handle(req, reply, endpoint, services),
    });
  }

  // The one onSend hook of the PSA app: every response's headers, x-request-id included.
  app.addHook('onSend', (req, reply, payload, done) => {
    // A route may ask for more (the admin API's `no-store`, e.g. on the response carrying a new
    // private key); overwriting it would let a cache keep a secret.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
    reply.header('pragma', 'no-cache');
    reply.header('x-frame-options', 'SAMEORIGIN');
    reply.header('x-cw-request-id', req.id);
    reply.header(REQUEST_ID_HEADER, req.id);
    if (req.url.includes('/apis/3.0')) reply.header('api-current-version', API_VERSION);
    if (services.tls) reply.header('strict-transport-security', 'max-age=31536000');
    done(null, payload);
  });

  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    const m = /^\/[^/]+\/apis\/3\.0(\/.*)$/i.exec(path);
    if (m) {
      const rel = m[1]!;
      const samepath = ENDPOINT_PATTERNS.filter(({ re }) => re.test(rel));
      if (samepath.length > 0) {
        const allowed = [...new Set(samePath(samepath))].join(', ');
        reply.header('allow', allowed);
        return reply
          .status(405)
          .send(
            new PsaError(
              'MethodNotAllowed',
              `The requested resource does not support http method '${req.method}'.`,
            ).toBody(),
          );
      }
      if (CW_PATTERNS.some((re) => re.test(rel))) {
        return reply
          .status(501)
          .send(
            new PsaError(
              'NotImplemented',
              `${req.method} ${rel} exists in ConnectWise but is not implemented in Parasol.`,
            ).toBody(),
          );
      }
    }
    return reply
      .status(404)
      .send({ code: 'ConnectWiseApi', message: 'The endpoint does not exist.', errors: null });
  });
}

/**
 * API Logs list calls made with a member's keys; the admin UI's session calls are not among them.
 * Called by the PSA app's onResponse hook (server.ts); the rows are written in batches (api-log.ts).
 */
export function logApiCall(req: FastifyRequest, reply: FastifyReply, services: PsaServices): void {
  const p = req.principal;
  if (!p || p.keyId === null) return;
  services.apiLog.add({
    memberId: p.memberId,
    keyId: p.keyId,
    at: cwDate(services.clock.now()),
    method: req.method,
    path: redactUrl(req.url.split('?', 1)[0]!),
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 100) / 100,
  });
}

function samePath(list: Array<{ e: Endpoint }>): string[] {
  return list.map(({ e }) => e.method);
}

/**
 * Revoked keys and inactive members are named only to a caller who proved it holds the key pair
 * (the private key matched), so the message helps an admin fix the integration without telling a
 * guesser anything.
 */
function unauthorizedMessage(reason: VerifyFailure): string {
  if (reason === 'revoked') return 'This API key has been revoked; create a new key for the member.';
  if (reason === 'inactive-member') return 'The member these API keys belong to is inactive.';
  if (reason === 'inactive-role') return "The member's security role is inactive.";
  return 'Your credentials are invalid.';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function keyPrincipal(req: FastifyRequest, services: PsaServices): Promise<Principal> {
  const clientId = req.headers.clientid;
  if (typeof clientId !== 'string' || clientId.trim() === '' || clientId.length > 100) {
    services.metrics.authFailures.inc({ reason: 'clientId' });
    throw new PsaError(
      'Unauthorized',
      'clientId header is required: register one at ConnectWise and send it as the clientId header.',
    );
  }
  // ConnectWise issues client ids as GUIDs; anything else cannot be a registered integration.
  if (services.config.psa.requireGuidClientId && !GUID.test(clientId.trim())) {
    services.metrics.authFailures.inc({ reason: 'clientId' });
    throw new PsaError(
      'Unauthorized',
      'clientId is not a registered client id (ConnectWise client ids are GUIDs).',
    );
  }
  const verified = await services.verifier.verify(req.headers.authorization);
  if (!verified.ok) {
    services.metrics.authFailures.inc({ reason: verified.reason });
    req.log.info({ reason: verified.reason }, 'API authentication failed');
    throw new PsaError('Unauthorized', unauthorizedMessage(verified.reason));
  }
  return verified.principal;
}

async function authorize(req: FastifyRequest, endpoint: Endpoint, services: PsaServices): Promise<void> {
  // The admin UI calls these routes with a member's session; everyone else with an API key.
  const principal = (await sessionPrincipal(req, services)) ?? (await keyPrincipal(req, services));
  req.principal = principal;
  const wait = services.limiter.take(
    principal.keyId === null ? `member:${principal.memberId}` : `key:${principal.keyId}`,
  );
  if (wait > 0) {
    throw Object.assign(
      new PsaError('TooManyRequests', `Too many requests. Please try again in ${wait} seconds.`),
      {
        retryAfter: wait,
      },
    );
  }
  let scope: 'All' | 'My' = 'All';
  if (endpoint.access.kind === 'permission') {
    const decision = evaluate(principal.role, {
      function: endpoint.access.function,
      action: endpoint.access.action,
      ...(endpoint.access.tableSetupItem ? { tableSetupItem: endpoint.access.tableSetupItem } : {}),
    });
    if (!decision.allowed) throw forbidden(decision);
    scope = decision.scope;
  }
  const codebase = (req.params as { codebase: string }).codebase;
  req.cwContext = {
    caller: {
      memberId: principal.memberId,
      identifier: principal.identifier,
      name: principal.name,
      role: principal.role,
      keyId: principal.keyId,
    },
    now: cwDate(services.clock.now()),
    apiBase: `${services.publicOrigin()}/${codebase}/apis/3.0`,
    scope,
    companyId: services.config.psa.companyId,
  };
}

async function handle(req: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, services: PsaServices) {
  const ctx = req.cwContext!;
  const params = req.params as Record<string, string>;
  const query = (req.query ?? {}) as Query;
  const op = endpoint.operation;
  if (op.kind === 'resource') {
    const def = services.engine.def(op.resource);
    const parents = parentIdsOf(params, parentLabels(def, services));
    const idParam = (raw: string | undefined) => pathId(raw, 'id', def.label);
    switch (op.method) {
      case 'list':
      case 'search': {
        const lp = listParams(query, req);
        if (op.method === 'search') {
          const body = req.body as { conditions?: unknown } | undefined;
          if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
            throw badRequest('The search body must be a JSON object such as {"conditions": "..."}.');
          }
          if (body?.conditions !== undefined) {
            if (typeof body.conditions !== 'string') throw badRequest('conditions must be a string.');
            lp.conditions = body.conditions;
          }
        }
        const result = await services.engine.listJson(ctx, def, parents, lp);
        const { url, query: qs } = requestUrl(req, services);
        if (lp.forwardOnly)
          reply.header('link', forwardOnlyLink(url, qs, result.pageSize, result.nextPageId));
        else {
          const link = navigableLink(url, qs, result.page, result.pageSize, result.total ?? 0);
          if (link) reply.header('link', link);
        }
        return sendJson(reply, jsonArray(result.json));
      }
      case 'count':
        return { count: await services.engine.count(ctx, def, parents, listParams(query, req)) };
      case 'get':
        return services.engine.get(ctx, def, parents, idParam(params.id), listParams(query, req).fields);
      case 'create':
        reply.status(201);
        return project(await services.engine.create(ctx, def, parents, req.body), query);
      case 'replace':
        return project(await services.engine.replace(ctx, def, parents, idParam(params.id), req.body), query);
      case 'patch':
        return project(await services.engine.patch(ctx, def, parents, idParam(params.id), req.body), query);
      case 'delete':
        await services.engine.remove(ctx, def, parents, idParam(params.id));
        reply.status(204);
        return reply.send();
    }
  }
  const handler = SPECIAL_HANDLERS[op.name];
  if (!handler) throw new PsaError('InternalError', `no handler for ${op.name}`);
  return handler({ ctx, params, query, body: req.body, reply, parentIds: parentIdsOf(params), services });
}

/** A serialised answer, with the content type Fastify gives an object it serialises. */
function sendJson(reply: FastifyReply, json: Buffer): FastifyReply {
  return reply.header('content-type', 'application/json; charset=utf-8').send(json);
}

/** Labels of a resource's parents, outermost first (`['Board', 'Item']`). */
function parentLabels(def: ReturnType<PsaServices['engine']['def']>, services: PsaServices): string[] {
  const out: string[] = [];
  for (let d = def; d.parent; ) {
    d = services.engine.def(d.parent.resource);
    out.unshift(d.label);
  }
  return out;
}

/** `fields=` applies to POST/PUT/PATCH responses too (ConnectWise's partial responses). */
function project(record: Record<string, unknown>, query: Query) {
  const fields = listFields(query);
  if (!fields) return record;
  const parsed = parseFields(fields);
  if (!parsed.ok) throw badRequest(`fields: ${parsed.error.message}`);
  return projectFields(record, parsed.value);
}

function listFields(query: Query): string | undefined {
  const key = Object.keys(query).find((k) => k.toLowerCase() === 'fields');
  return key === undefined ? undefined : query[key];
}
