// The background work of a worker process (X-2; `parasol start --role worker|all`): the PSA's
// callback dispatcher, the console's delivery workers and cluster-wide schedules, the Umbrella
// Reporting API poll (a cluster-wide schedule: once per interval per cluster), and the watched
// ingest locations (folders or s3:// prefixes that this process scans; every process may scan the
// same location — each file is claimed with a lease and counted once).
import { delivery } from './console/delivery/index.js';
import { every } from './console/engine/scheduler.js';
import { ingestion } from './console/ingest/index.js';
import type { S3Options } from './console/ingest/s3.js';
import type { ConsoleServices } from './console/service/services.js';
import { remoteSources } from './console/sources-remote/index.js';
import { UMBRELLA_SOURCE } from './console/sources-remote/umbrella-settings.js';
import type { Storage } from './platform/db.js';
import type { Logger } from './platform/logger.js';
import { CallbackDispatcher } from './psa/service/callback-dispatcher.js';
import type { PsaServices } from './psa/service/services.js';

/** A location a worker scans for new Umbrella DNS log files of one provider. */
export interface WatchedLocation {
  /** Provider name or id. */
  provider: string;
  /** A local folder or s3://bucket/prefix. */
  location: string;
}

export interface BackgroundOptions {
  watch?: readonly WatchedLocation[];
  /** Pause between two scans of a watched location (default 60 s). */
  watchIntervalMs?: number;
  /** Files of a watched location processed at once by this process (default 2). */
  ingestConcurrency?: number;
  s3?: S3Options;
  /** Minutes between two Umbrella Reporting API polls of the cluster (default 10; 0 = never). */
  umbrellaPollMinutes?: number;
}

export interface Background {
  stop(): Promise<void>;
}

/** `name=location` (first '=' splits) → a watched location; the text names what is wrong. */
export function parseWatch(text: string): WatchedLocation {
  const eq = text.indexOf('=');
  const provider = eq > 0 ? text.slice(0, eq).trim() : '';
  const location = eq > 0 ? text.slice(eq + 1).trim() : '';
  if (!provider || !location)
    throw new Error(`--watch must be PROVIDER=LOCATION (a folder or s3://bucket/prefix), not '${text}'`);
  return { provider, location };
}

async function resolveProvider(services: ConsoleServices, nameOrId: string): Promise<number> {
  const p = /^\d+$/.test(nameOrId)
    ? await services.store.getProvider(Number(nameOrId))
    : await services.store.findProviderByName(nameOrId);
  if (!p) throw new Error(`--watch: provider '${nameOrId}' not found (see parasol console provider list)`);
  return p.id;
}

/** Scans one location now and then until stopped; never throws (a failed scan is logged and retried). */
function watchLoop(
  services: ConsoleServices,
  logger: Logger,
  providerId: number,
  w: WatchedLocation,
  options: BackgroundOptions,
): Background {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<void> = Promise.resolve();
  const scan = async () => {
    try {
      const s = await ingestion(services).ingestPath(providerId, w.location, {
        concurrency: options.ingestConcurrency ?? 2,
        ...(options.s3 ? { s3: options.s3 } : {}),
      });
      if (s.ingested + s.failed > 0)
        logger.info(
          {
            providerId,
            location: w.location,
            ingested: s.ingested,
            failed: s.failed,
            busy: s.busy,
            rows: s.rows,
            badRows: s.badRows,
            unrouted: s.unrouted,
          },
          'watched location ingested',
        );
    } catch (e) {
      logger.warn(
        { providerId, location: w.location, err: (e as Error).message },
        'watched location: scan failed',
      );
    }
  };
  const loop = () => {
    scanning = scan().finally(() => {
      if (!stopped) timer = setTimeout(loop, options.watchIntervalMs ?? 60_000);
    });
  };
  timer = setTimeout(loop, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await scanning;
    },
  };
}

/** Providers whose Umbrella Reporting API settings are enabled. */
async function umbrellaProviders(storage: Storage): Promise<number[]> {
  const rows = await storage.db
    .selectFrom('con_source_credential')
    .select('provider_id')
    .where('source', '=', UMBRELLA_SOURCE)
    .where('enabled', '=', 1)
    .execute();
  return rows.map((r) => Number(r.provider_id));
}

export async function startBackground(
  parts: { storage: Storage; logger: Logger; psa: PsaServices; console: ConsoleServices },
  options: BackgroundOptions = {},
): Promise<Background> {
  const { storage, logger, console: services } = parts;
  // Resolve every watched provider first: a misspelt one stops the start with its name.
  const watched: Array<[number, WatchedLocation]> = [];
  for (const w of options.watch ?? []) watched.push([await resolveProvider(services, w.provider), w]);

  // PSA-8: sends the callback deliveries that record changes enqueue (rows claimed with leases).
  const callbacks = new CallbackDispatcher({ storage, clock: parts.psa.clock, logger });
  callbacks.start();
  // CON-9: this process's delivery workers and the cluster-wide schedules.
  const deliveries = delivery(services);
  // CON-5 b: the Umbrella Reporting API, polled once per interval by whichever process wins — on the
  // delivery's scheduler (one scheduler, one query a second, per process).
  const minutes = options.umbrellaPollMinutes ?? 10;
  if (services.config.console.schedules && minutes > 0) {
    deliveries.scheduler.register({
      name: 'umbrella-poll',
      next: every(minutes * 60_000),
      run: async () => {
        for (const providerId of await umbrellaProviders(storage)) {
          try {
            const reports = await remoteSources(services).pollUmbrella(providerId);
            logger.info({ providerId, organizations: reports.length }, 'Umbrella Reporting API polled');
          } catch (e) {
            logger.warn({ providerId, err: (e as Error).message }, 'Umbrella Reporting API poll failed');
          }
        }
      },
    });
  }
  deliveries.start();
  const loops = watched.map(([providerId, w]) => watchLoop(services, logger, providerId, w, options));
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      await deliveries.stop();
      deliveries.scheduler.unregister('umbrella-poll');
      await callbacks.stop();
    },
  };
}
