// Every decoder yields events of one shape (same keys, same order: one hidden class for the code that
// reads them), and detach copies.
import { describe, expect, it } from 'vitest';
import { decodeDnsfilterRecord } from './dnsfilter.js';
import { type DnsEvent, detach, makeEvent } from './event.js';
import { decodeNdjsonLine } from './ndjson.js';
import { decodeUmbrellaDnsRecord } from './umbrella-api.js';
import { createUmbrellaCsvParser } from './umbrella-csv.js';

function keysOf(e: DnsEvent): string[] {
  return Object.keys(e);
}

describe('one event shape', () => {
  it('is the same for makeEvent and every decoder', () => {
    const reference = keysOf(
      makeEvent({
        ts: 0,
        vendor: 'ndjson',
        orgId: undefined,
        identity: { label: 'x', type: 'unknown' },
        identities: [],
        internalIp: undefined,
        externalIp: undefined,
        domain: 'x',
        queryType: '',
        responseCode: undefined,
        action: 'allowed',
        categories: [],
        blockedCategories: [],
        vendorCategories: [],
        ruleId: undefined,
      }),
    );
    expect(reference).toEqual([
      'ts',
      'vendor',
      'orgId',
      'identity',
      'identities',
      'internalIp',
      'externalIp',
      'domain',
      'queryType',
      'responseCode',
      'action',
      'categories',
      'blockedCategories',
      'vendorCategories',
      'ruleId',
      'network',
    ]);

    const csv = createUmbrellaCsvParser().parseLine(
      '"2026-02-03 04:05:06","WS-1","WS-1","","","Allowed","1 (A)","NOERROR","a.example.test.",""',
      1,
    );
    const api = decodeUmbrellaDnsRecord({
      timestamp: 1_700_000_000_000,
      domain: 'a.example',
      verdict: 'allowed',
    });
    const dnsfilter = decodeDnsfilterRecord({
      time: '2026-01-01 00:00:00.000',
      fqdn: 'a.example',
      result: 'allowed',
    });
    const ndjson = decodeNdjsonLine('{"ts":0,"identity":"u","domain":"a.example","action":"allowed"}', 1);
    for (const r of [csv, api, dnsfilter, ndjson]) {
      if (!(r.ok && 'event' in r)) throw new Error(JSON.stringify(r));
      expect(keysOf(r.event)).toEqual(reference);
    }
  });
});

describe('detach', () => {
  it('returns an equal string', () => {
    const line = `prefix,${'host.example.test'.repeat(3)},suffix`;
    const cut = line.slice(7, 7 + 51);
    expect(detach(cut)).toBe(cut);
    expect(detach('')).toBe('');
    expect(detach('short')).toBe('short');
    expect(detach('with "quotes" and \\ and \u2028 and é')).toBe('with "quotes" and \\ and \u2028 and é');
  });
});
