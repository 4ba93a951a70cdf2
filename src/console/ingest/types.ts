// Contract of ingestion (CON-5, CON-6): a unit of input (a file, an API page, one NDJSON request)
// is ingested exactly once — its aggregate deltas and the record that it was ingested are
// committed in one transaction — and every source hands its events to the same sink.

/** Where events of one unit come from; (providerId, sourceKey, version) identifies it forever. */
export interface IngestUnit {
  providerId: number;
  /** e.g. 's3://bucket/org/dnslogs/2026-01-01/x.csv.gz', 'file:/abs/path.csv.gz', 'umbrella-api:<org>:<from>-<to>:<offset>', 'ndjson:<request id>' */
  sourceKey: string;
  /** Distinguishes a changed object under the same key: size+etag, size+mtime, a page digest. */
  version: string;
}

export interface LineError {
  line: number;
  message: string;
}

export interface IngestOutcome {
  status: 'ingested' | 'duplicate' | 'failed' | 'busy';
  rows: number;
  badRows: number;
  /** Events no source binding routes to a customer of this provider. */
  unrouted: number;
  /** The first errors (capped), each naming the line. */
  errors: LineError[];
  /** Why a unit failed as a whole (not gzip, not CSV, …). */
  reason?: string;
}

/** How events find their customer (CON-5 routing): per customer, the bindings of its sources. */
export type SourceBindingKind = 'umbrella-org' | 'folder-prefix' | 'dnsfilter-network' | 'ndjson-org';

export interface SourceBinding {
  customerId: number;
  kind: SourceBindingKind;
  /** org id, key/folder prefix, DNSFilter network id or name, NDJSON orgId */
  value: string;
}
