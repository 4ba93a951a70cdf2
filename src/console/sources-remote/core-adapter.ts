// EventSink on the ingestion core: routes each event to its customer by the provider's source
// bindings, folds the routed events into aggregate deltas, and hands unit + deltas + counts to the
// core's store, which commits them (and the unit's "ingested" record) in one transaction.
//
// Routing by vendor (CON-5):
//   umbrella  → orgId in an 'umbrella-org' binding
//   ndjson    → orgId in an 'ndjson-org' binding
//   dnsfilter → network id, else network name, in a 'dnsfilter-network' binding
// An event no binding names is counted as unrouted (not aggregated).
import { AggregateBatch, type AggregateOptions, DEFAULT_AGGREGATE_OPTIONS } from '../aggregate/index.js';
import { ingestion } from '../ingest/index.js';
import { DEFAULT_LEASE_MS, ownerIsGone } from '../ingest/service.js';
import type { IngestOutcome, IngestUnit, SourceBinding, SourceBindingKind } from '../ingest/types.js';
import type { ConsoleServices } from '../service/services.js';
import type { DnsEvent } from '../sources/event.js';
import { type EventSink, type UnitMeta, UnitRefusedError } from './sink.js';

export interface Router {
  customerOf(event: DnsEvent): number | undefined;
}

export function buildRouter(bindings: readonly SourceBinding[], unitCustomerId?: number): Router {
  const by: Record<SourceBindingKind, Map<string, number>> = {
    'umbrella-org': new Map(),
    'folder-prefix': new Map(),
    'dnsfilter-network': new Map(),
    'ndjson-org': new Map(),
  };
  for (const b of bindings) by[b.kind]?.set(b.value.trim(), b.customerId);
  return {
    customerOf(e) {
      if (unitCustomerId !== undefined) return unitCustomerId;
      if (e.vendor === 'umbrella') return e.orgId === undefined ? undefined : by['umbrella-org'].get(e.orgId);
      if (e.vendor === 'ndjson') return e.orgId === undefined ? undefined : by['ndjson-org'].get(e.orgId);
      const net = by['dnsfilter-network'];
      return (
        (e.network?.id !== undefined ? net.get(e.network.id) : undefined) ??
        (e.network?.name !== undefined ? net.get(e.network.name) : undefined)
      );
    },
  };
}

/** Folds a unit's events into deltas, counting the unrouted ones. */
export async function foldEvents(
  events: Iterable<DnsEvent> | AsyncIterable<DnsEvent>,
  router: Router,
  batch: AggregateBatch,
): Promise<{ rows: number; unrouted: number }> {
  let rows = 0;
  let unrouted = 0;
  for await (const e of events as AsyncIterable<DnsEvent>) {
    rows++;
    const customerId = router.customerOf(e);
    if (customerId === undefined) {
      unrouted++;
      continue;
    }
    batch.add({
      ts: e.ts,
      customerId,
      identity: e.identity,
      domain: e.domain,
      action: e.action,
      categories: e.categories,
    });
  }
  return { rows, unrouted };
}

export async function loadBindings(services: ConsoleServices, providerId: number): Promise<SourceBinding[]> {
  const rows = await services.storage.db
    .selectFrom('con_source_binding')
    .select(['customer_id', 'kind', 'value'])
    .where('provider_id', '=', providerId)
    .execute();
  return rows.map((r) => ({
    customerId: Number(r.customer_id),
    kind: r.kind as SourceBindingKind,
    value: r.value,
  }));
}

/** How long a unit stays claimed while it is folded and committed (one page or request: seconds). */
const LEASE_MS = DEFAULT_LEASE_MS;

/**
 * The sink on the core's IngestStore: claim the unit (a unit already done answers 'duplicate', one
 * claimed by another live process 'busy'), fold its routed events into deltas, and commit deltas,
 * counts and line errors with the unit's 'done' record in one transaction. The cursor, when given,
 * is written right after the commit: a crash in between re-reads the unit, which is then found done
 * by its key (see `ingested`) and not counted again.
 */
