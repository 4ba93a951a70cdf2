import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deltaRows } from '../aggregate/index.js';
import { formatUmbrellaCsvLine, type UmbrellaCsvRow, umbrellaCsvHeader } from '../sources/umbrella-csv.js';
import { prng, umbrellaLines } from './generate.js';
import { type FileResult, type FileTask, processFile, SNIFF_LINES, SourceReadError } from './process-file.js';
import { buildRoutingTable, customerOfKey, orgIdFromKey } from './routing.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function row(over: Partial<UmbrellaCsvRow> = {}): UmbrellaCsvRow {
  return {
    ts: T0,
    identity: 'host-1.corp',
    identityType: 'Roaming Computers',
    action: 'Allowed',
    queryType: 'A',
    responseCode: 'NOERROR',
    domain: 'example.test',
    categories: ['Business Services'],
    orgId: '42',
    ...over,
  };
}

const line = (over: Partial<UmbrellaCsvRow> = {}) => formatUmbrellaCsvLine(row(over));

const task = (over: Partial<FileTask> = {}): FileTask => ({
  sourceKey: 'file:/x.csv',
  routeKey: 'x.csv',
  routing: buildRoutingTable([{ customerId: 7, kind: 'umbrella-org', value: '42' }]),
  aggregate: { windowMinutes: 240, heavyHitterCapacity: 64 },
  ...over,
});

/** The bytes as an input stream cut into chunks of the given sizes (cycled). */
async function* chunked(
  bytes: Buffer,
  sizes: readonly number[] = [bytes.length || 1],
): AsyncGenerator<Buffer> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = sizes[i++ % sizes.length]!;
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

async function run(bytes: Buffer | string, t: FileTask = task(), sizes?: number[]): Promise<FileResult> {
  return processFile(chunked(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, sizes), t);
}

function ok(r: FileResult) {
  if (!r.ok) throw new Error(`expected success, got: ${r.reason}`);
  return r;
}

