// Umbrella Reporting API v2 /activity/dns records (synthetic, shaped like event-formats.md §2.2).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeUmbrellaDnsPage,
  decodeUmbrellaDnsRecord,
  dedupKey,
  umbrellaDnsRecordSchema,
} from './umbrella-api.js';

const TS = Date.UTC(2026, 2, 4, 8, 30, 15);

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'dns',
    timestamp: TS,
    date: '2026-03-04',
    time: '08:30:15',
    domain: 'Beacon.Example.TEST',
    querytype: 'A',
    returncode: 0,
    internalip: '10.9.8.7',
    externalip: '203.0.113.50',
    verdict: 'blocked',
    categories: [
      { id: 65, type: 'security', label: 'Command and Control', integration: false, deprecated: false },
      {
        id: 190,
        type: 'content',
        label: 'Search Engines and Portals',
        integration: false,
        deprecated: false,
      },
      { id: 148, type: 'application', label: 'Application', integration: false, deprecated: false },
    ],
    policycategories: [
      { id: 65, type: 'security', label: 'Command and Control', integration: false, deprecated: false },
    ],
    identities: [
      {
        id: 5001,
        label: 'WS-77',
        deleted: false,
        type: { id: 9, type: 'roaming', label: 'Roaming Computers' },
      },
      { id: 5002, label: 'HQ Network', deleted: false, type: { id: 1, type: 'network', label: 'Networks' } },
    ],
    threats: [],
    allapplications: [],
    ...overrides,
  };
}

describe('decodeUmbrellaDnsRecord', () => {
  it('decodes a blocked record', () => {
    const r = decodeUmbrellaDnsRecord(record(), { orgId: '3100' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.event).toEqual({
      ts: TS,
      vendor: 'umbrella',
      orgId: '3100',
      identity: { label: 'WS-77', type: 'roaming-computer' },
      identities: [
        { label: 'WS-77', type: 'roaming-computer' },
        { label: 'HQ Network', type: 'network' },
      ],
      internalIp: '10.9.8.7',
      externalIp: '203.0.113.50',
      domain: 'beacon.example.test',
      queryType: 'A',
      responseCode: 'NOERROR',
      action: 'blocked',
      categories: ['command-and-control', 'content'],
      blockedCategories: ['command-and-control'],
      vendorCategories: ['Command and Control', 'Search Engines and Portals', 'Application'],
      ruleId: undefined,
      network: undefined,
    });
    expect(r.key).toBe(`${TS}|beacon.example.test|5001|10.9.8.7|A`);
  });

  it('counts proxied as allowed and ignores policy categories of allowed records', () => {
    const r = decodeUmbrellaDnsRecord(record({ verdict: 'proxied' }));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.event.action).toBe('allowed');
    expect(r.event.blockedCategories).toEqual([]);
    expect(r.event.orgId).toBeUndefined();
  });

  it('infers blocked categories without policycategories; resolves unknown security labels by id or as other-security', () => {
    const r = decodeUmbrellaDnsRecord(
      record({
        policycategories: [],
        categories: [
          { id: 67, type: 'security', label: 'Malware (Enterprise, renamed)' },
          { id: 4242, type: 'security', label: 'A Future Threat' },
          { id: 23, type: 'content', label: 'Search Engines', deprecated: true },
        ],
      }),
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.event.categories).toEqual(['malware', 'other-security', 'content']);
    expect(r.event.blockedCategories).toEqual(['malware', 'other-security']);
  });

  it('names rcodes and odd query types; no identities gives an unknown identity', () => {
    const r = decodeUmbrellaDnsRecord(
      record({ returncode: 3, querytype: 'https', identities: [], domain: 'x.example.test.' }),
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.event).toMatchObject({
      responseCode: 'NXDOMAIN',
      queryType: 'HTTPS',
      identity: { label: '', type: 'unknown' },
      identities: [],
      domain: 'x.example.test',
    });
  });

  it('names the field that is wrong', () => {
    const bad = (o: Record<string, unknown>, index?: number) => {
      const r = decodeUmbrellaDnsRecord(record(o), index === undefined ? {} : { index });
      if (r.ok) throw new Error('expected an error');
      return r.error;
    };
    expect(bad({ timestamp: '2026-03-04' }).message).toMatch(/^record: timestamp: /);
    expect(bad({ timestamp: 1.5 }, 4)).toMatchObject({
      line: 5,
      message: expect.stringMatching(/^record 5: timestamp/),
    });
    expect(bad({ domain: '' }).message).toMatch(/domain/);
    expect(bad({ domain: 'a b.example' }).message).toBe('record: domain: is not a domain name');
    expect(bad({ verdict: 'maybe' }).message).toBe(
      "record: verdict 'maybe' is not allowed, blocked or proxied",
    );
    expect(bad({ type: 'proxy' }).message).toBe("record: type 'proxy' is not a DNS record");
    expect(bad({ querytype: 'not a type' }).message).toBe(
      "record: querytype 'not a type' is not a DNS query type",
    );
    expect(bad({ identities: [{ id: 1 }] }).message).toMatch(/identities\.0\.label/);
    expect(decodeUmbrellaDnsRecord(null).ok).toBe(false);
    expect(decodeUmbrellaDnsRecord('x').ok).toBe(false);
  });

  it('never throws on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(typeof decodeUmbrellaDnsRecord(v).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('dedupKey and pages', () => {
  it('separates A and AAAA queries of the same second, and ignores case and the trailing dot', () => {
    const a = umbrellaDnsRecordSchema.parse(record());
    const aaaa = umbrellaDnsRecordSchema.parse(record({ querytype: 'AAAA' }));
    const upper = umbrellaDnsRecordSchema.parse(record({ domain: 'BEACON.example.test.' }));
    expect(dedupKey(a)).not.toBe(dedupKey(aaaa));
    expect(dedupKey(upper)).toBe(dedupKey(a));
  });

  it('decodes a page, skipping records already seen across pages and naming bad ones', () => {
    const seen = new Set<string>();
    const page1 = decodeUmbrellaDnsPage(
      { meta: {}, data: [record(), record({ querytype: 'AAAA' }), record({ verdict: '?' })] },
      { orgId: '3100', seen },
    );
    expect(page1.events).toHaveLength(2);
    expect(page1.errors).toEqual([
      { line: 3, message: "record 3: verdict '?' is not allowed, blocked or proxied" },
    ]);
    const page2 = decodeUmbrellaDnsPage(
      { data: [record({ querytype: 'AAAA' }), record({ timestamp: TS + 1000 })] },
      { seen },
    );
    expect(page2.duplicates).toBe(1);
    expect(page2.events.map((e) => e.ts)).toEqual([TS + 1000]);
    expect(decodeUmbrellaDnsPage({ nodata: true }).errors[0]!.message).toBe('page: expected {"data": [...]}');
  });
});