export function createCoreSink(
  services: ConsoleServices,
  options: { aggregate?: Partial<AggregateOptions> } = {},
): EventSink {
  const db = services.storage.db;
  // The core's store and claim owner (host#pid#random: a killed process's claims are taken over).
  const core = ingestion(services);
  const store = core.store;
  const owner = core.owner;
  const aggregate = { ...DEFAULT_AGGREGATE_OPTIONS, ...options.aggregate };
  const setCursor = async (providerId: number, source: string, value: string) => {
    const at = services.clock.now().toISOString();
    await db
      .insertInto('con_source_cursor')
      .values({ provider_id: providerId, source, cursor: value, updated_at: at })
      .onConflict((oc) =>
        oc.columns(['provider_id', 'source']).doUpdateSet({ cursor: value, updated_at: at }),
      )
      .execute();
  };
  return {
    async ingestEvents(unit: IngestUnit, events, meta: UnitMeta = {}): Promise<IngestOutcome> {
      const claim = await store.claim(unit, owner, services.clock.now().getTime(), LEASE_MS, ownerIsGone);
      if (claim.state === 'busy')
        return {
          status: 'busy',
          rows: 0,
          badRows: 0,
          unrouted: 0,
          errors: [],
          reason: 'another process is ingesting it',
        };
      if (claim.state !== 'claimed') {
        const u = claim.unit;
        const outcome: IngestOutcome = {
          status: claim.state === 'done' ? 'duplicate' : 'failed',
          rows: u.rows,
          badRows: u.badRows,
          unrouted: u.unrouted,
          errors: await store.lineErrors(unit.providerId, u.id),
        };
        if (claim.state === 'failed') outcome.reason = `${u.reason ?? 'failed'} (earlier run)`;
        return outcome;
      }
      try {
        const router = buildRouter(await store.listBindings(unit.providerId));
        const batch = new AggregateBatch(aggregate);
        const { rows, unrouted } = await foldEvents(events, router, batch);
        const errors = meta.errors ?? [];
        const counts = { bytes: meta.bytes ?? 0, rows, badRows: meta.badRows ?? errors.length, unrouted };
        let committed: boolean;
        try {
          committed = await store.commit(
            unit.providerId,
            claim.unitId,
            owner,
            counts,
            errors,
            batch.deltas(),
            aggregate.heavyHitterCapacity,
            services.clock.now().getTime(),
          );
        } catch (e) {
          // The database refused the commit (conflicts were retried): the unit is recorded failed,
          // never retried in a loop; the same request or page answers this again.
          const reason = `could not be committed: ${e instanceof Error ? e.message : String(e)}`;
          await store.fail(
            unit.providerId,
            claim.unitId,
            owner,
            counts,
            reason,
            [],
            services.clock.now().getTime(),
          );
          return { status: 'failed', rows: 0, badRows: counts.badRows, unrouted: 0, errors, reason };
        }
        if (!committed)
          return {
            status: 'busy',
            rows: 0,
            badRows: 0,
            unrouted: 0,
            errors: [],
            reason: 'the claim was taken over',
          };
        if (meta.cursor) await setCursor(unit.providerId, meta.cursor.source, meta.cursor.value);
        return { status: 'ingested', rows, badRows: counts.badRows, unrouted, errors };
      } catch (e) {
        if (e instanceof UnitRefusedError) {
          const errors = meta.errors ?? [];
          const counts = {
            bytes: meta.bytes ?? 0,
            rows: 0,
            badRows: meta.badRows ?? errors.length,
            unrouted: 0,
          };
          await store.fail(
            unit.providerId,
            claim.unitId,
            owner,
            counts,
            e.message,
            errors,
            services.clock.now().getTime(),
          );
          return {
            status: 'failed',
            rows: 0,
            badRows: counts.badRows,
            unrouted: 0,
            errors,
            reason: e.message,
          };
        }
        await store.release(unit.providerId, claim.unitId, owner).catch(() => undefined);
        throw e;
      }
    },
    async ingested(providerId: number, sourceKey: string) {
      const row = await db
        .selectFrom('con_ingest_unit')
        .select(['id', 'version', 'rows', 'bad_rows', 'unrouted'])
        .where('provider_id', '=', providerId)
        .where('source_key', '=', sourceKey)
        .where('status', '=', 'done')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (!row) return undefined;
      const errors = await db
        .selectFrom('con_ingest_line_error')
        .select(['line', 'message'])
        .where('provider_id', '=', providerId)
        .where('unit_id', '=', Number(row.id))
        .orderBy('line')
        .limit(100)
        .execute();
      return {
        status: 'duplicate',
        version: row.version,
        rows: Number(row.rows),
        badRows: Number(row.bad_rows),
        unrouted: Number(row.unrouted),
        errors: errors.map((e) => ({ line: Number(e.line), message: e.message })),
      };
    },
    async getCursor(providerId: number, source: string) {
      const row = await db
        .selectFrom('con_source_cursor')
        .select('cursor')
        .where('provider_id', '=', providerId)
        .where('source', '=', source)
        .executeTakeFirst();
      return row?.cursor;
    },
    setCursor,
  };
}
