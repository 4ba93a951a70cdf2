// The byte reader is the string parser, only faster: for any sequence of lines — Umbrella's own
// shapes, headers, spaces after commas, CRLF, and the same lines with random damage — it reports what
// the string parser reports (row fields, blank, header, the same error message), and it reads usual
// lines without the string parser.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createUmbrellaCsvParser, formatUmbrellaCsvLine, umbrellaCsvHeader } from './umbrella-csv.js';
import { rowArb } from './umbrella-csv-arbitraries.js';
import { BAD, BLANK, HEADER, ROW, UmbrellaRowReader } from './umbrella-csv-bytes.js';

/** What the string parser makes of each line, in the reader's terms. */
function expected(lines: readonly string[], orgId?: string) {
  const parser = createUmbrellaCsvParser(orgId === undefined ? {} : { orgId });
  return lines.map((line, i) => {
    const r = parser.parseLine(line, i + 1);
    if (!r.ok) return { outcome: BAD, error: r.error.message };
    if ('header' in r) return { outcome: HEADER };
    if (!('event' in r)) return { outcome: BLANK };
    const e = r.event;
    return {
      outcome: ROW,
      row: {
        ts: e.ts,
        orgId: e.orgId,
        identity: { label: e.identity.label, type: e.identity.type },
        domain: e.domain,
        action: e.action,
        categories: [...e.categories],
      },
    };
  });
}

/** The reader's results for the same lines, all in one buffer (as a decompressed chunk holds them). */
function actual(lines: readonly string[], orgId?: string) {
  const reader = new UmbrellaRowReader(orgId === undefined ? {} : { orgId });
  const bytes = Buffer.from(lines.join('\n'), 'utf8');
  const out: ReturnType<typeof expected> = [];
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    const outcome = reader.read(bytes, start, end, i + 1);
    if (outcome === BAD) out.push({ outcome, error: reader.error });
    else if (outcome !== ROW) out.push({ outcome });
    else {
      const r = reader.row;
      out.push({
        outcome,
        row: {
          ts: r.ts,
          orgId: r.orgId,
          identity: { label: r.identity.label, type: r.identity.type },
          domain: r.domain,
          action: r.action,
          categories: [...r.categories],
        },
      });
    }
    start = end + 1;
  }
  return { results: out, fastLines: reader.fastLines };
}

/** A line with one random change: a character replaced, inserted or removed. */
const damage = (line: string) =>
  fc
    .record({
      at: fc.nat(Math.max(0, line.length - 1)),
      kind: fc.constantFrom('replace', 'insert', 'remove'),
      ch: fc.constantFrom(
        '"',
        ',',
        ' ',
        '\r',
        'x',
        'Z',
        '9',
        ':',
        '-',
        '.',
        'é',
        '\u00a0',
        '\t',
        '(',
        '\u0000',
      ),
    })
    .map(({ at, kind, ch }) => {
      if (kind === 'remove') return line.slice(0, at) + line.slice(at + 1);
      if (kind === 'insert') return line.slice(0, at) + ch + line.slice(at);
      return line.slice(0, at) + ch + line.slice(at + 1);
    });

const fileArb = fc
  .record({
    rows: fc.array(rowArb, { minLength: 1, maxLength: 12 }),
    spaces: fc.boolean(),
    header: fc.boolean(),
    crlf: fc.boolean(),
    upper: fc.boolean(),
    orgId: fc.option(fc.constantFrom('1000001', '77'), { nil: undefined }),
  })
  .chain((f) => {
    const columns = f.rows[0]!.columns;
    const lines = f.rows.map(({ row }) => {
      const line = formatUmbrellaCsvLine(
        f.upper ? { ...row, domain: row.domain.toUpperCase() } : row,
        columns,
        f.spaces,
      );
      return f.crlf ? `${line}\r` : line;
    });
    if (f.header) lines.unshift(umbrellaCsvHeader(columns, f.spaces));
    return fc
      .tuple(
        ...lines.map((l) =>
          fc.oneof({ weight: 3, arbitrary: fc.constant(l) }, { weight: 1, arbitrary: damage(l) }),
        ),
      )
      .map((damaged) => ({ lines: [...damaged, '', '   '], orgId: f.orgId }));
  });

