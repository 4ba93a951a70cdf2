// Vendor categories → canonical categories. By LABEL first (case-, spacing- and punctuation-
// insensitive; '&' reads as 'and'), because Umbrella's category ids are not stable across API
// generations (event-formats.md §0.5, §2.4); by ID only when the label is unknown and the vendor does not
// say the category is content. A label nobody knows is `content`, or `other-security` when the vendor
// marks it security (Umbrella API `type: 'security'`, DNSFilter `threat: true`). Pseudo-categories
// ('Allow List', 'Block List', 'Application') are no category at all: they stay in vendorCategories only.
import { type CanonicalCategory, detach, hasSecurity } from './event.js';
import { labelKey } from './identity.js';

type SecurityCategory = Exclude<CanonicalCategory, 'content'>;

/** Labels of security categories, Umbrella's current and former names and DNSFilter's names. */
const SECURITY_LABELS: Record<SecurityCategory, readonly string[]> = {
  malware: [
    'Malware',
    'Enterprise Malware',
    'Malicious Sites',
    'Malicious Domains',
    'Drive-by Downloads/Exploits',
    'Mobile Threats',
    'Ransomware',
  ],
  'command-and-control': [
    'Command and Control',
    'Command Control Callbacks',
    'Command and Control Callbacks',
    'Botnet',
    'Botnets',
    'C2',
    'C&C',
  ],
  phishing: ['Phishing', 'Phishing Attacks', 'Phishing & Deception', 'Phishing Domains'],
  cryptomining: ['Cryptomining', 'Crypto Mining', 'Cryptocurrency Mining', 'Cryptojacking'],
  'newly-seen': [
    'Newly Seen Domains',
    'Newly Seen Domain',
    'Newly Seen',
    'New Domains',
    'New Domain',
    'Newly Registered Domains',
    'Newly Registered Domain',
    'Domain Generation Algorithm',
    'DGA',
  ],
  'dynamic-dns': ['Dynamic DNS', 'DDNS'],
  tunneling: ['DNS Tunneling VPN', 'DNS Tunneling', 'Tunneling', 'DNS Tunnelling VPN'],
  'potentially-harmful': [
    'Potentially Harmful',
    'Potentially Harmful Domains',
    'Suspicious & Deceptive',
    'Suspicious Domains',
    'Suspicious',
  ],
  // Umbrella's optional "Integrations" security sub-category (domains from integrated threat feeds).
  'other-security': ['Other Security', 'Integrations'],
};

/** Pseudo-categories: how a decision was made, not what the domain is. */
const PSEUDO_LABELS = [
  'Allow List',
  'Block List',
  'Allowlist',
  'Blocklist',
  'Whitelist',
  'Blacklist',
  'Application',
  'Applications',
  'Allowed Applications',
  'Blocked Applications',
];

/**
 * Umbrella category ids of security categories (event-formats.md §2.4). They come from public code,
 * not an official table: 64/65 and 66/67 are two generations of the same labels. Used only when the
 * label is unknown; the label always wins.
 */
export const UMBRELLA_SECURITY_IDS: Readonly<Record<number, SecurityCategory>> = {
  61: 'dynamic-dns',
  64: 'command-and-control',
  65: 'command-and-control',
  66: 'malware',
  67: 'malware',
  68: 'phishing',
  108: 'newly-seen',
  109: 'potentially-harmful',
  110: 'tunneling',
  150: 'cryptomining',
};

/**
 * DNSFilter category ids known from public samples (event-formats.md §4): 52 Phishing, 83 Suspicious &
 * Deceptive. These two are the only ids confirmed by data; DNSFilter's other security categories
 * (Malware, Botnet, Cryptomining, New Domains, Dynamic DNS, …) are resolved by their names, which every
 * query-log record carries in `categories_names`.
 */
export const DNSFILTER_SECURITY_IDS: Readonly<Record<number, SecurityCategory>> = {
  52: 'phishing',
  83: 'potentially-harmful',
};

const PSEUDO = Symbol('pseudo');
type LabelHit = CanonicalCategory | typeof PSEUDO;

const BY_KEY = new Map<string, LabelHit>();
for (const [cat, labels] of Object.entries(SECURITY_LABELS) as [SecurityCategory, readonly string[]][]) {
  BY_KEY.set(labelKey(cat), cat); // canonical names resolve to themselves ('newly-seen' → 'newlyseen')
  for (const label of labels) BY_KEY.set(labelKey(label), cat);
}
BY_KEY.set('content', 'content');
for (const label of PSEUDO_LABELS) BY_KEY.set(labelKey(label), PSEUDO);

const labelCache = new Map<string, LabelHit | null>();

function lookup(label: string): LabelHit | null {
  const hit = labelCache.get(label);
  if (hit !== undefined) return hit;
  const found = BY_KEY.get(labelKey(label)) ?? null;
  if (labelCache.size >= 4096) labelCache.clear();
  labelCache.set(detach(label), found);
  return found;
}

/** Is this label a pseudo-category ('Allow List', 'Block List', 'Application')? */
export function isPseudoCategory(label: string): boolean {
  return lookup(label) === PSEUDO;
}

/**
 * The canonical category of a label: its known category, `null` for a pseudo-category, `undefined` for
 * a label no table knows.
 */
export function knownCategory(label: string): CanonicalCategory | null | undefined {
  const hit = lookup(label);
  if (hit === PSEUDO) return null;
  return hit ?? undefined;
}

export type CategoryVendor = 'umbrella' | 'dnsfilter' | 'ndjson';

export interface VendorCategory {
  id?: number | string | undefined;
  label?: string | undefined;
  /** The vendor's kind: Umbrella API 'security' | 'content' | 'application'. */
  kind?: string | undefined;
  /** The vendor marks this category (or the whole record) as security. */
  security?: boolean | undefined;
}

/** Resolves one vendor category; `null` when it is no category (pseudo or application). */
export function resolveCategory(vendor: CategoryVendor, c: VendorCategory): CanonicalCategory | null {
  if (c.kind === 'application') return null;
  if (c.label !== undefined && c.label !== '') {
    const known = knownCategory(c.label);
    if (known !== undefined) return known;
  }
  if (c.id !== undefined && c.kind !== 'content') {
    const id = typeof c.id === 'number' ? c.id : Number(c.id);
    const byId =
      vendor === 'umbrella'
        ? UMBRELLA_SECURITY_IDS[id]
        : vendor === 'dnsfilter'
          ? DNSFILTER_SECURITY_IDS[id]
          : undefined;
    if (byId) return byId;
  }
  return c.security === true || c.kind === 'security' ? 'other-security' : 'content';
}

/** Adds `c` to `list` unless it is null or already there. */
export function pushUnique(list: CanonicalCategory[], c: CanonicalCategory | null): void {
  if (c !== null && !list.includes(c)) list.push(c);
}

/** Canonical categories of a list of labels (unknown → content), deduplicated in first-seen order. */
export function categoriesOfLabels(labels: readonly string[]): CanonicalCategory[] {
  const out: CanonicalCategory[] = [];
  for (const label of labels) {
    const known = knownCategory(label);
    pushUnique(out, known === undefined ? 'content' : known);
  }
  return out;
}

/**
 * What caused a block when the source does not say (10-column Umbrella rows, DNSFilter): the
 * domain's security categories when it has any, else all its categories.
 */
export function inferBlockedCategories(
  categories: readonly CanonicalCategory[],
): readonly CanonicalCategory[] {
  return hasSecurity(categories) ? categories.filter((c) => c !== 'content') : categories;
}
