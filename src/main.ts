// Composition root: configuration → platform (logs, storage, metrics, TLS, keyring) → products
// (the PSA and the console, which reaches any PSA only through its ConnectWise client) → servers
// and background work, by role: 'api' serves HTTP only, 'worker' runs the background work
// only (delivery, schedules, callbacks, ingestion pollers), 'all' both.
import type { FastifyInstance } from 'fastify';
import { type Background, type BackgroundOptions, startBackground } from './background.js';
import { delivery } from './console/delivery/index.js';
import { engineMetrics } from './console/engine/metrics.js';
import { buildConsoleApp } from './console/http/server.js';
import type { ConsoleServices } from './console/service/services.js';
import { openParasol } from './open.js';
import type { Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import type { Storage } from './platform/db.js';
import type { Logger } from './platform/logger.js';
import { type Metrics, registerClusterGauges } from './platform/metrics.js';
import { startOperationsServer } from './platform/operations.js';
import { loadOrCreateTls, type TlsMaterial } from './platform/tls.js';
import { buildPsaApp } from './psa/http/server.js';
import { configuredOrigin, type PsaServices } from './psa/service/services.js';

export { type OpenOptions, openParasol, openPsa } from './open.js';

export type Role = 'api' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['api', 'worker', 'all'];

export interface Running {
  psa: { url: string; app: FastifyInstance; services: PsaServices; certFile?: string | undefined };
  console: { url: string; app: FastifyInstance; services: ConsoleServices };
  storage: Storage;
  logger: Logger;
  close(): Promise<void>;
}

function displayUrl(host: string, address: string, tls: boolean): string {
  return configuredOrigin(tls ? 'https' : 'http', host, Number(new URL(address).port));
}

/** Gauges every role reports: the outbox (depth, oldest pending), ingest totals, PSA circuits. */
function registerGauges(opened: Awaited<ReturnType<typeof openParasol>>, metrics: Metrics): void {
  const outbox = delivery(opened.console).outbox;
  engineMetrics(metrics, () => outbox.stats(opened.console.clock.now().getTime()));
  registerClusterGauges(metrics, opened.storage.db);
}

/** An API process runs no delivery workers and takes no part in the schedules. */
function forRole(config: Config, role: Role): Config {
  return role === 'api'
    ? { ...config, console: { ...config.console, deliveryWorkers: 0, schedules: false } }
    : config;
}

export async function startParasol(
  config: Config,
  options: { clock?: Clock; logger?: Logger; role?: 'api' | 'all'; background?: BackgroundOptions } = {},
): Promise<Running> {
  const role = options.role ?? 'all';
  const useTls = !config.psa.allowHttp;
  const opened = await openParasol(forRole(config, role), { ...options, tls: useTls });
  const { storage, logger } = opened;
  registerGauges(opened, opened.metrics);
  const tls: TlsMaterial | undefined = useTls
    ? loadOrCreateTls({
        dataDir: config.dataDir,
        certFile: config.psa.tlsCertFile,
        keyFile: config.psa.tlsKeyFile,
        hostnames: [config.psa.host, config.console.host],
      })
    : undefined;
  if (tls?.replacedCa)
    logger.warn(
      { certFile: tls.certFile, kept: `${tls.certFile}${tls.replacedCa}` },
      'the generated TLS certificate was a CA (an older version made it so): replaced by a leaf certificate with a new key; give the new certificate to every client and provider that trusted the old one',
    );
  const psaApp = await buildPsaApp(opened.psa, { https: tls });
  const psaAddress = await psaApp.listen({ host: config.psa.host, port: config.psa.port });
  opened.psa.setListenOrigin(displayUrl(config.psa.host, psaAddress, useTls));
  const psaUrl = config.psa.publicUrl ?? displayUrl(config.psa.host, psaAddress, useTls);
  const consoleApp = await buildConsoleApp(opened.console, { https: tls });
  const consoleAddress = await consoleApp.listen({ host: config.console.host, port: config.console.port });
  const consoleUrl = config.console.publicUrl ?? displayUrl(config.console.host, consoleAddress, useTls);
  let background: Background | undefined;
  try {
    if (role === 'all') background = await startBackground(opened, options.background);
  } catch (e) {
    // A misspelt --watch provider: nothing keeps running.
    await consoleApp.close();
    await psaApp.close();
    await storage.close();
    throw e;
  }
  return {
    psa: { url: psaUrl, app: psaApp, services: opened.psa, certFile: tls?.certFile },
    console: { url: consoleUrl, app: consoleApp, services: opened.console },
    storage,
    logger,
    async close() {
      await background?.stop();
      await consoleApp.close();
      await psaApp.close();
      await storage.close();
    },
  };
}

export interface RunningWorker {
  storage: Storage;
  logger: Logger;
  console: ConsoleServices;
  /** The operations server's URL (/healthz, /readyz, /metrics) when one was asked for. */
  opsUrl: string | undefined;
  close(): Promise<void>;
}

/** A worker process: no API servers; the background work, and optionally a small operations server. */
export async function startWorker(
  config: Config,
  options: {
    clock?: Clock;
    logger?: Logger;
    background?: BackgroundOptions;
    ops?: { host: string; port: number };
  } = {},
): Promise<RunningWorker> {
  const opened = await openParasol(config, { ...options, tls: !config.psa.allowHttp });
  const { storage, logger } = opened;
  registerGauges(opened, opened.metrics);
  let background: Background | undefined;
  let ops: Awaited<ReturnType<typeof startOperationsServer>> | undefined;
  try {
    background = await startBackground(opened, options.background);
    if (options.ops)
      ops = await startOperationsServer({
        storage,
        metrics: opened.metrics,
        logger,
        role: 'worker',
        ...options.ops,
      });
  } catch (e) {
    await background?.stop();
    await storage.close();
    throw e;
  }
  return {
    storage,
    logger,
    console: opened.console,
    opsUrl: ops?.url,
    async close() {
      await ops?.close();
      await background?.stop();
      await storage.close();
    },
  };
}
