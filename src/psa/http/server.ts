// Builds the PSA's HTTP application: the ConnectWise REST API, the admin API with member sign-in,
// the admin UI, errors in ConnectWise's shape; TLS is on unless plain HTTP was explicitly allowed.
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { badUrlMessage } from '../../platform/input-guard.js';
import { registerOperations, requestId } from '../../platform/operations.js';
import { lazyRequestLogger } from '../../platform/request-logger.js';
import { PsaError } from '../model/errors.js';
import type { PsaServices } from '../service/services.js';
import { registerAdminApi } from './admin-api.js';
import { BODY_LIMIT_BYTES, installErrorHandler } from './errors.js';
import { registerSessionRoutes } from './member-session-http.js';
import { registerPsaOpenApi } from './openapi.js';
import { logApiCall, registerPsaApi } from './psa-api.js';
import { registerWebUi } from './web-ui.js';

export interface PsaAppOptions {
  https?: { cert: string; key: string } | undefined;
}

export async function buildPsaApp(
  services: PsaServices,
  options: PsaAppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.logger,
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      // Form-style decoding (`+` is a space), as axios-based clients such as connectwise-rest send it.
      querystringParser: (text: string) => Object.fromEntries(new URLSearchParams(text)),
    },
    // Every log line of a request carries its id (reqId); the response echoes it (x-request-id).
    genReqId: requestId,
    // The request's child logger is made on its first log line, not for every request.
    childLoggerFactory: lazyRequestLogger,
    keepAliveTimeout: 65_000,
    // Errors before routing (a path whose percent-escapes are not UTF-8), in ConnectWise's shape too.
    frameworkErrors: (error: Error, _req: unknown, reply: FastifyReply) =>
      reply.status(400).send(new PsaError('BadRequest', badUrlMessage(error)).toBody()),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  installErrorHandler(app, (code) => services.metrics.errors.inc({ product: 'psa', code }));
  // Both APIs take JSON only: without Fastify's built-in text/plain parser a text body is a 415
  // (UnsupportedMediaType), not a string handed to the handlers.
  app.removeContentTypeParser('text/plain');
  // Clients such as pyconnectwise send `Content-Type: application/json` on every request, also on a
  // DELETE without a body; that is not an empty JSON document (which would be a 400).
  // Hooks on every request are callback-style: an async hook costs a promise and a microtask turn
  // per request (bench/psa-api.bench.ts).
  app.addHook('onRequest', (req, _reply, done) => {
    const h = req.raw.headers;
    if (req.method === 'DELETE' && h['transfer-encoding'] === undefined && !Number(h['content-length'] ?? 0))
      delete h['content-type'];
    done();
  });
  // One onResponse hook for every response: the request counter, and the API Log of key calls.
  app.addHook('onResponse', (req, reply, done) => {
    services.metrics.httpRequests.inc({
      product: 'psa',
      route: req.routeOptions.url ?? 'unmatched',
      method: req.method,
      status: String(reply.statusCode),
    });
    logApiCall(req, reply, services);
    done();
  });
  // /healthz, /readyz (database reachable, migrations applied) and /metrics; x-request-id is set
  // by the PSA's onSend hook (psa-api.ts) with its other headers.
  registerOperations(app, { storage: services.storage, metrics: services.metrics, echoesRequestId: true });
  await app.register(cookie);
  registerPsaApi(app, services);
  registerAdminApi(app, services);
  registerSessionRoutes(app, services);
  registerPsaOpenApi(app, services);
  await registerWebUi(app);
  app.addHook('onClose', async () => {
    await services.apiLog.flush();
  });
  return app;
}
