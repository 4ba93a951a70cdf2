// What one counted file unit added to the aggregates, kept so that a changed file under the same name
// can take it back (docs/ingestion.md, "A file's identity is its content"): the unit's deltas, stored
// compressed with the unit; taking them back adds their negation (windows, daily totals, identity
// requests are sums) and narrows the top-domain summaries (subtractSummary). Pure: no I/O.
//
// Stored form: `c1:` and the base64 of the gzip'd columns (encodeContribution: a JSON head with the
// string table, daily totals and top-domain summaries, then the typed arrays' bytes) — a few MB for
// a file of 20,000 identities, written without a row object or a JSON text of its rows. Rows kept
// before it (gzip'd JSON, encodeDeltas) are still read.
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type AggregateDeltas,
  columnsOf,
  type DeltaColumns,
  type SerializedSummary,
} from '../aggregate/index.js';

const COLUMNS_PREFIX = 'c1:';

type Arrays = Record<string, Float64Array | Uint32Array | Uint8Array>;

/** The typed-array groups of DeltaColumns with their keys, in the stored order. */
const GROUPS = {
  identities: ['customer', 'label', 'type', 'counted', 'firstSeen', 'lastSeen', 'requests'],
  windows: ['identity', 'category', 'windowMinutes', 'windowStart', 'blocked', 'total'],
  blocked: [
    'identity',
    'category',
    'windowMinutes',
    'windowStart',
    'firstBlocked',
    'lastBlocked',
    'capacity',
    'n',
    'entriesEnd',
  ],
  entries: ['domain', 'count', 'error'],
} as const;

/** The columns, gzip'd, as stored with the unit (see the header). */
export function encodeContribution(c: DeltaColumns): string {
  const kinds: string[] = [];
  const parts: Buffer[] = [Buffer.from(new Uint8Array(c.ends.buffer, c.ends.byteOffset, c.ends.byteLength))];
  kinds.push('ends');
  for (const [group, keys] of Object.entries(GROUPS)) {
    const arrays = c[group as keyof typeof GROUPS] as Arrays;
    for (const key of keys) {
      const a = arrays[key]!;
      parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
      kinds.push(`${group}.${key}:${a.constructor.name}:${a.length}`);
    }
  }
  const head = Buffer.from(
    JSON.stringify({
      events: c.events,
      text: c.text,
      strings: c.ends.length,
      arrays: kinds.slice(1),
      dailyTotals: c.dailyTotals,
      topDomains: c.topDomains,
    }),
  );
  const size = Buffer.alloc(4);
  size.writeUInt32LE(head.length);
  const gz = gzipSync(Buffer.concat([size, head, ...parts]), { level: 1 });
  return `${COLUMNS_PREFIX}${gz.toString('base64')}`;
}

const MAKERS = {
  Float64Array: (n: number) => new Float64Array(n),
  Uint32Array: (n: number) => new Uint32Array(n),
  Uint8Array: (n: number) => new Uint8Array(n),
} as const;

/** A stored contribution (either form) as columns. */
export function decodeContribution(text: string): DeltaColumns {
  if (!text.startsWith(COLUMNS_PREFIX)) return columnsOf(decodeDeltas(text));
  const bytes = gunzipSync(Buffer.from(text.slice(COLUMNS_PREFIX.length), 'base64'));
  const headLength = bytes.readUInt32LE(0);
  const head = JSON.parse(bytes.subarray(4, 4 + headLength).toString('utf8')) as {
    events: number;
    text: string;
    strings: number;
    arrays: string[];
    dailyTotals: DeltaColumns['dailyTotals'];
    topDomains: DeltaColumns['topDomains'];
  };
  let at = 4 + headLength;
  const take = <T extends Float64Array | Uint32Array | Uint8Array>(a: T): T => {
    new Uint8Array(a.buffer).set(bytes.subarray(at, at + a.byteLength));
    at += a.byteLength;
    return a;
  };
  const ends = take(new Uint32Array(head.strings));
  const groups: Record<string, Arrays> = { identities: {}, windows: {}, blocked: {}, entries: {} };
  for (const kind of head.arrays) {
    const [name, type, length] = kind.split(':') as [string, keyof typeof MAKERS, string];
    const [group, key] = name.split('.') as [string, string];
    const make = MAKERS[type];
    if (!make || !groups[group]) throw new Error(`unknown column ${kind} in a stored contribution`);
    groups[group]![key] = take(make(Number(length)));
  }
  if (at !== bytes.length) throw new Error('a stored contribution has trailing bytes');
  return {
    events: head.events,
    text: head.text,
    ends,
    identities: groups.identities as DeltaColumns['identities'],
    windows: groups.windows as DeltaColumns['windows'],
    blocked: groups.blocked as DeltaColumns['blocked'],
    entries: groups.entries as DeltaColumns['entries'],
    dailyTotals: head.dailyTotals,
    topDomains: head.topDomains,
  };
}

