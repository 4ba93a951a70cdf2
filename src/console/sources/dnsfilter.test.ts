// DNSFilter query-log records (synthetic, shaped like event-formats.md §4).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDnsfilterRecord } from './dnsfilter.js';
import type { DnsEvent } from './event.js';

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time: '2026-04-01 09:15:30.250',
    fqdn: 'Login-Portal.Example.TEST.',
    domain: 'example.test',
    question_type: 'A',
    code: 'NOERROR',
    result: 'blocked',
    threat: true,
    categories: [52],
    categories_names: ['Phishing'],
    method: 3,
    method_name: 'Security',
    policy_id: 812,
    policy_name: 'Default Policy',
    networkid: 4400,
    network_name: 'Branch Office',
    agentid: 9100,
    agentname: 'LT-0042',
    agenttype: 'windows',
    local_user_id: 7,
    local_user_name: 'jdoe',
    local_ipv4_address: '192.168.50.20',
    local_ipv6_address: '',
    request_address: '198.51.100.99',
    ...overrides,
  };
}

function ok(raw: unknown): DnsEvent {
  const r = decodeDnsfilterRecord(raw);
  if (!r.ok) throw new Error(r.error.message);
  return r.event;
}

describe('decodeDnsfilterRecord', () => {
  it('decodes a blocked phishing record with an agent', () => {
    expect(ok(record())).toEqual({
      ts: Date.UTC(2026, 3, 1, 9, 15, 30, 250),
      vendor: 'dnsfilter',
      orgId: undefined,
      identity: { label: 'LT-0042', type: 'roaming-computer' },
      identities: [
        { label: 'LT-0042', type: 'roaming-computer' },
        { label: 'jdoe', type: 'user' },
        { label: 'Branch Office', type: 'network' },
      ],
      internalIp: '192.168.50.20',
      externalIp: '198.51.100.99',
      domain: 'login-portal.example.test',
      queryType: 'A',
      responseCode: 'NOERROR',
      action: 'blocked',
      categories: ['phishing'],
      blockedCategories: ['phishing'],
      vendorCategories: ['Phishing'],
      ruleId: '812',
      network: { id: '4400', name: 'Branch Office' },
    });
  });

  it('falls back to the local user, then the network, for the identity', () => {
    expect(ok(record({ agentname: null })).identity).toEqual({ label: 'jdoe', type: 'user' });
    expect(ok(record({ agentname: '', local_user_name: undefined })).identity).toEqual({
      label: 'Branch Office',
      type: 'network',
    });
    const bare = ok(record({ agentname: null, local_user_name: null, network_name: null }));
    expect(bare.identity).toEqual({ label: '4400', type: 'network' });
    expect(bare.network).toEqual({ id: '4400' });
  });

  it('resolves categories by name first, by id when the name is missing', () => {
    const e = ok(
      record({
        categories: [83, 12, 52],
        categories_names: ['Suspicious & Deceptive', 'Technology', null],
        threat: false,
        method_name: 'Category',
        result: 'allowed',
      }),
    );
    expect(e.categories).toEqual(['potentially-harmful', 'content', 'phishing']);
    expect(e.vendorCategories).toEqual(['Suspicious & Deceptive', 'Technology']);
    expect(e.blockedCategories).toEqual([]);
  });

  it('makes a threat without known security categories other-security', () => {
    expect(ok(record({ categories: [4711], categories_names: ['Fresh Threat Feed'] })).categories).toEqual([
      'other-security',
    ]);
    expect(ok(record({ categories: [], categories_names: [] })).categories).toEqual(['other-security']);
    expect(
      ok(record({ threat: false, method_name: 'Security Category', categories: [], categories_names: [] }))
        .categories,
    ).toEqual(['other-security']);
    // Not a threat: an unknown category is content, and a blocked content record is blocked for it.
    const content = ok(
      record({ threat: false, method_name: 'Category', categories: [30], categories_names: ['Gambling'] }),
    );
    expect(content.categories).toEqual(['content']);
    expect(content.blockedCategories).toEqual(['content']);
  });

  it('accepts ISO times, numeric question types and rcodes, IPv6 and an organization id', () => {
    const e = ok(
      record({
        time: '2026-04-01T09:15:30Z',
        question_type: 28,
        code: 3,
        local_ipv4_address: null,
        local_ipv6_address: 'fd00::42',
        organization_id: 123,
        fqdn: null,
        domain: 'Example.test',
      }),
    );
    expect(e).toMatchObject({
      ts: Date.UTC(2026, 3, 1, 9, 15, 30),
      queryType: 'AAAA',
      responseCode: 'NXDOMAIN',
      internalIp: 'fd00::42',
      orgId: '123',
      domain: 'example.test',
    });
  });

  it('names what is wrong, with the line when given', () => {
    const bad = (o: Record<string, unknown>, line?: number) => {
      const r = decodeDnsfilterRecord(record(o), line === undefined ? {} : { line });
      if (r.ok) throw new Error('expected an error');
      return r.error;
    };
    expect(bad({ time: '2026-02-30 00:00:00.000' }, 12)).toEqual({
      line: 12,
      message: "line 12: time '2026-02-30 00:00:00.000' is not a valid UTC time (YYYY-MM-DD HH:MM:SS.mmm)",
    });
    expect(bad({ result: 'quarantined' }).message).toBe(
      "record: result: 'quarantined' is neither allowed nor blocked",
    );
    expect(bad({ fqdn: null, domain: null }).message).toBe('record: fqdn: is missing');
    expect(bad({ fqdn: 'two words.example' }).message).toBe(
      "record: fqdn: 'two words.example' is not a domain name",
    );
    expect(bad({ threat: 'yes' }).message).toMatch(/^record: threat: /);
    expect(bad({ categories: 'Phishing' }).message).toMatch(/^record: categories: /);
    expect(bad({ time: undefined }).message).toMatch(/^record: time: Required/);
    expect(bad({ question_type: '??' }).message).toBe("record: question_type: '??' is not a DNS query type");
  });

  it('never throws on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(typeof decodeDnsfilterRecord(v).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
