// The remote sources of the console (CON-5 b, c, d), composed on top of the console's services:
// ingest tokens and the NDJSON endpoint, Umbrella Reporting API settings and polling, DNSFilter files.
// Built once per ConsoleServices (the route table and the CLI reach them through `remoteSources`).
import type { FastifyRequest } from 'fastify';
import type { AggregateOptions } from '../aggregate/index.js';
import type { IngestSummary } from '../ingest/index.js';
import { ConsoleError } from '../service/errors.js';
import type { ConsoleServices } from '../service/services.js';
import { createCoreSink } from './core-adapter.js';
import { type DnsfilterFileOutcome, dnsfilterSummary, ingestDnsfilterPath } from './dnsfilter-file.js';
import { type IngestCaller, IngestTokenService } from './ingest-tokens.js';
import { RemoteSourceStore } from './remote-store.js';
import type { EventSink } from './sink.js';
import { ingestUmbrella, type UmbrellaIngestOptions, type UmbrellaOrgReport } from './umbrella-ingest.js';
import { type UmbrellaClientOptions, UmbrellaReportingClient } from './umbrella-reporting.js';
import { UmbrellaSettingsService } from './umbrella-settings.js';

export interface RemoteSources {
  store: RemoteSourceStore;
  tokens: IngestTokenService;
  umbrella: UmbrellaSettingsService;
  sink: EventSink;
  /** Polls the Reporting API for every 'umbrella-org' binding of the provider. */
  pollUmbrella(
    providerId: number,
    options?: {
      client?: UmbrellaClientOptions;
      ingest?: Partial<Omit<UmbrellaIngestOptions, 'providerId' | 'client' | 'sink'>>;
    },
  ): Promise<UmbrellaOrgReport[]>;
  /**
   * `parasol ingest PATH --format dnsfilter`: every DNSFilter export under PATH (or the one file), one
   * unit per file, exactly once; events routed by 'dnsfilter-network' bindings.
   */
  ingestDnsfilter(
    providerId: number,
    target: string,
    options?: { aggregate?: Partial<AggregateOptions> },
  ): Promise<IngestSummary>;
}

const built = new WeakMap<ConsoleServices, RemoteSources>();

export function remoteSources(services: ConsoleServices): RemoteSources {
  const existing = built.get(services);
  if (existing) return existing;
  const store = new RemoteSourceStore(services.storage.db);
  const umbrella = new UmbrellaSettingsService(store, services.store, services.keyring, services.clock);
  const sources: RemoteSources = {
    store,
    tokens: new IngestTokenService(store, services.store, services.clock),
    umbrella,
    sink: createCoreSink(services),
    async ingestDnsfilter(providerId, target, options = {}) {
      const started = Date.now();
      if (!(await services.store.getProvider(providerId)))
        throw new ConsoleError('not-found', 'provider not found');
      if (/^s3:\/\//i.test(target))
        throw new ConsoleError(
          'invalid',
          'DNSFilter exports are read from a local file or folder, not from S3.',
        );
      let outcomes: DnsfilterFileOutcome[];
      try {
        const sink = options.aggregate
          ? createCoreSink(services, { aggregate: options.aggregate })
          : sources.sink;
        outcomes = await ingestDnsfilterPath(sink, providerId, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === undefined) throw e;
        throw new ConsoleError('invalid', `cannot read ${target}: ${(e as Error).message}`);
      }
      return dnsfilterSummary(target, outcomes, Date.now() - started);
    },
    async pollUmbrella(providerId, options = {}) {
      if (polling.has(providerId))
        throw new ConsoleError(
          'conflict',
          'The Umbrella Reporting API is being read for this provider right now.',
        );
      polling.add(providerId);
      try {
        return await poll(providerId, options);
      } finally {
        polling.delete(providerId);
      }
    },
  };
  const polling = new Set<number>();
  const poll: RemoteSources['pollUmbrella'] = async (providerId, options = {}) => {
    const conn = await umbrella.connection(providerId);
    if (!conn.enabled)
      throw new ConsoleError(
        'invalid',
        'The Umbrella Reporting API is not enabled: enable it in its settings first.',
      );
    const orgs = await services.storage.db
      .selectFrom('con_source_binding')
      .select('value')
      .where('provider_id', '=', providerId)
      .where('kind', '=', 'umbrella-org')
      .orderBy('value')
      .execute();
    if (orgs.length === 0) return [];
    const client = new UmbrellaReportingClient(conn.credentials, {
      baseUrl: conn.baseUrl,
      ...options.client,
    });
    try {
      return await ingestUmbrella(
        {
          now: () => services.clock.now().getTime(),
          ...options.ingest,
          providerId,
          client,
          sink: sources.sink,
        },
        orgs.map((o) => o.value.trim()),
      );
    } finally {
      await client.close();
    }
  };
  built.set(services, sources);
  return sources;
}

const callers = new WeakMap<FastifyRequest, IngestCaller>();

/** For the server's guard: authenticates an ingest-token request and remembers its caller. */
export async function authenticateIngestRequest(
  services: ConsoleServices,
  req: FastifyRequest,
): Promise<void> {
  callers.set(req, await remoteSources(services).tokens.authenticate(req.headers.authorization));
}

/** The caller the guard authenticated for this request. */
export function ingestCallerOf(req: FastifyRequest): IngestCaller {
  const c = callers.get(req);
  if (!c) throw new Error('ingest-token route reached without the guard');
  return c;
}
