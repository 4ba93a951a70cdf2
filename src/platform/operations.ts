// What every Parasol HTTP server answers for operators: `/healthz` (the process is up),
// `/readyz` (the database answers and every migration is applied: 503 otherwise), `/metrics`
// (Prometheus text), and request ids — a caller's sane `x-request-id` is kept, otherwise a UUID is
// made; Fastify binds it to every log line of the request (`reqId`) and it is echoed in the response.
// A worker process, which serves no API, can run these three on a small plain-HTTP server of its own.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Storage } from './db.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { migrations } from './migrations/index.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Fastify's genReqId: the caller's x-request-id when it is 1 to 100 safe characters, else a UUID. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

export interface Readiness {
  ready: boolean;
  database: 'ok' | string;
  migrations: 'ok' | string;
}

const READY_TIMEOUT_MS = 2_000;

/** Checks the database with `select 1` and the applied migrations against the code's list. */
export function readinessCheck(storage: Storage): () => Promise<Readiness> {
  const expected = Object.keys(migrations);
  let migrated = false; // applied migrations never go away: once complete, not asked again
  const check = async (): Promise<Readiness> => {
    try {
      await sql`select 1`.execute(storage.db);
    } catch (e) {
      return { ready: false, database: `unreachable: ${(e as Error).message}`, migrations: 'unknown' };
    }
    if (!migrated) {
      try {
        const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(storage.db);
        const applied = new Set(rows.map((r) => r.name));
        const missing = expected.filter((m) => !applied.has(m));
        if (missing.length > 0)
          return { ready: false, database: 'ok', migrations: `not applied: ${missing.join(', ')}` };
        migrated = true;
      } catch (e) {
        return { ready: false, database: 'ok', migrations: `unknown: ${(e as Error).message}` };
      }
    }
    return { ready: true, database: 'ok', migrations: 'ok' };
  };
  return () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Readiness>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ready: false,
            database: `no answer within ${READY_TIMEOUT_MS} ms`,
            migrations: 'unknown',
          }),
        READY_TIMEOUT_MS,
      );
    });
    return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
  };
}

/** Registers /healthz, /readyz and /metrics, and echoes the request id on every response. */
export function registerOperations(
  app: FastifyInstance,
  options: {
    storage: Storage;
    metrics: Metrics;
    role?: string;
    /** The app's own onSend hook echoes the request id (one hook per response instead of two). */
    echoesRequestId?: boolean;
  },
): void {
  const ready = readinessCheck(options.storage);
  watchConnections(app);
  // Callback-style hooks: an async hook costs a promise and a microtask turn on every request.
  if (!options.echoesRequestId)
    app.addHook('onSend', (req: FastifyRequest, reply, payload, done) => {
      reply.header(REQUEST_ID_HEADER, req.id);
      done(null, payload);
    });
  app.get('/healthz', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok', ...(options.role ? { role: options.role } : {}) };
  });
  app.get('/readyz', async (_req, reply) => {
    const r = await ready();
    reply.header('cache-control', 'no-store');
    return reply.status(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', ...r });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', options.metrics.registry.contentType);
    reply.header('cache-control', 'no-store');
    return options.metrics.registry.metrics();
  });
}

/**
 * No request ends silently: every "incoming request" line is followed by "request completed", by
 * "request aborted" (the client went away first) or, for a connection the server refused to parse
 * (a malformed request, a header or request timeout), by "connection closed by a client error"
 * with its code — Fastify answers those at trace level only, which left dropped keep-alive requests
 * with no trace in the log.
 */
function watchConnections(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished)
        req.log.info('request aborted: the connection closed before the answer was sent');
    });
    done();
  });
  app.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A client hanging up (ECONNRESET) is ordinary; anything else means a request got no answer.
    const level = err.code === 'ECONNRESET' ? 'debug' : 'warn';
    app.log[level](
      { code: err.code, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort },
      'connection closed by a client error',
    );
  });
}

/** The worker's small plain-HTTP server with only /healthz, /readyz and /metrics. */
export async function startOperationsServer(options: {
  storage: Storage;
  metrics: Metrics;
  logger: Logger;
  host: string;
  port: number;
  role: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: requestId,
    disableRequestLogging: true,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  registerOperations(app, options);
  const address = await app.listen({ host: options.host, port: options.port });
  return { url: address, close: () => app.close() };
}
