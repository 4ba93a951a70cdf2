// What the remote sources need from the ingestion core: hand over one unit's events so that its
// aggregate deltas and its "ingested" record commit in one transaction (exactly once per unit), ask
// whether a unit key was already ingested, and keep a cursor per source. `core-adapter.ts` implements
// this on the core's store; tests may implement it in memory.

import type { IngestOutcome, IngestUnit, LineError } from '../ingest/types.js';
import type { DnsEvent } from '../sources/event.js';

/**
 * Thrown by a unit's event iterable when the input as a whole is refused (not gzip to its end, not
 * the format at all): the unit is recorded as failed with this reason, nothing of it is counted.
 */
export class UnitRefusedError extends Error {
  override readonly name: string = 'UnitRefusedError';
}

/** Facts about a unit. A streaming source may fill `badRows` and `errors` while its events are read. */
export interface UnitMeta {
  /** Bytes of input the unit came from (page body, request body). */
  bytes?: number;
  /** Records the decoder refused, with their (capped) errors; counted into the outcome. */
  badRows?: number;
  errors?: LineError[];
  /** Written with the unit when the sink can do it in the same transaction, else right after it. */
  cursor?: { source: string; value: string };
}

export interface EventSink {
  /**
   * Ingests the unit exactly once: 'ingested' with the counts, or 'duplicate' when this (providerId,
   * sourceKey, version) was already ingested (nothing is counted again).
   */
  ingestEvents(
    unit: IngestUnit,
    events: Iterable<DnsEvent> | AsyncIterable<DnsEvent>,
    meta?: UnitMeta,
  ): Promise<IngestOutcome>;
  /** The outcome of a unit with this key already ingested, under any version; undefined if none. */
  ingested(providerId: number, sourceKey: string): Promise<(IngestOutcome & { version: string }) | undefined>;
  getCursor(providerId: number, source: string): Promise<string | undefined>;
  setCursor(providerId: number, source: string, value: string): Promise<void>;
}
