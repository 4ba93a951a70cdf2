// The minimal input of aggregation (CON-6). The normalized event of src/console/sources is
// structurally compatible with it, so this folder does not depend on the sources.

/** Canonical categories that count as security (everything but 'content'), in display order. */
export const SECURITY_CATEGORIES = [
  'malware',
  'command-and-control',
  'phishing',
  'cryptomining',
  'newly-seen',
  'dynamic-dns',
  'tunneling',
  'potentially-harmful',
  'other-security',
] as const;

export type SecurityCategory = (typeof SECURITY_CATEGORIES)[number];

/** Every canonical category a normalized event may carry. */
export type CanonicalCategory = SecurityCategory | 'content';

/** The category of the per-window row that counts every request of an identity, whatever its categories. */
export const ALL_REQUESTS = '*';

/** Categories of per-window rows: each security category, plus ALL_REQUESTS. */
export type WindowCategory = SecurityCategory | typeof ALL_REQUESTS;

export type DnsAction = 'allowed' | 'blocked';

export interface AggregatableEvent {
  /** Epoch milliseconds. */
  ts: number;
  customerId: number;
  identity: { label: string; type: string };
  domain: string;
  action: DnsAction;
  /** Canonical categories (see CanonicalCategory); other strings are ignored by the per-category counts. */
  categories: readonly string[];
}

const SECURITY_SET: ReadonlySet<string> = new Set(SECURITY_CATEGORIES);

export function isSecurityCategory(category: string): category is SecurityCategory {
  return SECURITY_SET.has(category);
}

/** Position of a category in SECURITY_CATEGORIES, ALL_REQUESTS first: the order of every output. */
export function categoryRank(category: WindowCategory): number {
  return category === ALL_REQUESTS ? -1 : SECURITY_CATEGORIES.indexOf(category);
}
