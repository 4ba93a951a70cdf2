// Ingestion (CON-5, CON-6): lists the units of a source (a local folder or an S3 prefix), claims
// each one, has a worker thread turn it into aggregate deltas and commits them with the unit's
// record in one transaction (exactly once, see store.ts). Also the source bindings that route
// events to customers, and the read side of the aggregates — all scoped to one provider.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import {
  type AggregateOptions,
  ALL_REQUESTS,
  DEFAULT_AGGREGATE_OPTIONS,
  emptyColumns,
  SECURITY_CATEGORIES,
} from '../aggregate/index.js';
import { parse } from '../service/accounts.js';
import { ConsoleError, notFound } from '../service/errors.js';
import type { ConsoleStore } from '../store/console-store.js';
import { WorkerOutOfMemory, WorkerPool } from './pool.js';
import type { FileProgress, FileResult } from './process-file.js';
import { buildRoutingTable, normalizePrefix, type RoutingTable } from './routing.js';
import type { S3Options } from './s3.js';
import { listLocal, listS3, type UnitCandidate } from './sources.js';
import {
  type FileCommit,
  type IngestStore,
  type StoredBinding,
  type UnitCounts,
  type UnitRecord,
  unitKey,
} from './store.js';
import type { IngestOutcome, IngestUnit, LineError, SourceBindingKind } from './types.js';

export interface IngestProgress {
  files: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** Bytes of files not read (already ingested, busy): in bytesDone, not in any rate. */
  bytesSkipped: number;
  rows: number;
  badRows: number;
  startedAt: number;
}

export interface IngestOptions {
  /** Files processed at once, each on its own worker thread (default 2; 0 = on this thread). */
  concurrency?: number;
  onProgress?: (p: IngestProgress) => void;
  /** For s3:// locations: endpoint of an S3-compatible server, region. */
  s3?: S3Options;
  aggregate?: Partial<AggregateOptions>;
  /**
   * Read every file again, even one known by its name and version (or a failed one), and count it
   * anew, replacing its own earlier contribution — never adding to it; content counted under another
   * name stays a duplicate.
   */
  force?: boolean;
}

export interface UnitReport extends IngestOutcome {
  sourceKey: string;
  version: string;
  bytes: number;
  /** A duplicate by content: the unit (file) that counts the same content. */
  duplicateOf?: string;
  /** Counted, replacing the contribution of this many earlier versions of the same file. */
  replaced?: number;
}

export interface IngestSummary {
  source: string;
  /** Objects the S3 listing returned (after the cursor); files found for a local folder. */
  listed: number;
  files: number;
  ingested: number;
  duplicate: number;
  /** Of the files ingested, those that replaced an earlier version of themselves. */
  replaced: number;
  failed: number;
  busy: number;
  rows: number;
  badRows: number;
  unrouted: number;
  bytes: number;
  elapsedMs: number;
  units: UnitReport[];
}

export const DEFAULT_LEASE_MS = 60_000;

/** Settled units an IngestService remembers (about 20 MB at most). */
const SETTLED_KEPT = 50_000;

/** A unit settled by an earlier run: reported with its stored counts, never read again. */
function settledReport(c: UnitCandidate, u: UnitRecord): UnitReport {
  const base = { sourceKey: c.sourceKey, version: c.version, bytes: c.bytes };
  const earlier = { rows: u.rows, badRows: u.badRows, unrouted: u.unrouted, errors: [] };
  if (u.status === 'done') return { ...base, ...earlier, status: 'duplicate' };
  return { ...base, ...earlier, status: 'failed', reason: `${u.reason ?? 'failed'} (earlier run)` };
}

/** A process-unique owner name: host, pid and a random part (several services may share a process). */
function ownerName(): string {
  return `${hostname()}#${process.pid}#${randomBytes(4).toString('hex')}`;
}

/** True when the owner ran on this host in a process that no longer exists (it was killed). */
export function ownerIsGone(owner: string): boolean {
  const [host, pidText] = owner.split('#');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const KINDS = [
  'umbrella-org',
  'folder-prefix',
  'dnsfilter-network',
  'ndjson-org',
] as const satisfies readonly SourceBindingKind[];

export const bindingSchema = z
  .object({
    kind: z.enum(KINDS),
    value: z.string().trim().min(1).max(1024),
  })
  .strict();

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'a date-time (ISO 8601)')
  .transform((s) => new Date(s).toISOString());

