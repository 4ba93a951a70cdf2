// Vendor categories → canonical categories (by label, then id), pseudo-categories, and the
// normalized event's helpers.
import { describe, expect, it } from 'vitest';
import {
  categoriesOfLabels,
  inferBlockedCategories,
  isPseudoCategory,
  knownCategory,
  resolveCategory,
} from './categories.js';
import {
  CANONICAL_CATEGORIES,
  isCanonicalCategory,
  isSecurity,
  quoteValue,
  SECURITY_CATEGORIES,
} from './event.js';
import { normalizeIdentityType } from './identity.js';

describe('knownCategory (by label)', () => {
  it.each([
    // Umbrella, current and former names
    ['Malware', 'malware'],
    ['Enterprise Malware', 'malware'],
    ['Command and Control', 'command-and-control'],
    ['Command Control Callbacks', 'command-and-control'],
    ['Botnet', 'command-and-control'],
    ['Phishing', 'phishing'],
    ['Phishing Attacks', 'phishing'],
    ['Newly Seen Domains', 'newly-seen'],
    ['Dynamic DNS', 'dynamic-dns'],
    ['Potentially Harmful', 'potentially-harmful'],
    ['Potentially Harmful Domains', 'potentially-harmful'],
    ['DNS Tunneling VPN', 'tunneling'],
    ['Cryptomining', 'cryptomining'],
    // DNSFilter names
    ['Suspicious & Deceptive', 'potentially-harmful'],
    ['New Domains', 'newly-seen'],
    ['Phishing & Deception', 'phishing'],
    // case, spacing and punctuation do not matter; '&' reads as 'and'
    ['command  and control', 'command-and-control'],
    ['COMMAND & CONTROL', 'command-and-control'],
    ['  botnet ', 'command-and-control'],
    ['dns-tunneling-vpn', 'tunneling'],
    ['Newly-Seen Domains', 'newly-seen'],
    // canonical names resolve to themselves
    ...CANONICAL_CATEGORIES.map((c) => [c, c] as [string, string]),
  ])('%s → %s', (label, expected) => {
    expect(knownCategory(label)).toBe(expected);
  });

  it('says null for pseudo-categories and undefined for labels nobody knows', () => {
    for (const p of ['Allow List', 'Block List', 'Application', 'allowlist', 'BLOCK-LIST']) {
      expect(knownCategory(p)).toBeNull();
      expect(isPseudoCategory(p)).toBe(true);
    }
    expect(knownCategory('Business Services')).toBeUndefined();
    expect(knownCategory('constructor')).toBeUndefined();
    expect(knownCategory('')).toBeUndefined();
    expect(isPseudoCategory('Malware')).toBe(false);
  });
});

describe('resolveCategory', () => {
  it('prefers the label to the id', () => {
    expect(
      resolveCategory('umbrella', { id: 65, label: 'Search Engines and Portals', kind: 'content' }),
    ).toBe('content');
    expect(resolveCategory('umbrella', { id: 190, label: 'Command and Control', kind: 'security' })).toBe(
      'command-and-control',
    );
  });

  it.each([
    [61, 'dynamic-dns'],
    [64, 'command-and-control'],
    [65, 'command-and-control'],
    [66, 'malware'],
    [67, 'malware'],
    [68, 'phishing'],
    [108, 'newly-seen'],
    [109, 'potentially-harmful'],
    [110, 'tunneling'],
    [150, 'cryptomining'],
  ])('falls back to Umbrella id %i → %s when the label is unknown', (id, expected) => {
    expect(resolveCategory('umbrella', { id, label: 'Renamed Label', kind: 'security' })).toBe(expected);
    expect(resolveCategory('umbrella', { id: String(id) })).toBe(expected);
  });

  it('does not trust an id the vendor calls content (ids moved between generations)', () => {
    expect(resolveCategory('umbrella', { id: 61, label: 'Some Content', kind: 'content' })).toBe('content');
  });

  it('maps the known DNSFilter ids, and only for DNSFilter', () => {
    expect(resolveCategory('dnsfilter', { id: 52 })).toBe('phishing');
    expect(resolveCategory('dnsfilter', { id: 83 })).toBe('potentially-harmful');
    expect(resolveCategory('umbrella', { id: 52 })).toBe('content');
    expect(resolveCategory('dnsfilter', { id: 65 })).toBe('content');
  });

  it('makes an unknown category other-security when the vendor marks it security, else content', () => {
    expect(resolveCategory('umbrella', { id: 9999, label: 'Brand New Threat', kind: 'security' })).toBe(
      'other-security',
    );
    expect(resolveCategory('dnsfilter', { id: 9999, label: 'Brand New Threat', security: true })).toBe(
      'other-security',
    );
    expect(resolveCategory('dnsfilter', { id: 9999, label: 'Gardening' })).toBe('content');
  });

  it('returns null for pseudo-categories and applications', () => {
    expect(resolveCategory('umbrella', { id: 148, label: 'Application', kind: 'application' })).toBeNull();
    expect(resolveCategory('umbrella', { label: 'Allow List' })).toBeNull();
  });
});

describe('category lists', () => {
  it('deduplicates in first-seen order and drops pseudo-categories', () => {
    expect(
      categoriesOfLabels(['Business Services', 'Botnet', 'Allow List', 'Command and Control', 'News']),
    ).toEqual(['content', 'command-and-control']);
  });

  it('infers blocked categories: the security ones, else all', () => {
    expect(inferBlockedCategories(['content', 'malware', 'phishing'])).toEqual(['malware', 'phishing']);
    expect(inferBlockedCategories(['content'])).toEqual(['content']);
    expect(inferBlockedCategories([])).toEqual([]);
  });
});

describe('event helpers', () => {
  it('knows which categories are security', () => {
    expect(SECURITY_CATEGORIES).toHaveLength(9);
    for (const c of SECURITY_CATEGORIES) expect(isSecurity(c)).toBe(true);
    expect(isSecurity('content')).toBe(false);
    expect(isCanonicalCategory('malware')).toBe(true);
    expect(isCanonicalCategory('Malware')).toBe(false);
  });

  it('quotes values for messages: cut at 60 characters, control characters escaped', () => {
    expect(quoteValue('abc')).toBe("'abc'");
    expect(quoteValue('a\u0000b\nc')).toBe("'a\\u0000b\\u000ac'");
    expect(quoteValue('x'.repeat(100))).toBe(`'${'x'.repeat(60)}…'`);
  });
});

describe('normalizeIdentityType', () => {
  it.each([
    ['AD Users', 'ad-user'],
    ['AD User', 'ad-user'],
    ['directory_user', 'ad-user'],
    ['AD Computers', 'ad-computer'],
    ['Roaming Computers', 'roaming-computer'],
    ['roaming', 'roaming-computer'],
    ['Anyconnect Roaming Client', 'roaming-computer'],
    ['Mobile Devices', 'mobile-device'],
    ['Sites', 'site'],
    ['Site', 'site'],
    ['Internal Networks', 'internal-network'],
    ['Networks', 'network'],
    ['Network', 'network'],
    ['Network Devices', 'network-device'],
    ['Network Tunnels', 'network-tunnel'],
    ['CDFW Tunnel Device', 'network-tunnel'],
    ['Virtual Appliances', 'virtual-appliance'],
    ['Organization', 'organization'],
    ['', 'unknown'],
    ['Chromebook Users', 'Chromebook Users'],
  ])('%s → %s', (label, expected) => {
    expect(normalizeIdentityType(label)).toBe(expected);
  });
});