describe('UmbrellaRowReader', () => {
  it('reads every line as the string parser does, damaged or not (property)', () => {
    fc.assert(
      fc.property(fileArb, ({ lines, orgId }) => {
        expect(actual(lines, orgId).results).toEqual(expected(lines, orgId));
      }),
      { numRuns: 600 },
    );
    // ~0.5 s alone; minutes of CPU shared with a loaded run's other files must not fail it.
  }, 30_000);

  it('reads Umbrella’s usual lines without the string parser, and lower-cases domains', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 20 }), fc.boolean(), (rows, spaces) => {
        // Usual: no quote inside a value, an ASCII domain, a query type Umbrella writes as 'N (NAME)'.
        const plain = rows.filter(
          ({ row }) =>
            !row.identity.includes('"') && /^[a-z0-9.-]+$/i.test(row.domain) && row.queryType !== 'TYPE4242',
        );
        const lines = plain.map(({ row, columns }) =>
          formatUmbrellaCsvLine({ ...row, domain: row.domain.toUpperCase() }, columns, spaces),
        );
        const { results, fastLines } = actual(lines);
        expect(fastLines).toBe(lines.length);
        expect(results).toEqual(expected(lines));
        for (const r of results) expect(r.row?.domain).toBe(r.row?.domain.toLowerCase());
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a NUL byte anywhere in a line as the string parser does, and reads the next lines fast (property)', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 2, maxLength: 8 }), fc.nat(), fc.nat(), (rows, which, at) => {
        const plain = rows.filter(
          ({ row }) =>
            !row.identity.includes('"') && /^[a-z0-9.-]+$/i.test(row.domain) && row.queryType !== 'TYPE4242',
        );
        if (plain.length === 0) return;
        const lines = plain.map(({ row, columns }) => formatUmbrellaCsvLine(row, columns));
        const i = which % lines.length;
        const l = lines[i]!;
        const cut = at % (l.length + 1);
        lines[i] = `${l.slice(0, cut)}\u0000${l.slice(cut)}`;
        const { results, fastLines } = actual(lines);
        expect(results).toEqual(expected(lines));
        expect(results[i]).toEqual({
          outcome: BAD,
          error: `line ${i + 1}: contains a NUL character (U+0000)`,
        });
        expect(fastLines).toBe(lines.length - 1);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the lines after a reordered header by that header, as the string parser does', () => {
    const header =
      '"Organization ID","Domain","Timestamp","Action","Identity Types","Identities","Most Granular Identity",' +
      '"Categories","Query Type","Most Granular Identity Type","Internal IP"';
    const lines = [
      header,
      '"1000001","Example.TEST.","2026-01-05 10:00:00","Blocked","Roaming Computers,Sites","LAPTOP-7,Site A","LAPTOP-7","Malware","1 (A)","Roaming Computers","10.0.0.1"',
      '"1000001","other.test.","2026-01-05 10:00:01","Allowed","Sites","Site A","","News","28 (AAAA)","","fe80::1"',
      '"1000002","x.test","2026-01-05 10:00:02","Allowed","","","host","","","",""',
    ];
    const { results, fastLines } = actual(lines);
    expect(results).toEqual(expected(lines));
    expect(results.map((r) => r.outcome)).toEqual([HEADER, ROW, ROW, ROW]);
    expect(fastLines).toBe(3);
  });

  it('gives the same identity object to the lines of one identity', () => {
    const line = (ids: string) =>
      formatUmbrellaCsvLine(
        {
          ts: Date.UTC(2026, 0, 5),
          identity: 'LAPTOP-7',
          identities: ids.split(','),
          action: 'allowed',
          queryType: 'A',
          domain: 'example.test',
          identityType: 'Roaming Computers',
          identityTypes: ids.split(',').map(() => 'Roaming Computers'),
        },
        16,
      );
    const reader = new UmbrellaRowReader();
    const bytes = Buffer.from(`${line('LAPTOP-7')}\n${line('LAPTOP-7,Site-A')}`);
    const nl = bytes.indexOf(10);
    expect(reader.read(bytes, 0, nl, 1)).toBe(ROW);
    const first = reader.row.identity;
    expect(reader.read(bytes, nl + 1, bytes.length, 2)).toBe(ROW);
    expect(reader.row.identity).toBe(first);
    expect(first).toEqual({ label: 'LAPTOP-7', type: 'roaming-computer' });
  });
});
