// Random Umbrella DNS log rows for property tests (umbrella-csv.test.ts, umbrella-csv-bytes.test.ts):
// synthetic identities (AD users with a comma, quoted names), IPv4/IPv6, every query type shape,
// category and identity-type labels with what they mean, 10/13/16 columns.
import fc from 'fast-check';
import type { CanonicalCategory } from './event.js';
import type { UmbrellaCsvRow } from './umbrella-csv.js';

/** The oracle: what each label of the pool means (null: pseudo-category). */
export const CATEGORY_POOL: Record<string, CanonicalCategory | null> = {
  Malware: 'malware',
  'Command and Control': 'command-and-control',
  Botnet: 'command-and-control',
  Phishing: 'phishing',
  'Newly Seen Domains': 'newly-seen',
  'Dynamic DNS': 'dynamic-dns',
  'DNS Tunneling VPN': 'tunneling',
  Cryptomining: 'cryptomining',
  'Potentially Harmful': 'potentially-harmful',
  'Business Services': 'content',
  'Social Networking': 'content',
  'Software/Technology': 'content',
  'Allow List': null,
  Application: null,
};
export const TYPE_POOL: Record<string, string> = {
  'AD Users': 'ad-user',
  'AD User': 'ad-user',
  'Roaming Computers': 'roaming-computer',
  'Internal Networks': 'internal-network',
  Sites: 'site',
  Networks: 'network',
  'Mobile Devices': 'mobile-device',
  'Network Tunnels': 'network-tunnel',
};

export function canonical(labels: readonly string[]): CanonicalCategory[] {
  const out: CanonicalCategory[] = [];
  for (const l of labels) {
    const c = CATEGORY_POOL[l];
    if (c !== null && c !== undefined && !out.includes(c)) out.push(c);
  }
  return out;
}

const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$/);
const hostLabel = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/);
const adUser = fc
  .tuple(word, word, word)
  .map(([last, first, user]) => `${last}, ${first} (${user.toLowerCase()}@example.test)`);
const quoted = word.map((w) => `Kiosk "${w}"`);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc
  .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
  .map((p) => p.map((x) => x.toString(16)).join(':'));

export const rowArb = fc
  .record({
    seconds: fc.integer({ min: 946_684_800, max: 4_102_444_799 }), // 2000 … 2099
    identity: fc.oneof(word, adUser, quoted),
    others: fc.array(word, { maxLength: 3 }),
    types: fc.array(fc.constantFrom(...Object.keys(TYPE_POOL)), { minLength: 4, maxLength: 4 }),
    internalIp: fc.oneof(fc.constant(''), ipv4, ipv6),
    externalIp: fc.oneof(fc.constant(''), ipv4, ipv6),
    blocked: fc.boolean(),
    queryType: fc.constantFrom('A', 'AAAA', 'HTTPS', 'MX', 'TXT', 'CNAME', 'PTR', 'SRV', 'TYPE4242'),
    responseCode: fc.constantFrom('', 'NOERROR', 'NXDOMAIN', 'SERVFAIL'),
    domain: fc.array(hostLabel, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
    categories: fc.subarray(Object.keys(CATEGORY_POOL)),
    blockedCategories: fc.subarray(Object.keys(CATEGORY_POOL).filter((c) => CATEGORY_POOL[c] !== null)),
    ruleId: fc.oneof(fc.constant(''), fc.nat().map(String)),
    orgId: fc.oneof(fc.constant(''), fc.nat().map(String)),
    columns: fc.constantFrom(10, 13, 16),
  })
  .map((r) => {
    const identities = [r.identity, ...r.others];
    const types = r.types.slice(0, identities.length);
    const row: UmbrellaCsvRow = {
      ts: r.seconds * 1000,
      identity: r.identity,
      identities,
      internalIp: r.internalIp,
      externalIp: r.externalIp,
      action: r.blocked ? 'blocked' : 'allowed',
      queryType: r.queryType,
      responseCode: r.responseCode,
      domain: r.domain,
      categories: r.categories,
      identityType: types[0]!,
      identityTypes: types,
      blockedCategories: r.blocked ? r.blockedCategories : [],
      ruleId: r.ruleId,
      orgId: r.orgId,
    };
    return { row, columns: r.columns };
  });
