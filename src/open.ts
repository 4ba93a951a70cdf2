// Opens storage and builds both products' services without serving HTTP: what every CLI command
// needs, and the first half of `startParasol` (main.ts). Kept apart from main.ts so a command such as
// `parasol psa role list` loads no HTTP server, background work or demo.
import { statSync } from 'node:fs';
import { runPreflight } from './console/preflight/run.js';
import { ConnectWiseClient } from './console/psa-client/client.js';
import type { PsaConnection } from './console/psa-client/types.js';
import { createConsoleServices } from './console/service/services.js';
import { type Clock, systemClock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { openStorage } from './platform/db.js';
import { type Keyring, loadKeyring } from './platform/keyring.js';
import { createLogger, defaultLogFormat, type Logger } from './platform/logger.js';
import { createMetrics } from './platform/metrics.js';
import { createPsaServices } from './psa/service/services.js';

export interface OpenOptions {
  clock?: Clock;
  logger?: Logger;
  tls?: boolean;
}

/** Opens storage and builds both products' services without serving HTTP (CLI commands use this). */
export async function openParasol(config: Config, options: OpenOptions = {}) {
  const logger =
    options.logger ?? createLogger(config.logLevel, undefined, config.logFormat ?? defaultLogFormat());
  const clock = options.clock ?? systemClock;
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const metrics = createMetrics();
  const tls = options.tls ?? !config.psa.allowHttp;
  const psa = createPsaServices({ config, clock, logger, storage, tls, metrics });
  // `parasol keys rotate|remove` rewrite the key file (atomically) from another process while the
  // server runs: a changed file is read again, so values re-sealed under a new key still decrypt.
  let keyring: Keyring | undefined;
  let keyringStamp: string | undefined;
  const stampOf = (file: string): string | undefined => {
    try {
      const st = statSync(file);
      return `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      return undefined;
    }
  };
  const getKeyring = () => {
    if (keyring?.file) {
      const stamp = stampOf(keyring.file);
      if (stamp !== undefined && stamp !== keyringStamp) keyring = undefined;
    }
    if (!keyring) {
      keyring = loadKeyring({ dataDir: config.dataDir, envValue: config.masterKeys });
      keyringStamp = keyring.file ? stampOf(keyring.file) : undefined;
    }
    return keyring;
  };
  const consoleServices = createConsoleServices({
    config,
    clock,
    logger,
    storage,
    keyring: getKeyring,
    metrics,
    tls,
    // A provider's client trusts the public roots plus the CA its own settings name — never this
    // deployment's certificate by default (docs/security.md, "Transport and trust").
    clientFactory: (connection: PsaConnection) =>
      new ConnectWiseClient(connection, {
        onRequest: (info) => {
          metrics.psaCalls.inc({
            method: info.method,
            status: String(info.status ?? info.error ?? 'none'),
          });
          logger.debug({ psaCall: info }, 'PSA call');
        },
        // ConnectWise throttles integrations that send more than about 1,000 requests a minute.
        budget: { requestsPerMinute: 900 },
      }),
    preflight: (api, settings, options) => runPreflight(api, settings, clock, options),
  });
  return { storage, logger, metrics, psa, console: consoleServices, keyring: getKeyring };
}

/** Kept for CLI commands that only need the PSA. */
export async function openPsa(config: Config, options: OpenOptions = {}) {
  const opened = await openParasol(config, options);
  return { storage: opened.storage, services: opened.psa, logger: opened.logger };
}