export class IngestService {
  readonly owner = ownerName();
  /** Worker threads by pool size, kept between calls (see pool.ts: idle threads end by themselves). */
  readonly #pools = new Map<number, WorkerPool>();

  constructor(
    readonly store: IngestStore,
    private readonly consoleStore: ConsoleStore,
    private readonly clock: Clock,
    private readonly options: { leaseMs?: number; aggregate?: Partial<AggregateOptions> } = {},
  ) {}

  /**
   * Units this service saw settled, by provider and unit (at most SETTLED_KEPT, oldest dropped first):
   * a settled unit never changes, so a watched folder's next scans need not ask the database again.
   */
  readonly #settled = new Map<string, UnitRecord>();

  /** The candidates settled by an earlier run, by `unitKey`: remembered ones, the others looked up. */
  private async settledAmong(
    providerId: number,
    candidates: readonly UnitCandidate[],
  ): Promise<Map<string, UnitRecord>> {
    const out = new Map<string, UnitRecord>();
    const unknown: IngestUnit[] = [];
    for (const c of candidates) {
      const unit = { providerId, sourceKey: c.sourceKey, version: c.version };
      const key = unitKey(unit);
      const known = this.#settled.get(`${providerId}:${key}`);
      if (known) out.set(key, known);
      else unknown.push(unit);
    }
    if (unknown.length === 0) return out;
    for (const [key, unit] of await this.store.settledUnits(providerId, unknown)) {
      out.set(key, unit);
      this.#settled.set(`${providerId}:${key}`, unit);
      if (this.#settled.size > SETTLED_KEPT) this.#settled.delete(this.#settled.keys().next().value!);
    }
    return out;
  }

  /** The pool of `size` worker threads (created on first use). */
  pool(size: number): WorkerPool {
    let pool = this.#pools.get(size);
    if (!pool) {
      pool = new WorkerPool(size);
      this.#pools.set(size, pool);
    }
    return pool;
  }

  /** Ends the worker threads (a closed service can still ingest: it starts new ones). */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private async customer(providerId: number, customerId: number) {
    const c = await this.consoleStore.getCustomer(providerId, customerId);
    if (!c) throw notFound('customer');
    return c;
  }

  // ---------- bindings ----------

  async listBindings(providerId: number, customerId: number): Promise<StoredBinding[]> {
    await this.customer(providerId, customerId);
    return this.store.listBindings(providerId, customerId);
  }

  async addBinding(
    providerId: number,
    customerId: number,
    input: unknown,
    actor: string,
  ): Promise<StoredBinding> {
    const b = parse(bindingSchema, input, 'binding');
    const value = b.kind === 'folder-prefix' ? normalizePrefix(b.value) : b.value;
    if (value === '')
      throw new ConsoleError('invalid', 'binding is invalid', [{ path: 'value', message: 'empty' }]);
    await this.customer(providerId, customerId);
    const existing = await this.store.findBinding(providerId, b.kind, value);
    if (existing) {
      throw new ConsoleError(
        'conflict',
        existing.customerId === customerId
          ? `this customer already has the ${b.kind} binding '${value}'`
          : `the ${b.kind} '${value}' is bound to another customer (${existing.customerId})`,
      );
    }
    const at = cwDate(this.clock.now());
    const id = await this.store.addBinding(providerId, { customerId, kind: b.kind, value }, at);
    await this.consoleStore.audit({
      providerId,
      at,
      actor,
      action: 'binding.added',
      detail: `customer ${customerId}: ${b.kind} ${value}`,
    });
    return { id, customerId, kind: b.kind, value, createdAt: at };
  }

  async deleteBinding(
    providerId: number,
    customerId: number,
    bindingId: number,
    actor: string,
  ): Promise<void> {
    await this.customer(providerId, customerId);
    const gone = (await this.store.listBindings(providerId, customerId)).find((b) => b.id === bindingId);
    if (!gone || !(await this.store.deleteBinding(providerId, customerId, bindingId)))
      throw notFound('binding');
    await this.consoleStore.audit({
      providerId,
      at: cwDate(this.clock.now()),
      actor,
      action: 'binding.removed',
      detail: `customer ${customerId}: ${gone.kind} ${gone.value}`,
    });
  }

  // ---------- aggregates (read) ----------

  async daily(
    providerId: number,
    customerId: number,
    query: { from?: string | undefined; to?: string | undefined },
  ) {
    await this.customer(providerId, customerId);
    const q = parse(z.object({ from: day.optional(), to: day.optional() }), query, 'query');
    return this.store.daily(providerId, customerId, q.from, q.to);
  }

  /** The top domains of a day (default: the latest day with data), per action. */
  async topDomains(
    providerId: number,
    customerId: number,
    query: { day?: string | undefined; action?: string | undefined; limit?: string | undefined },
  ) {
    await this.customer(providerId, customerId);
    const q = parse(
      z.object({
        day: day.optional(),
        action: z.enum(['allowed', 'blocked']).optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
      }),
      query,
      'query',
    );
    const onDay = q.day ?? (await this.store.latestTopDomainsDay(providerId, customerId));
    if (onDay === undefined) return [];
    const rows = await this.store.topDomains(providerId, customerId, onDay, q.action);
    return rows.map((r) => ({
      day: r.day,
      action: r.action,
      requests: r.summary.n,
      domains: r.summary.entries
        .slice(0, q.limit ?? 20)
        .map(([domain, count, error]) => ({ domain, count, minCount: count - error })),
    }));
  }

  async identities(providerId: number, customerId: number) {
    await this.customer(providerId, customerId);
    return this.store.identities(providerId, customerId);
  }

  async windows(
    providerId: number,
    customerId: number,
    query: { category?: string | undefined; from?: string | undefined; to?: string | undefined },
  ) {
    await this.customer(providerId, customerId);
    const q = parse(
      z.object({
        category: z.enum([ALL_REQUESTS, ...SECURITY_CATEGORIES]).optional(),
        from: instant.optional(),
        to: instant.optional(),
      }),
      query,
      'query',
    );
    return this.store.windows(providerId, customerId, {
      ...(q.category !== undefined ? { category: q.category } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
    });
  }

  // ---------- ingestion ----------

  /** Ingests every new DNS log file of a local folder (or one file) or an s3://bucket/prefix. */
  async ingestPath(
    providerId: number,
    location: string,
    options: IngestOptions = {},
  ): Promise<IngestSummary> {
    const provider = await this.consoleStore.getProvider(providerId);
    if (!provider) throw notFound('provider');
    const started = Date.now();
    let listed: number;
    let candidates: UnitCandidate[];
    let folders: Array<{ source: string; keys: string[]; whole: boolean }> = [];
    let s3client: import('@aws-sdk/client-s3').S3Client | undefined;
    try {
      if (location.startsWith('s3://')) {
        // The AWS SDK is loaded only when a bucket is read.
        const { createS3Client, parseS3Url } = await import('./s3.js');
        const { bucket, prefix } = parseS3Url(location);
        const s3 = options.s3 ?? {};
        s3client = createS3Client(s3);
        const listing = await listS3(s3client, s3, bucket, prefix, (source) =>
          this.store.getCursor(providerId, source),
        );
        ({ candidates, listed, folders } = listing);
      } else {
        candidates = await listLocal(location);
        listed = candidates.length;
      }
    } catch (e) {
      throw new ConsoleError(
        'invalid',
        `cannot list ${location}: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      s3client?.destroy();
    }
    const units = await this.ingestCandidates(providerId, candidates, options);
    const at = cwDate(this.clock.now());
    const settled = new Set(
      units
        .filter(
          (u) => u.status === 'ingested' || u.status === 'duplicate' || (u.status === 'failed' && !u.retry),
        )
        .map((u) => u.sourceKey),
    );
    for (const f of folders) {
      if (!f.whole) continue;
      let last: string | undefined;
      // Only DNS log keys move the cursor: they sort by time; another object (notes.txt) may sort
      // after days still to come.
      const bySource = new Map(
        candidates.filter((x) => x.cursor?.source === f.source).map((x) => [x.cursor!.key, x]),
      );
      for (const key of f.keys) {
        const c = bySource.get(key);
        if (!c) continue;
        if (!settled.has(c.sourceKey)) break;
        last = key;
      }
      if (last !== undefined) await this.store.advanceCursor(providerId, f.source, last, at);
    }
    const sum = (k: 'rows' | 'badRows' | 'unrouted' | 'bytes') =>
      units.reduce((n, u) => n + (u.status === 'ingested' ? u[k] : 0), 0);
    return {
      source: location,
      listed,
      files: units.length,
      ingested: units.filter((u) => u.status === 'ingested').length,
      duplicate: units.filter((u) => u.status === 'duplicate').length,
      replaced: units.filter((u) => u.status === 'ingested' && (u.replaced ?? 0) > 0).length,
      failed: units.filter((u) => u.status === 'failed').length,
      busy: units.filter((u) => u.status === 'busy').length,
      rows: sum('rows'),
      badRows: sum('badRows'),
      unrouted: sum('unrouted'),
      bytes: sum('bytes'),
      elapsedMs: Date.now() - started,
      units: units.map(({ retry: _retry, ...u }) => u),
    };
  }

  /** Claims, processes and commits the given units, `concurrency` at a time. */
  async ingestCandidates(
    providerId: number,
    candidates: readonly UnitCandidate[],
    options: IngestOptions = {},
  ): Promise<Array<UnitReport & { retry?: boolean }>> {
    const aggregate: AggregateOptions = {
      ...DEFAULT_AGGREGATE_OPTIONS,
      ...this.options.aggregate,
      ...options.aggregate,
    };
    const routing = buildRoutingTable(await this.store.listBindings(providerId));
    const concurrency = Math.max(0, Math.min(options.concurrency ?? 2, 64));
    const pool = this.pool(concurrency);
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const inflight = new Map<number, FileProgress>();
    const progress: IngestProgress = {
      files: candidates.length,
      filesDone: 0,
      bytesTotal: candidates.reduce((n, c) => n + c.bytes, 0),
      bytesDone: 0,
      bytesSkipped: 0,
      rows: 0,
      badRows: 0,
      startedAt: Date.now(),
    };
    const emit = () => {
      if (!options.onProgress) return;
      let bytes = progress.bytesDone;
      let rows = progress.rows;
      let badRows = progress.badRows;
      for (const p of inflight.values()) {
        bytes += p.bytes;
        rows += p.rows;
        badRows += p.badRows;
      }
      options.onProgress({ ...progress, bytesDone: bytes, rows, badRows });
    };
    const renewal = setInterval(
      () => {
        this.store
          .renew(providerId, [...inflight.keys()], this.owner, this.clock.now().getTime() + leaseMs)
          .catch(() => {});
      },
      Math.max(1000, Math.floor(leaseMs / 3)),
    );
    renewal.unref();

    const reports: Array<UnitReport & { retry?: boolean }> = new Array(candidates.length);
    // Units settled by an earlier run, remembered or found with one query per 500: a watched folder
    // keeps its old files, and claiming each again on every scan (two statements a file, per process,
    // every few seconds) cost more than the new files' rows once several processes scan it.
    const settled = await this.settledAmong(providerId, candidates);
    let next = 0;
    const lane = async () => {
      while (next < candidates.length) {
        const i = next++;
        const c = candidates[i]!;
        const earlier = options.force
          ? undefined
          : settled.get(unitKey({ providerId, sourceKey: c.sourceKey, version: c.version }));
        reports[i] = earlier
          ? settledReport(c, earlier)
          : await this.ingestOne(
              providerId,
              c,
              routing,
              aggregate,
              pool,
              leaseMs,
              inflight,
              emit,
              options.force === true,
            );
        progress.filesDone++;
        progress.bytesDone += c.bytes;
        const status = reports[i]!.status;
        if (status === 'duplicate' || status === 'busy' || reports[i]!.reason?.endsWith('(earlier run)')) {
          progress.bytesSkipped += c.bytes;
        }
        if (reports[i]!.status === 'ingested') {
          progress.rows += reports[i]!.rows;
          progress.badRows += reports[i]!.badRows;
        }
        emit();
      }
    };
    try {
      emit();
      // One lane more than workers, so a worker has its next file while a result is committed.
      await Promise.all(Array.from({ length: Math.max(1, concurrency) + (concurrency > 0 ? 1 : 0) }, lane));
    } finally {
      clearInterval(renewal);
    }
    return reports;
  }

  /**
   * A unit whose commit failed: recorded 'failed' naming the database's reason (nothing of it
   * counted); when even that cannot be written (the database is gone), its claim is released so a
   * later run takes it.
   */
  private async commitFailed(
    providerId: number,
    unitId: number,
    base: { sourceKey: string; version: string; bytes: number },
    counts: UnitCounts,
    errors: LineError[],
    e: unknown,
    finished: number,
  ): Promise<UnitReport & { retry?: boolean }> {
    const reason = `could not be committed: ${e instanceof Error ? e.message : String(e)}`;
    // Without its line errors if they were what the database refused.
    for (const kept of [errors, []]) {
      try {
        await this.store.fail(providerId, unitId, this.owner, counts, reason, kept, finished);
        return { ...base, ...counts, status: 'failed', reason, errors };
      } catch {
        // tried again below, or released
      }
    }
    await this.store.release(providerId, unitId, this.owner).catch(() => undefined);
    return {
      ...base,
      ...counts,
      status: 'failed',
      reason: `${reason} (will be retried)`,
      errors,
      retry: true,
    };
  }

  private async ingestOne(
    providerId: number,
    c: UnitCandidate,
    routing: RoutingTable,
    aggregate: AggregateOptions,
    pool: WorkerPool,
    leaseMs: number,
    inflight: Map<number, FileProgress>,
    emit: () => void,
    force: boolean,
  ): Promise<UnitReport & { retry?: boolean }> {
    const base = { sourceKey: c.sourceKey, version: c.version, bytes: c.bytes };
    const empty = { rows: 0, badRows: 0, unrouted: 0, errors: [] };
    // --force: a version of its own, so that the unit is claimed and read again whatever is known.
    const version = force ? `${c.version}+force@${this.clock.now().toISOString()}` : c.version;
    const unit = { providerId, sourceKey: c.sourceKey, version };
    const claim = await this.store.claim(unit, this.owner, this.clock.now().getTime(), leaseMs, ownerIsGone);
    if (claim.state === 'busy')
      return { ...base, ...empty, status: 'busy', reason: 'another process is ingesting it' };
    if (claim.state !== 'claimed') return settledReport(c, claim.unit);
    const unitId = claim.unitId;
    inflight.set(unitId, { bytes: 0, rows: 0, badRows: 0 });
    let result: FileResult;
    // The same S3 object (size and ETag) already counted under another key: not read again.
    const known =
      !force && c.locator.kind === 's3'
        ? await this.store.sameObjectDigest(providerId, c.sourceKey, c.version)
        : undefined;
    try {
      if (known !== undefined) {
        result = {
          ok: true,
          deltas: emptyColumns(),
          digest: known,
          bytes: 0,
          rows: 0,
          badRows: 0,
          unrouted: 0,
          errors: [],
        };
      } else
        result = await pool.run(
          c.locator,
          { sourceKey: c.sourceKey, routeKey: c.routeKey, locationKey: c.locationKey, routing, aggregate },
          (p) => {
            inflight.set(unitId, p);
            emit();
          },
        );
    } catch (e) {
      result = {
        ok: false,
        // Out of memory is the file's own doing: recorded failed, not read again and again.
        permanent: e instanceof WorkerOutOfMemory,
        reason: e instanceof Error ? e.message : String(e),
        bytes: 0,
        rows: 0,
        badRows: 0,
        unrouted: 0,
        errors: [],
      };
    }
    try {
      const counts = {
        bytes: c.bytes,
        rows: result.rows,
        badRows: result.badRows,
        unrouted: result.unrouted,
      };
      const finished = this.clock.now().getTime();
      if (result.ok) {
        let commit: FileCommit;
        try {
          commit = await this.store.commitFile(
            providerId,
            unitId,
            this.owner,
            counts,
            result.errors,
            result.deltas,
            aggregate.heavyHitterCapacity,
            finished,
            { sourceKey: c.sourceKey, digest: result.digest, force },
          );
        } catch (e) {
          // The database refused the unit's commit (retryable conflicts were retried): the unit is
          // recorded failed with the database's words, so no run reads it again and again.
          return await this.commitFailed(providerId, unitId, base, counts, result.errors, e, finished);
        }
        if (commit.state === 'lost')
          return { ...base, ...empty, status: 'busy', reason: 'its claim was taken over', retry: true };
        if (commit.state === 'duplicate')
          return { ...base, ...counts, status: 'duplicate', duplicateOf: commit.of.sourceKey, errors: [] };
        return {
          ...base,
          ...counts,
          status: 'ingested',
          errors: result.errors,
          ...(commit.replaced > 0 ? { replaced: commit.replaced } : {}),
        };
      }
      if (result.permanent) {
        await this.store.fail(providerId, unitId, this.owner, counts, result.reason, result.errors, finished);
        return { ...base, ...counts, status: 'failed', reason: result.reason, errors: result.errors };
      }
      await this.store.release(providerId, unitId, this.owner);
      return {
        ...base,
        ...counts,
        status: 'failed',
        reason: `${result.reason} (will be retried)`,
        errors: [],
        retry: true,
      };
    } finally {
      inflight.delete(unitId);
    }
  }
}