/** Rows of one array written and compressed at a time (a gzip member each). */
const ENCODE_ROWS = 4096;

/**
 * The deltas as JSON, gzip'd, base64. Written piecewise — the JSON text of at most ENCODE_ROWS rows at
 * a time, each piece its own gzip member (gunzip reads the members as one stream) — so a file of
 * 20,000 identities never holds its ~40 MB of JSON text at once, only the compressed few MB.
 */
export function encodeDeltas(deltas: AggregateDeltas): string {
  const members: Buffer[] = [];
  const put = (text: string) => members.push(gzipSync(text, { level: 1 }));
  let head = '{';
  for (const [key, value] of Object.entries(deltas)) {
    if (value === undefined) continue;
    const name = `${head}${JSON.stringify(key)}:`;
    head = ',';
    if (!Array.isArray(value)) {
      put(`${name}${JSON.stringify(value)}`);
      continue;
    }
    if (value.length === 0) put(`${name}[]`);
    for (let i = 0; i < value.length; i += ENCODE_ROWS) {
      const part = JSON.stringify(value.slice(i, i + ENCODE_ROWS)).slice(1, -1);
      const open = i === 0 ? `${name}[` : ',';
      const close = i + ENCODE_ROWS >= value.length ? ']' : '';
      put(`${open}${part}${close}`);
    }
  }
  put(head === '{' ? '{}' : '}');
  return Buffer.concat(members).toString('base64');
}

export function decodeDeltas(text: string): AggregateDeltas {
  return JSON.parse(gunzipSync(Buffer.from(text, 'base64')).toString('utf8')) as AggregateDeltas;
}

/**
 * The deltas that undo `d` for the additive aggregates: windows, daily totals (and their categories)
 * and identity request counts negated. Identities keep their first and last seen (a widened span is
 * harmless); top domains and the windows' blocked details are summaries, taken back by
 * subtractSummary, not here (topDomains and blocked are empty).
 */
export function negateDeltas(d: AggregateDeltas): AggregateDeltas {
  return {
    events: -d.events,
    windowCounts: d.windowCounts.map((r) => ({ ...r, blocked: -r.blocked, total: -r.total })),
    dailyTotals: d.dailyTotals.map((r) => ({
      ...r,
      requests: -r.requests,
      allowed: -r.allowed,
      blocked: -r.blocked,
      byCategory: Object.fromEntries(
        Object.entries(r.byCategory).map(([c, v]) => [c, { blocked: -v!.blocked, total: -v!.total }]),
      ),
    })),
    topDomains: [],
    identities: d.identities.map((r) => ({ ...r, requests: -r.requests })),
    blocked: [],
  };
}

/**
 * A stored Space-Saving summary without the stream another summary (`old`, merged into it earlier)
 * described. With f the true counts before and g those of `old`'s stream: a domain `old` kept with
 * [c, e] had c − e ≤ g ≤ c, so the stored count drops by c − e (never below the truth) and its error
 * grows by e; a domain `old` did not keep had g ≤ old's floor (its smallest count when full), so only
 * its error grows, by that floor. Every reported count stays an upper bound and count − error a lower
 * bound of the remaining stream. (The summary's floor may drop below the old one, so a domain it no
 * longer monitors may be undercounted by a later merge: top domains are a report, not a decision.)
 */
export function subtractSummary(stored: SerializedSummary, old: SerializedSummary): SerializedSummary {
  const byDomain = new Map<string, readonly [number, number]>();
  for (const [d, c, e] of old.entries) byDomain.set(d, [c, e]);
  const oldFloor =
    old.entries.length >= old.capacity && old.entries.length > 0
      ? Math.min(...old.entries.map((x) => x[1]))
      : 0;
  const entries: Array<[string, number, number]> = [];
  for (const [d, c, e] of stored.entries) {
    const o = byDomain.get(d);
    const count = o === undefined ? c : c - (o[0] - o[1]);
    const error = o === undefined ? e + oldFloor : e + o[1];
    if (count <= 0) continue;
    entries.push([d, count, Math.min(error, count)]);
  }
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { v: 1, capacity: stored.capacity, n: Math.max(0, stored.n - old.n), entries };
}
