// Composition root: configuration → platform (logs, storage, TLS) → products → servers.
import type { FastifyInstance } from 'fastify';
import { type Clock, systemClock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { openStorage, type Storage } from './platform/db.js';
import { createLogger, type Logger } from './platform/logger.js';
import { loadOrCreateTls } from './platform/tls.js';
import { buildPsaApp } from './psa/http/server.js';
import { CallbackDispatcher } from './psa/service/callback-dispatcher.js';
import { createPsaServices, type PsaServices } from './psa/service/services.js';

export interface Running {
  psa: { url: string; app: FastifyInstance; services: PsaServices; certFile?: string | undefined };
  storage: Storage;
  logger: Logger;
  close(): Promise<void>;
}

/** Opens storage and returns the PSA's services, without serving HTTP (CLI commands use this). */
export async function openPsa(
  config: Config,
  options: { clock?: Clock; logger?: Logger; tls?: boolean } = {},
) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const services = createPsaServices({
    config,
    clock: options.clock ?? systemClock,
    logger,
    storage,
    tls: options.tls ?? !config.psa.allowHttp,
  });
  return { storage, services, logger };
}

export async function startParasol(
  config: Config,
  options: { clock?: Clock; logger?: Logger } = {},
): Promise<Running> {
  const useTls = !config.psa.allowHttp;
  const { storage, services, logger } = await openPsa(config, { ...options, tls: useTls });
  const tls = useTls
    ? loadOrCreateTls({
        dataDir: config.dataDir,
        certFile: config.psa.tlsCertFile,
        keyFile: config.psa.tlsKeyFile,
        hostnames: [config.psa.host],
      })
    : undefined;
  const app = await buildPsaApp(services, { https: tls });
  const address = await app.listen({ host: config.psa.host, port: config.psa.port });
  const port = new URL(address).port;
  const host = config.psa.host === '0.0.0.0' || config.psa.host === '::' ? 'localhost' : config.psa.host;
  const url = config.psa.publicUrl ?? `${useTls ? 'https' : 'http'}://${host}:${port}`;
  // PSA-8: sends the callback deliveries that record changes enqueue.
  const callbacks = new CallbackDispatcher({ storage, clock: services.clock, logger });
  callbacks.start();
  return {
    psa: { url, app, services, certFile: tls?.certFile },
    storage,
    logger,
    async close() {
      await callbacks.stop();
      await app.close();
      await storage.close();
    },
  };
}