describe('processFile', () => {
  it('reads plain CSV with CRLF line ends and a last line without a newline', async () => {
    const text = `${line()}\r\n${line({ action: 'Blocked', categories: ['Malware'] })}\r\n${line()}`;
    const r = ok(await run(text));
    expect(r).toMatchObject({ rows: 3, badRows: 0, unrouted: 0, errors: [] });
    expect(r.deltas.dailyTotals).toEqual([
      expect.objectContaining({ customerId: 7, day: '2026-01-05', requests: 3, allowed: 2, blocked: 1 }),
    ]);
  });

  it('reads gzip by its magic bytes whatever the name, and the same content gives the same deltas', async () => {
    const text = `${umbrellaCsvHeader()}\n${[...umbrellaLines({ rows: 500, orgIds: ['42'] })].join('\n')}\n`;
    const plain = ok(await run(text));
    const gz = ok(await run(gzipSync(text), task({ routeKey: 'x.csv' })));
    expect(plain.rows).toBe(500);
    expect(gz.deltas).toEqual(plain.deltas);
    expect(gz.bytes).toBeLessThan(plain.bytes);
  });

  it('cuts lines right whatever the chunk boundaries, multi-byte characters included', async () => {
    const lines = [
      line({ identity: 'Zoë Ångström (zoe@example.test)', identityType: 'AD Users' }),
      line({ identity: '東京-host', domain: 'xn--wgv71a.test' }),
      line(),
    ];
    const text = `${lines.join('\n')}\n`;
    const whole = ok(await run(text));
    for (const sizes of [[1], [2, 3], [7, 1, 13], [64]]) {
      const r = ok(await run(Buffer.from(text), task(), sizes));
      expect(r.deltas).toEqual(whole.deltas);
      const gz = ok(await run(gzipSync(text), task(), sizes));
      expect(gz.deltas).toEqual(whole.deltas);
    }
    expect(
      deltaRows(whole.deltas)
        .identities.map((i) => i.label)
        .sort(),
    ).toEqual(['Zoë Ångström (zoe@example.test)', '東京-host', 'host-1.corp'].sort());
  });

  it('counts and reports a malformed line with its number and ingests the rest', async () => {
    const text = [line(), line(), '"2026-01-05 10:00:00","broken', line(), 'not,a,dns,row', line()].join(
      '\n',
    );
    const r = ok(await run(text));
    expect(r.rows).toBe(4);
    expect(r.badRows).toBe(2);
    expect(r.errors.map((e) => e.line)).toEqual([3, 5]);
    expect(r.errors[0]!.message).toMatch(/^line 3: /);
    expect(r.deltas.dailyTotals[0]!.requests).toBe(4);
  });

  it('counts a line with a NUL byte as bad (PostgreSQL cannot store U+0000) and ingests the others', async () => {
    const lines = [line(), line({ identity: 'host\u0000-2' }), line(), `${line()}\u0000`, line()];
    for (const bytes of [Buffer.from(lines.join('\n')), gzipSync(lines.join('\n'))]) {
      const r = ok(await run(bytes, task(), [7, 64]));
      expect(r.rows).toBe(3);
      expect(r.errors).toEqual([
        { line: 2, message: 'line 2: contains a NUL character (U+0000)' },
        { line: 4, message: 'line 4: contains a NUL character (U+0000)' },
      ]);
      expect(deltaRows(r.deltas).identities.map((i) => i.label)).toEqual(['host-1.corp']);
    }
  });

  it('keeps only the first errors but counts them all', async () => {
    const text = [line(), ...Array.from({ length: 30 }, () => 'x,y'), line()].join('\n');
    const r = ok(await processFile(chunked(Buffer.from(text)), { ...task(), maxErrors: 5 }));
    expect(r.badRows).toBe(30);
    expect(r.errors).toHaveLength(5);
  });

  it('refuses a gzip file that ends early, committing nothing', async () => {
    const gz = gzipSync([...umbrellaLines({ rows: 2000, orgIds: ['42'] })].join('\n'));
    const r = await run(gz.subarray(0, Math.floor(gz.length * 0.6)));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.permanent).toBe(true);
    expect(r.reason).toMatch(/^not a complete gzip file: unexpected end of file/);
  });

  it('refuses binary garbage, and a gzip that holds binary data', async () => {
    const rnd = prng(3);
    const garbage = Buffer.from(Array.from({ length: 5000 }, () => Math.floor(rnd() * 256)));
    garbage[0] = 0x50; // not the gzip magic
    const r = await run(garbage);
    expect(r).toMatchObject({ ok: false, permanent: true, reason: 'neither gzip nor CSV text: binary data' });
    const inner = await run(gzipSync(garbage));
    expect(inner).toMatchObject({
      ok: false,
      permanent: true,
      reason: 'not CSV: the gzip file holds binary data',
    });
  });

  it('refuses text that is not an Umbrella DNS CSV: no row among the first lines', async () => {
    const other = Array.from({ length: SNIFF_LINES + 50 }, (_, i) => `${i},widget,${i * 3}`).join('\n');
    const r = await run(`${other}\n${line()}\n`);
    expect(r).toMatchObject({ ok: false, permanent: true });
    if (!r.ok) expect(r.reason).toMatch(/^not an Umbrella DNS CSV file: no line is a DNS log row \(line 1: /);
    // A short file of only bad lines is refused too; a header alone is an empty file, not an error.
    expect((await run('a,b,c\nd,e,f\n')).ok).toBe(false);
    expect(ok(await run(`${umbrellaCsvHeader()}\n`))).toMatchObject({ rows: 0, badRows: 0 });
    expect(ok(await run(''))).toMatchObject({ rows: 0, badRows: 0 });
  });

  it('counts a line longer than the limit as bad and goes on', async () => {
    const long = `"${'x'.repeat(1024 * 1024 + 10)}"`;
    const r = ok(await run(`${line()}\n${long}\n${line()}\n`, task(), [65536]));
    expect(r.rows).toBe(2);
    expect(r.badRows).toBe(1);
    expect(r.errors[0]).toEqual({ line: 2, message: expect.stringMatching(/^line 2: longer than/) });
  });

  it('reports a failing input as worth a retry (not permanent)', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${line()}\n`);
      throw new Error('connection reset');
    }
    for (const input of [failing()]) {
      const r = await processFile(input, task());
      expect(r).toMatchObject({
        ok: false,
        permanent: false,
        reason: 'could not read the file: connection reset',
      });
    }
    async function* failingGzip(): AsyncGenerator<Buffer> {
      yield gzipSync(`${line()}\n`).subarray(0, 12);
      throw new SourceReadError('socket hang up');
    }
    expect(await processFile(failingGzip(), task())).toMatchObject({ ok: false, permanent: false });
  });

  it('routes a file under a folder-prefix binding to its customer, others by org id, the rest unrouted', async () => {
    const routing = buildRoutingTable([
      { customerId: 1, kind: 'folder-prefix', value: 'acme/' },
      { customerId: 2, kind: 'umbrella-org', value: '42' },
      { customerId: 3, kind: 'umbrella-org', value: '43' },
    ]);
    const text = [
      line({ orgId: '42' }),
      line({ orgId: '43' }),
      line({ orgId: '99' }),
      line({ orgId: '' }),
    ].join('\n');
    const byPrefix = ok(await run(text, task({ routing, routeKey: 'acme/dnslogs/2026-01-05/a.csv' })));
    expect(byPrefix.unrouted).toBe(0);
    expect(byPrefix.deltas.dailyTotals.map((d) => [d.customerId, d.requests])).toEqual([[1, 4]]);
    const byOrg = ok(await run(text, task({ routing, routeKey: 'other/dnslogs/2026-01-05/a.csv' })));
    expect(byOrg.unrouted).toBe(2);
    expect(byOrg.deltas.dailyTotals.map((d) => [d.customerId, d.requests])).toEqual([
      [2, 1],
      [3, 1],
    ]);
    // Rows without an org column take the org folder of the file (Umbrella multi-org buckets).
    const folder = ok(
      await run(text, task({ routing, routeKey: 'x', locationKey: 'b/43/dnslogs/2026-01-05/a.csv' })),
    );
    expect(folder.deltas.dailyTotals.map((d) => [d.customerId, d.requests])).toEqual([
      [2, 1],
      [3, 2],
    ]);
    expect(folder.unrouted).toBe(1);
  });
});

describe('routing', () => {
  it('matches folder prefixes at folder boundaries, the longest first', () => {
    const t = buildRoutingTable([
      { customerId: 1, kind: 'folder-prefix', value: '/org1' },
      { customerId: 2, kind: 'folder-prefix', value: 'org1/dnslogs/2026-01-05/' },
      { customerId: 3, kind: 'folder-prefix', value: 'shared/' },
    ]);
    expect(customerOfKey(t, 'org1/dnslogs/2026-01-04/a.csv.gz')).toBe(1);
    expect(customerOfKey(t, 'org1/dnslogs/2026-01-05/a.csv.gz')).toBe(2);
    expect(customerOfKey(t, 'org10/dnslogs/2026-01-05/a.csv.gz')).toBeUndefined();
    expect(customerOfKey(t, 'shared/x')).toBe(3);
    expect(customerOfKey(t, 'sharedx/y')).toBeUndefined();
  });

  it('reads the org id of an all-digits folder right above dnslogs', () => {
    expect(orgIdFromKey('bucket/1234567/dnslogs/2026-01-05/a.csv.gz')).toBe('1234567');
    expect(orgIdFromKey('acme/dnslogs/2026-01-05/a.csv.gz')).toBeUndefined();
    expect(orgIdFromKey('dnslogs/2026-01-05/a.csv.gz')).toBeUndefined();
  });
});
