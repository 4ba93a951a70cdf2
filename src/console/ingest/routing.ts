// Routing of events to customers (CON-5) by the provider's source bindings:
//   1. a file whose key lies under a 'folder-prefix' binding belongs to that customer, every row of
//      it (the longest matching prefix wins). The key is the object key for S3 (bucket excluded) and
//      the path relative to the folder given to `parasol ingest` for a local folder, '/'-separated;
//   2. otherwise each row goes by its organization id (Umbrella's column 16, or the org folder the
//      file lies in, see orgIdFromKey) to the 'umbrella-org' binding with that value;
//   3. otherwise the row is unrouted: counted, not aggregated.
// Plain data, so it crosses to the worker threads as is.
import type { SourceBinding } from './types.js';

export interface RoutingTable {
  /** [prefix without leading '/', customer id], longest prefix first. */
  prefixes: Array<[string, number]>;
  /** Umbrella org id → customer id. */
  orgs: Record<string, number>;
}

export function normalizePrefix(value: string): string {
  return value.trim().replace(/\\/g, '/').replace(/^\/+/, '');
}

export function buildRoutingTable(bindings: readonly SourceBinding[]): RoutingTable {
  const prefixes: Array<[string, number]> = [];
  const orgs: Record<string, number> = {};
  for (const b of bindings) {
    if (b.kind === 'folder-prefix') {
      const p = normalizePrefix(b.value);
      if (p !== '') prefixes.push([p, b.customerId]);
    } else if (b.kind === 'umbrella-org') orgs[b.value.trim()] = b.customerId;
  }
  prefixes.sort((a, b) => b[0].length - a[0].length || (a[0] < b[0] ? -1 : 1));
  return { prefixes, orgs };
}

/**
 * The customer a whole file belongs to by its key, if a folder-prefix binding covers it. A prefix
 * matches at a folder boundary: 'org1' matches 'org1/dnslogs/…' but not 'org10/…'; a prefix that ends
 * in '/' or names the whole key matches as written.
 */
export function customerOfKey(table: RoutingTable, key: string): number | undefined {
  const k = normalizePrefix(key);
  for (const [prefix, customerId] of table.prefixes) {
    if (!k.startsWith(prefix)) continue;
    if (prefix.endsWith('/') || k.length === prefix.length || k.charCodeAt(prefix.length) === 47) {
      return customerId;
    }
  }
  return undefined;
}

/**
 * The org id a file's location implies: Umbrella's multi-org buckets put each organization's logs
 * under a folder named by its org id (`<org id>/dnslogs/YYYY-MM-DD/…`). Only an all-digits folder
 * right above `dnslogs` counts. Rows that carry their own Organization ID column keep theirs.
 */
export function orgIdFromKey(key: string): string | undefined {
  const parts = normalizePrefix(key).split('/');
  const i = parts.lastIndexOf('dnslogs');
  if (i < 1) return undefined;
  const folder = parts[i - 1]!;
  return /^\d{1,20}$/.test(folder) ? folder : undefined;
}
