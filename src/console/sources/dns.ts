// DNS record types and response codes: Umbrella's CSV writes '1 (A)', its API 'A' and an integer
// rcode; DNSFilter writes names. Everything becomes the name ('A', 'NXDOMAIN').
import { detach } from './event.js';

const TYPES: ReadonlyArray<readonly [number, string]> = [
  [1, 'A'],
  [2, 'NS'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [12, 'PTR'],
  [13, 'HINFO'],
  [15, 'MX'],
  [16, 'TXT'],
  [17, 'RP'],
  [18, 'AFSDB'],
  [24, 'SIG'],
  [25, 'KEY'],
  [28, 'AAAA'],
  [29, 'LOC'],
  [33, 'SRV'],
  [35, 'NAPTR'],
  [36, 'KX'],
  [37, 'CERT'],
  [39, 'DNAME'],
  [42, 'APL'],
  [43, 'DS'],
  [44, 'SSHFP'],
  [45, 'IPSECKEY'],
  [46, 'RRSIG'],
  [47, 'NSEC'],
  [48, 'DNSKEY'],
  [49, 'DHCID'],
  [50, 'NSEC3'],
  [51, 'NSEC3PARAM'],
  [52, 'TLSA'],
  [53, 'SMIMEA'],
  [55, 'HIP'],
  [59, 'CDS'],
  [60, 'CDNSKEY'],
  [61, 'OPENPGPKEY'],
  [62, 'CSYNC'],
  [63, 'ZONEMD'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [99, 'SPF'],
  [108, 'EUI48'],
  [109, 'EUI64'],
  [249, 'TKEY'],
  [250, 'TSIG'],
  [251, 'IXFR'],
  [252, 'AXFR'],
  [255, 'ANY'],
  [256, 'URI'],
  [257, 'CAA'],
];

const NAME_BY_NUMBER = new Map<number, string>(TYPES);
const NUMBER_BY_NAME = new Map<string, number>(TYPES.map(([n, name]) => [name, n]));

/** The name of a record type number: 28 → 'AAAA', 4242 → 'TYPE4242' (RFC 3597). */
export function queryTypeName(n: number): string {
  return NAME_BY_NUMBER.get(n) ?? `TYPE${n}`;
}

/** The number of a record type name ('AAAA' → 28, 'TYPE4242' → 4242), or undefined. */
export function queryTypeNumber(name: string): number | undefined {
  const upper = name.toUpperCase();
  const known = NUMBER_BY_NAME.get(upper);
  if (known !== undefined) return known;
  if (/^TYPE\d{1,5}$/.test(upper)) return Number(upper.slice(4));
  return undefined;
}

const qtypeCache = new Map<string, string | null>();

/**
 * Normalizes a query type as a vendor writes it — '1 (A)', '28 (AAAA)', 'AAAA', 'aaaa', '65' — to its
 * name; null when it is neither a number nor a name-like token.
 */
export function normalizeQueryType(raw: string): string | null {
  const hit = qtypeCache.get(raw);
  if (hit !== undefined) return hit;
  const result = computeQueryType(raw.trim());
  if (qtypeCache.size >= 1024) qtypeCache.clear();
  qtypeCache.set(detach(raw), result === null ? null : detach(result));
  return result;
}

function computeQueryType(s: string): string | null {
  const paren = /^(\d{1,5})\s*\(\s*([A-Za-z][A-Za-z0-9-]{0,15})\s*\)$/.exec(s);
  if (paren) return paren[2]!.toUpperCase();
  if (/^\d{1,5}$/.test(s)) {
    const n = Number(s);
    return n <= 65_535 ? queryTypeName(n) : null;
  }
  if (/^[A-Za-z][A-Za-z0-9-]{0,15}$/.test(s)) return s.toUpperCase();
  return null;
}

/** Umbrella's CSV form of a query type name: 'AAAA' → '28 (AAAA)'; a name without a number stays as is. */
export function umbrellaQueryType(name: string): string {
  const n = queryTypeNumber(name);
  return n === undefined ? name : `${n} (${name.toUpperCase()})`;
}

const RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
  'DSOTYPENI',
];

/** The name of a DNS response code: 0 → 'NOERROR', 3 → 'NXDOMAIN', 42 → 'RCODE42'. */
export function responseCodeName(n: number): string {
  return RCODES[n] ?? `RCODE${n}`;
}

/** Characters of an IP address (v4, v6, v6 with an embedded v4, a '%zone' suffix). */
export function isIpLike(s: string): boolean {
  let sawSep = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 58) sawSep = true;
    else if (c === 37) {
      // '%zone' (IPv6 scope): printable ASCII
      if (!sawSep || i + 1 >= s.length) return false;
      for (let k = i + 1; k < s.length; k++) {
        const z = s.charCodeAt(k);
        if (z <= 32 || z >= 127) return false;
      }
      return true;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return sawSep;
}
