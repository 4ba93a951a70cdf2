// CON-5: the ONE normalized DNS event every source (Umbrella S3 CSV, Umbrella Reporting API,
// DNSFilter query logs, Parasol NDJSON) is decoded into, and the canonical category set the
// aggregation and ticketing rules speak. Pure: no I/O.
//
// Events are read-only values. Decoders share the nested arrays and identity objects between events
// (an Umbrella file repeats the same identities and category lists on thousands of lines, so the CSV
// parser caches them): never mutate an event's arrays — they are frozen where shared. An event's own
// strings may be views on the text they were read from: see `detach` before keeping them for long.

export type Vendor = 'umbrella' | 'dnsfilter' | 'ndjson';

/** The canonical categories, security ones first; `content` is everything that is not security. */
export const CANONICAL_CATEGORIES = [
  'malware',
  'command-and-control',
  'phishing',
  'cryptomining',
  'newly-seen',
  'dynamic-dns',
  'tunneling',
  'potentially-harmful',
  'other-security',
  'content',
] as const;

export type CanonicalCategory = (typeof CANONICAL_CATEGORIES)[number];

/** Canonical categories that count as security (every one but `content`). */
export const SECURITY_CATEGORIES: readonly CanonicalCategory[] = CANONICAL_CATEGORIES.filter(
  (c) => c !== 'content',
);

export function isSecurity(category: CanonicalCategory): boolean {
  return category !== 'content';
}

export function isCanonicalCategory(value: string): value is CanonicalCategory {
  return (CANONICAL_CATEGORIES as readonly string[]).includes(value);
}

/**
 * Identity kinds the vendors' labels map to (see identity.ts). Umbrella's 'AD Users' and 'AD User' are
 * both `ad-user`; a DNSFilter roaming agent is a `roaming-computer`, its local user a `user`. A label no
 * table knows stays as the vendor wrote it; `unknown` means the source did not say (10-column CSV rows).
 */
export type IdentityType =
  | 'ad-user'
  | 'ad-computer'
  | 'user'
  | 'roaming-computer'
  | 'mobile-device'
  | 'site'
  | 'internal-network'
  | 'network'
  | 'network-device'
  | 'network-tunnel'
  | 'virtual-appliance'
  | 'organization'
  | 'unknown';

export interface EventIdentity {
  readonly label: string;
  readonly type: IdentityType | string;
}

export interface EventIdentityRef {
  readonly label: string;
  readonly type?: IdentityType | string;
}

export interface DnsEvent {
  /** Epoch milliseconds, UTC. */
  readonly ts: number;
  readonly vendor: Vendor;
  /** The vendor's organization id (Umbrella org id, DNSFilter organization, NDJSON orgId). */
  readonly orgId?: string | undefined;
  /** The identity the policy applied to (Umbrella's "most granular identity"). */
  readonly identity: EventIdentity;
  /** Every identity on the request, the policy identity first when the vendor says which it is. */
  readonly identities: readonly EventIdentityRef[];
  readonly internalIp?: string | undefined;
  readonly externalIp?: string | undefined;
  /** Lower-case, without a trailing dot. */
  readonly domain: string;
  /** Record type name: 'A', 'AAAA', 'HTTPS', … ('TYPE<n>' for numbers without a name). */
  readonly queryType: string;
  /** 'NOERROR', 'NXDOMAIN', … */
  readonly responseCode?: string | undefined;
  readonly action: 'allowed' | 'blocked';
  /** Canonical categories of the domain, deduplicated, in first-seen order. */
  readonly categories: readonly CanonicalCategory[];
  /** The categories that caused the block (empty when allowed). */
  readonly blockedCategories: readonly CanonicalCategory[];
  /** The vendor's category labels as seen, pseudo-categories ('Allow List', 'Block List', …) included. */
  readonly vendorCategories: readonly string[];
  /** The vendor's policy rule id (Umbrella Rule ID, DNSFilter policy id). */
  readonly ruleId?: string | undefined;
  /** DNSFilter's network (routing by 'dnsfilter-network' bindings); absent for other vendors. */
  readonly network?: { readonly id?: string; readonly name?: string } | undefined;
}

/** A bad line or record, named by its 1-based line number (0 when there is no line). */
export interface SourceLineError {
  line: number;
  message: string;
}

export interface EventFields {
  ts: number;
  vendor: Vendor;
  orgId: string | undefined;
  identity: EventIdentity;
  identities: readonly EventIdentityRef[];
  internalIp: string | undefined;
  externalIp: string | undefined;
  domain: string;
  queryType: string;
  responseCode: string | undefined;
  action: 'allowed' | 'blocked';
  categories: readonly CanonicalCategory[];
  blockedCategories: readonly CanonicalCategory[];
  vendorCategories: readonly string[];
  ruleId: string | undefined;
  network?: { readonly id?: string; readonly name?: string } | undefined;
}

/**
 * Builds an event. Every decoder goes through here so all events share one object shape (absent
 * optional fields are present as `undefined`), which keeps the aggregation code that reads them fast.
 */
export function makeEvent(f: EventFields): DnsEvent {
  return {
    ts: f.ts,
    vendor: f.vendor,
    orgId: f.orgId,
    identity: f.identity,
    identities: f.identities,
    internalIp: f.internalIp,
    externalIp: f.externalIp,
    domain: f.domain,
    queryType: f.queryType,
    responseCode: f.responseCode,
    action: f.action,
    categories: f.categories,
    blockedCategories: f.blockedCategories,
    vendorCategories: f.vendorCategories,
    ruleId: f.ruleId,
    network: f.network,
  };
}

/** Any security category among these? */
export function hasSecurity(categories: readonly CanonicalCategory[]): boolean {
  for (const c of categories) if (c !== 'content') return true;
  return false;
}

/**
 * A copy of `s` that does not keep alive the text it was cut from. V8 represents `line.slice(a, b)` as a
 * view on `line` (and `line` often is a view on a 64 KiB chunk): anything kept for long — cache keys,
 * identity labels, a top-domains table — must hold copies, or every chunk it was cut from stays in memory.
 * The decoders detach what they cache; per-event strings (domain, IPs) are views, detach those you keep.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** A value quoted for an error message: at most 60 characters, control characters escaped. */
export function quoteValue(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
  const safe = cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, (ch) => {
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${safe}'`;
}
