// The console's HTTP application: sign-in with session cookies, CSRF on every change, roles per
// route from the route table, errors as `{error, message, issues}`, security headers, OpenAPI.

import { timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { badUrlMessage, findInputProblem } from '../../platform/input-guard.js';
import { registerOperations, requestId } from '../../platform/operations.js';
import { ConnectWiseError } from '../psa-client/types.js';
import { ConsoleError } from '../service/errors.js';
import type { ConsoleServices } from '../service/services.js';
import { authenticateIngestRequest } from '../sources-remote/index.js';
import { NDJSON_CONTENT_TYPE } from '../sources-remote/ndjson-endpoint.js';
import { registerConsoleWeb } from './console-web.js';
import { consoleOpenApi } from './openapi.js';
import { CONSOLE_ROUTES, type ConsoleRoute, SESSION_COOKIE } from './routes.js';

export const CONSOLE_BODY_LIMIT = 5 * 1024 * 1024;

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function guard(req: FastifyRequest, route: ConsoleRoute, services: ConsoleServices) {
  if (route.access === 'public') return undefined;
  if (route.access === 'ingest-token') {
    // Collectors send no cookie: their bearer ingest token names the provider (no session, no CSRF).
    await authenticateIngestRequest(services, req);
    return undefined;
  }
  const session = await services.auth.authenticate(req.cookies[SESSION_COOKIE]);
  if (!session) throw ConsoleError.keyed('unauthorized', 'session.required');
  if (route.method !== 'GET') {
    const sent = req.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !sameToken(sent, session.csrfToken)) {
      throw ConsoleError.keyed('forbidden', 'session.csrf');
    }
  }
  if (route.access === 'admin' && session.user.role !== 'admin') {
    throw ConsoleError.keyed('forbidden', 'access.readOnly');
  }
  return session;
}

function translate(error: FastifyError): ConsoleError | undefined {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new ConsoleError('invalid', 'Send JSON (or text/csv where the API says so).');
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new ConsoleError('invalid', `The body is larger than ${CONSOLE_BODY_LIMIT} bytes.`);
  if (error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError) {
    return new ConsoleError('invalid', `The body is not valid JSON: ${error.message}`);
  }
  if (typeof error.statusCode === 'number' && error.statusCode < 500)
    return new ConsoleError('invalid', error.message);
  return undefined;
}

export async function buildConsoleApp(
  services: ConsoleServices,
  options: { https?: { cert: string; key: string } | undefined; version?: string } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.logger,
    ...(options.https ? { https: options.https } : {}),
    bodyLimit: CONSOLE_BODY_LIMIT,
    // Every log line of a request carries its id (reqId); the response echoes it (x-request-id).
    genReqId: requestId,
    // Errors before routing (a path whose percent-escapes are not UTF-8), in the console's shape too.
    frameworkErrors: (error: Error, _req: unknown, reply: FastifyReply) =>
      reply.status(400).send(new ConsoleError('invalid', badUrlMessage(error)).toBody()),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  await app.register(cookie);
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  // NDJSON ingest bodies stay a stream: the route reads them after the token check, within its own
  // limits (compressed and decompressed).
  app.addContentTypeParser(NDJSON_CONTENT_TYPE, (_req, payload, done) => done(null, payload));

  app.setErrorHandler((error: FastifyError | ConsoleError, req, reply) => {
    const known =
      error instanceof ConsoleError
        ? error
        : error instanceof ConnectWiseError
          ? // The PSA refused or failed: say so (the message names the call, never the keys).
            new ConsoleError('psa-unavailable', error.message)
          : translate(error as FastifyError);
    if (known) {
      services.metrics.errors.inc({ product: 'console', code: known.kind });
      if (known.retryAfterSeconds !== undefined) reply.header('retry-after', String(known.retryAfterSeconds));
      return reply.status(known.status).send(known.toBody());
    }
    services.metrics.errors.inc({ product: 'console', code: 'internal' });
    req.log.error({ err: error }, 'unexpected console error');
    return reply
      .status(500)
      .send({ error: 'internal', message: `An unexpected error occurred (request ${req.id}).` });
  });
  // Before any handler (issue 13): no NUL or lone surrogate in any string of the path, query or
  // body, and no id past MAX_ID in the body; both databases then see the same, storable values.
  app.addHook('preValidation', async (req) => {
    for (const [where, value] of [
      ['path', req.params],
      ['query', req.query],
      ['body', req.body],
    ] as const) {
      const p = findInputProblem(value);
      if (p) {
        const field = where === 'body' ? p.field : `The ${where} parameter ${p.field}`;
        throw new ConsoleError('invalid', `${field} ${p.problem}`, [{ path: p.field, message: p.problem }]);
      }
    }
  });
  app.setNotFoundHandler(async (_req, reply) =>
    reply.status(404).send({ error: 'not-found', message: 'No such page or API.' }),
  );

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; object-src 'none'");
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (services.tls) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    services.metrics.httpRequests.inc({
      product: 'console',
      route: req.routeOptions.url ?? 'unmatched',
      method: req.method,
      status: String(reply.statusCode),
    });
  });

  for (const route of CONSOLE_ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (req, reply) => {
        const session = await guard(req, route, services);
        const result = await route.handler({
          services,
          session,
          params: req.params as Record<string, string>,
          query: (req.query ?? {}) as Record<string, string | undefined>,
          body: req.body,
          reply,
        });
        if (route.status) reply.status(route.status);
        if (route.status === 204) return reply.send();
        return result;
      },
    });
  }
  const document = consoleOpenApi(options.version ?? '0.1.0');
  app.get('/api/v1/openapi.json', async () => document);
  // /healthz, /readyz (database reachable, migrations applied) and /metrics.
  registerOperations(app, { storage: services.storage, metrics: services.metrics });
  await registerConsoleWeb(app);
  return app;
}
