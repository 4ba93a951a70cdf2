// Composition of the console: store, keyring, sign-in, accounts, PSA integration (with its
// ConnectWise client and preflight) and company mapping.
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Storage } from '../../platform/db.js';
import type { Keyring } from '../../platform/keyring.js';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import { SignInGuard } from '../../platform/sign-in-guard.js';
import { ConsoleStore } from '../store/console-store.js';
import { AccountsService } from './accounts.js';
import { AuthService } from './auth.js';
import { type ClientFactory, IntegrationService, type PreflightRunner } from './integration.js';
import { MappingService } from './mapping.js';

export interface ConsoleServices {
  config: Config;
  clock: Clock;
  logger: Logger;
  storage: Storage;
  store: ConsoleStore;
  keyring: () => Keyring;
  auth: AuthService;
  accounts: AccountsService;
  integration: IntegrationService;
  mapping: MappingService;
  metrics: Metrics;
  tls: boolean;
}

export function createConsoleServices(options: {
  config: Config;
  clock: Clock;
  logger: Logger;
  storage: Storage;
  keyring: () => Keyring;
  clientFactory: ClientFactory;
  preflight: PreflightRunner;
  metrics: Metrics;
  tls: boolean;
}): ConsoleServices {
  const store = new ConsoleStore(options.storage.db);
  const guard = new SignInGuard(
    options.storage.db,
    options.clock,
    'console',
    options.config.signInAttemptsPerMinute,
    options.logger,
  );
  const integration = new IntegrationService(
    store,
    options.keyring,
    options.clock,
    options.clientFactory,
    options.preflight,
  );
  return {
    config: options.config,
    clock: options.clock,
    logger: options.logger,
    storage: options.storage,
    store,
    keyring: options.keyring,
    auth: new AuthService(store, options.clock, guard),
    accounts: new AccountsService(store, options.clock, guard, options.storage.dialect),
    integration,
    mapping: new MappingService(store, options.clock, (providerId) => integration.client(providerId)),
    metrics: options.metrics,
    tls: options.tls,
  };
}
