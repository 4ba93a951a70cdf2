// DNSFilter query-log files: JSON array (streamed), NDJSON, {"data": [...]} documents, gzip; bad
// records reported by line while the rest is read; unreadable files refused as a whole. The records
// are synthetic, shaped like DNSFilter's traffic-log JSON (event-formats.md §4).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DnsfilterFileError,
  type DnsfilterItem,
  readDnsfilterFile,
} from '../../src/console/sources-remote/dnsfilter-file.js';
import { dnsfilterRecord } from './fixtures.js';

async function* chunked(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function read(text: string | Buffer, chunk = 7): Promise<DnsfilterItem[]> {
  const out: DnsfilterItem[] = [];
  for await (const item of readDnsfilterFile(chunked(Buffer.from(text), chunk))) out.push(item);
  return out;
}

const ok = (items: DnsfilterItem[]) => items.filter((i) => i.ok).map((i) => (i.ok ? i.event : undefined)!);
const bad = (items: DnsfilterItem[]) => items.filter((i) => !i.ok).map((i) => (i.ok ? undefined : i.error)!);

describe('DNSFilter query-log files', () => {
  const records = Array.from({ length: 12 }, (_, i) => dnsfilterRecord(i));

  it('reads a pretty-printed JSON array in small chunks, one record at a time, with its lines', async () => {
    const items = await read(JSON.stringify(records, null, 2), 5);
    const events = ok(items);
    expect(events).toHaveLength(12);
    expect(events[0]).toMatchObject({
      vendor: 'dnsfilter',
      ts: Date.parse('2026-02-10T08:00:05.123Z'),
      domain: 'login-0.phish.example',
      action: 'blocked',
      identity: { label: 'desk-0', type: 'roaming-computer' },
      network: { id: '7001', name: 'Head office' },
    });
    expect(events[0]!.categories).toContain('phishing');
    expect(events[1]).toMatchObject({ action: 'allowed', domain: 'cdn1.example.net', queryType: 'AAAA' });
    // Each record starts on its own line of the pretty-printed array.
    const lines = items.map((i) => (i.ok ? i.line : -1));
    expect(lines[0]).toBe(2);
    expect(new Set(lines).size).toBe(12);
  });

  it('reads NDJSON and gzip, reporting bad lines by number while the rest is read', async () => {
    const lines = records.map((r) => JSON.stringify(r));
    lines.splice(3, 0, '{"time": "not a time", "fqdn": "x.example", "result": "allowed"}');
    lines.splice(6, 0, 'this is not json');
    lines.splice(8, 0, '');
    lines.splice(9, 0, JSON.stringify(dnsfilterRecord(99, { result: 'redirected' })));
    const text = `${lines.join('\r\n')}\n`;
    for (const input of [text, gzipSync(Buffer.from(text))]) {
      const items = await read(input, 11);
      expect(ok(items)).toHaveLength(12);
      expect(bad(items).map((e) => e.line)).toEqual([4, 7, 10]);
      expect(bad(items)[0]!.message).toMatch(/^line 4: time/);
      expect(bad(items)[1]!.message).toMatch(/^line 7: is not JSON/);
      expect(bad(items)[2]!.message).toMatch(/^line 10: result/);
    }
  });

  it('reads a JSON:API document whose records sit under attributes, naming bad records by position', async () => {
    const doc = {
      data: [
        { id: '1', type: 'query_log', attributes: records[0] },
        { id: '2', type: 'query_log', attributes: { ...records[1], fqdn: '', domain: '' } },
        { id: '3', type: 'query_log', attributes: records[2] },
      ],
      meta: { page: 1 },
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      const items = await read(text);
      expect(ok(items)).toHaveLength(2);
      expect(bad(items)).toEqual([{ line: 0, message: 'record 2: fqdn: is missing' }]);
    }
  });

  it('refuses files that are not DNSFilter JSON at all, and truncated ones', async () => {
    await expect(read('"a","b"\n')).rejects.toBeInstanceOf(DnsfilterFileError);
    await expect(read(JSON.stringify(records).slice(0, -40))).rejects.toThrow(/no end/);
    await expect(read('{\n  "rows": [1, 2]\n}\n')).rejects.toThrow(/without a "data" array/);
    await expect(read('{\n  "data": [1, 2]\n')).rejects.toThrow(/neither NDJSON nor one JSON document/);
    // One line that is an object but no record is a bad line of an NDJSON file, not a refusal.
    expect(bad(await read('{"rows": [1, 2]}'))).toEqual([
      { line: 1, message: 'line 1: time: Required; result: Required' },
    ]);
    await expect(read('[1, 2, 3]')).rejects.toThrow(/not records/);
    const gz = gzipSync(Buffer.from(JSON.stringify(records)));
    await expect(read(gz.subarray(0, gz.length - 20))).rejects.toThrow(/not a complete gzip file/);
    expect(await read('   \n')).toEqual([]);
  });
});
