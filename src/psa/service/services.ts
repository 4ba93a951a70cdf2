// Composition of the PSA: stores, the record engine, the admin service, credential verification,
// rate limiting and API logs, wired to one storage, clock and logger.
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Storage } from '../../platform/db.js';
import type { Logger } from '../../platform/logger.js';
import { createMetrics, type Metrics } from '../../platform/metrics.js';
import { SignInGuard } from '../../platform/sign-in-guard.js';
import { ApiLogWriter } from '../http/api-log.js';
import { KeyVerifier } from '../http/key-verifier.js';
import { RateLimiter } from '../http/rate-limit.js';
import { RecordStore } from '../store/records.js';
import { SecurityStore } from '../store/security.js';
import { AdminService } from './admin.js';
import { RecordEngine } from './engine.js';
import { MemberSessionService } from './member-sessions.js';
import { REGISTRY } from './resources.js';

export interface PsaServices {
  config: Config;
  clock: Clock;
  logger: Logger;
  storage: Storage;
  records: RecordStore;
  security: SecurityStore;
  engine: RecordEngine;
  admin: AdminService;
  /** Sign-in of members to the admin UI (sessions, CSRF, lock-out). */
  memberSessions: MemberSessionService;
  verifier: KeyVerifier;
  limiter: RateLimiter;
  apiLog: ApiLogWriter;
  /** Whether the server speaks TLS (adds HSTS). */
  tls: boolean;
  /**
   * `https://host:port` as clients reach this PSA, for Link headers, `_info` hrefs and companyinfo's
   * SiteUrl: PSA_PUBLIC_URL, else the address the server listens on — never the request's Host
   * header, which anyone can set (an unauthenticated caller could otherwise plant its own host in
   * the links other clients follow with their keys).
   */
  publicOrigin(): string;
  /** Told by the composition root once the server listens (its port may have been 0). */
  setListenOrigin(origin: string): void;
  metrics: Metrics;
}

export function createPsaServices(options: {
  config: Config;
  clock: Clock;
  logger: Logger;
  storage: Storage;
  tls: boolean;
  keyCacheTtlMs?: number;
  metrics?: Metrics;
}): PsaServices {
  const { config, clock, logger, storage } = options;
  const records = new RecordStore(storage.db, storage.dialect, storage.readNow);
  const security = new SecurityStore(storage.db);
  const engine = new RecordEngine(records, REGISTRY, {
    async find(ref, trx) {
      let m: Awaited<ReturnType<SecurityStore['findMember']>>;
      if (typeof ref.id === 'number') m = await security.findMember(ref.id, trx);
      else if (typeof ref.identifier === 'string') m = await security.findMember(ref.identifier, trx);
      if (!m) return undefined;
      const name =
        m.kind === 'api' ? String(m.data.name ?? m.identifier) : `${m.firstName} ${m.lastName}`.trim();
      return { id: m.id, identifier: m.identifier, name: name || m.identifier };
    },
  });
  const admin = new AdminService(security, records, clock);
  const verifier = new KeyVerifier(security, clock, config.psa.companyId, options.keyCacheTtlMs ?? 5000);
  admin.onChange((change) => {
    if (change.kind === 'key') verifier.invalidate((p) => p.keyId === change.id);
    else if (change.kind === 'member') verifier.invalidate((p) => p.memberId === change.id);
    else verifier.invalidate((p) => p.roleId === change.id);
  });
  const scheme = options.tls ? 'https' : 'http';
  let listenOrigin: string | undefined;
  return {
    config,
    clock,
    logger,
    storage,
    records,
    security,
    engine,
    admin,
    memberSessions: new MemberSessionService(
      storage.db,
      security,
      clock,
      new SignInGuard(storage.db, clock, 'psa', config.signInAttemptsPerMinute, logger),
    ),
    verifier,
    limiter: new RateLimiter(config.psa.rateLimitPerMinute, clock),
    apiLog: new ApiLogWriter(security, logger),
    tls: options.tls,
    metrics: options.metrics ?? createMetrics(),
    publicOrigin() {
      if (config.psa.publicUrl) return config.psa.publicUrl.replace(/\/$/, '');
      return listenOrigin ?? configuredOrigin(scheme, config.psa.host, config.psa.port);
    },
    setListenOrigin(origin) {
      listenOrigin = origin.replace(/\/$/, '');
    },
  };
}

/** `scheme://host:port` from the configuration; a wildcard listen address is shown as localhost. */
export function configuredOrigin(scheme: string, host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  return `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
