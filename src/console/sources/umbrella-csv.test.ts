// Umbrella S3 DNS log lines: every quirk of event-formats.md §1.2–1.3 on synthetic lines, bad lines
// named by their line number while the good ones still count, and properties: what
// formatUmbrellaCsvLine writes (10/13/16 columns, with or without spaces) parses back to the row, and
// no string makes the parser throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DnsEvent } from './event.js';
import {
  createUmbrellaCsvParser,
  formatUmbrellaCsvLine,
  parseUmbrellaCsv,
  splitIdentities,
  type UmbrellaLineResult,
  umbrellaCsvHeader,
} from './umbrella-csv.js';
import { canonical, rowArb, TYPE_POOL } from './umbrella-csv-arbitraries.js';

function one(line: string, options: { orgId?: string } = {}): DnsEvent {
  const r = createUmbrellaCsvParser(options).parseLine(line, 1);
  if (!r.ok) throw new Error(r.error.message);
  if (!('event' in r)) throw new Error('no event');
  return r.event;
}

function errorOf(r: UmbrellaLineResult): string {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error.message;
}

const FULL_16 =
  '"2026-02-03 04:05:06","Doe, Jane (jane@example.test)","Doe, Jane (jane@example.test),LAPTOP-7,Branch-LAN",' +
  '"10.20.30.40","203.0.113.9","Blocked","1 (A)","NOERROR","Evil-C2.Example.TEST.",' +
  '"Command and Control,Malware,Business Services","AD Users","AD Users,Roaming Computers,Internal Networks",' +
  '"Command and Control","9001","US,DE","424242"';

describe('Umbrella CSV: a full 16-column line', () => {
  it('becomes the normalized event', () => {
    expect(one(FULL_16)).toEqual({
      ts: Date.UTC(2026, 1, 3, 4, 5, 6),
      vendor: 'umbrella',
      orgId: '424242',
      identity: { label: 'Doe, Jane (jane@example.test)', type: 'ad-user' },
      identities: [
        { label: 'Doe, Jane (jane@example.test)', type: 'ad-user' },
        { label: 'LAPTOP-7', type: 'roaming-computer' },
        { label: 'Branch-LAN', type: 'internal-network' },
      ],
      internalIp: '10.20.30.40',
      externalIp: '203.0.113.9',
      domain: 'evil-c2.example.test',
      queryType: 'A',
      responseCode: 'NOERROR',
      action: 'blocked',
      categories: ['command-and-control', 'malware', 'content'],
      blockedCategories: ['command-and-control'],
      vendorCategories: ['Command and Control', 'Malware', 'Business Services'],
      ruleId: '9001',
    });
  });

  it('shares frozen identity and category values between lines', () => {
    const p = createUmbrellaCsvParser();
    const a = p.parseLine(FULL_16, 1);
    const b = p.parseLine(FULL_16.replace('04:05:06', '04:05:07'), 2);
    if (!(a.ok && 'event' in a && b.ok && 'event' in b)) throw new Error('expected events');
    expect(b.event.ts - a.event.ts).toBe(1000);
    expect(b.event.identities).toBe(a.event.identities);
    expect(b.event.categories).toBe(a.event.categories);
    expect(Object.isFrozen(a.event.identities)).toBe(true);
    expect(Object.isFrozen(a.event.categories)).toBe(true);
    expect(Object.isFrozen(a.event.identity)).toBe(true);
  });
});

describe('Umbrella CSV: quirks', () => {
  it('reads a 10-column line with spaces after the commas (documentation samples)', () => {
    const e = one(
      '"2026-02-03 04:05:06", "Branch-LAN", "Branch-LAN, Default Site", "192.168.7.8", "198.51.100.2", ' +
        '"Allowed", "28 (AAAA)", "NXDOMAIN", "cdn.example.test.", "Infrastructure and Content Delivery Networks"',
    );
    expect(e).toMatchObject({
      identity: { label: 'Branch-LAN', type: 'unknown' },
      identities: [{ label: 'Branch-LAN' }, { label: 'Default Site' }],
      internalIp: '192.168.7.8',
      externalIp: '198.51.100.2',
      action: 'allowed',
      queryType: 'AAAA',
      responseCode: 'NXDOMAIN',
      domain: 'cdn.example.test',
      categories: ['content'],
      blockedCategories: [],
      orgId: undefined,
      ruleId: undefined,
    });
    expect(e.identities[0]).not.toHaveProperty('type');
  });

  it('reads a 13-column blocked line; singular and plural identity types are one kind', () => {
    const line =
      '"2026-02-03 04:05:06","Lobby Kiosk","Lobby Kiosk,HQ","10.0.0.9","198.51.100.2","Blocked","1 (A)",' +
      '"NOERROR","phish.example.test.","Phishing,Newly Seen Domains","AD Computer","AD Computers,Site","Phishing"';
    const e = one(line);
    expect(e.identity).toEqual({ label: 'Lobby Kiosk', type: 'ad-computer' });
    expect(e.identities).toEqual([
      { label: 'Lobby Kiosk', type: 'ad-computer' },
      { label: 'HQ', type: 'site' },
    ]);
    expect(e.categories).toEqual(['phishing', 'newly-seen']);
    expect(e.blockedCategories).toEqual(['phishing']);
    expect(e.ruleId).toBeUndefined();
  });

  it('pairs identities and types that are separated by ", " (AD Users, Roaming Computers)', () => {
    const line =
      '"2026-02-03 04:05:06","Roe, Max (max@example.test)","Roe, Max (max@example.test), WS-12","","",' +
      '"Allowed","1 (A)","NOERROR","a.example.test.","","AD Users","AD Users, Roaming Computers"';
    expect(one(line).identities).toEqual([
      { label: 'Roe, Max (max@example.test)', type: 'ad-user' },
      { label: 'WS-12', type: 'roaming-computer' },
    ]);
  });

  it('keeps a comma inside an AD user that is not the most granular identity, when types say so', () => {
    expect(splitIdentities('WS-12,Roe, Max (max@example.test),Branch-LAN', 'WS-12', 3)).toEqual([
      'WS-12',
      'Roe, Max (max@example.test)',
      'Branch-LAN',
    ]);
    // Without types nothing says how many identities there are: split on every comma.
    expect(splitIdentities('WS-12,Roe, Max (max@example.test)', 'WS-12')).toEqual([
      'WS-12',
      'Roe',
      'Max (max@example.test)',
    ]);
    // A most granular identity that is not a prefix: plain split.
    expect(splitIdentities('A,B', 'C')).toEqual(['A', 'B']);
    expect(splitIdentities('', 'C')).toEqual([]);
    expect(splitIdentities('Doe, Jane (j@x.test)', 'Doe, Jane (j@x.test)')).toEqual(['Doe, Jane (j@x.test)']);
  });

  it('reads IPv6 addresses and lower-cases the domain, dropping the trailing dot', () => {
    const e = one(
      '"2026-02-03 04:05:06","WS-1","WS-1","fd00:10::1a","2001:db8:0:1::25","Allowed","28 (AAAA)","NOERROR",' +
        '"WWW.Example.Test.",""',
    );
    expect(e.internalIp).toBe('fd00:10::1a');
    expect(e.externalIp).toBe('2001:db8:0:1::25');
    expect(e.domain).toBe('www.example.test');
  });

  it('takes empty fields as absent', () => {
    const e = one(
      '"2026-02-03 04:05:06","WS-1","","","","Allowed","","","example.test","","","","","","",""',
    );
    expect(e).toMatchObject({
      identity: { label: 'WS-1', type: 'unknown' },
      identities: [{ label: 'WS-1' }],
      internalIp: undefined,
      externalIp: undefined,
      queryType: '',
      responseCode: undefined,
      categories: [],
      vendorCategories: [],
      ruleId: undefined,
      orgId: undefined,
    });
  });

  it('unescapes doubled quotes', () => {
    const e = one(
      '"2026-02-03 04:05:06","Kiosk ""Lobby""","Kiosk ""Lobby"",HQ","","","Allowed","1 (A)","NOERROR","k.example.test.",""',
    );
    expect(e.identity.label).toBe('Kiosk "Lobby"');
    expect(e.identities.map((i) => i.label)).toEqual(['Kiosk "Lobby"', 'HQ']);
  });

  it('ignores extra trailing columns', () => {
    const e = one(`${FULL_16},"future-1","future, 2",""`);
    expect(e.orgId).toBe('424242');
    expect(e.ruleId).toBe('9001');
  });

  it('normalizes query types: "1 (A)", "28 (AAAA)", "65 (HTTPS)", bare numbers and names', () => {
    const base = (q: string) =>
      `"2026-02-03 04:05:06","WS-1","WS-1","","","Allowed","${q}","NOERROR","q.example.test.",""`;
    expect(one(base('1 (A)')).queryType).toBe('A');
    expect(one(base('28 (AAAA)')).queryType).toBe('AAAA');
    expect(one(base('65 (HTTPS)')).queryType).toBe('HTTPS');
    expect(one(base('65')).queryType).toBe('HTTPS');
    expect(one(base('4242')).queryType).toBe('TYPE4242');
    expect(one(base('mx')).queryType).toBe('MX');
    expect(one(base('99 (SPF)')).queryType).toBe('SPF');
    expect(one(base('64 (svcb)')).queryType).toBe('SVCB');
    expect(errorOf(createUmbrellaCsvParser().parseLine(base('not a type'), 4))).toBe(
      "line 4: column 7 (Query Type) 'not a type' is not a DNS query type",
    );
  });

  it('keeps pseudo-categories in vendorCategories only', () => {
    const e = one(
      '"2026-02-03 04:05:06","WS-1","WS-1","","","Allowed","1 (A)","NOERROR","ok.example.test.",' +
        '"Allow List,Application,Software/Technology"',
    );
    expect(e.vendorCategories).toEqual(['Allow List', 'Application', 'Software/Technology']);
    expect(e.categories).toEqual(['content']);
  });

  it('infers what a 10-column blocked line was blocked for: its security categories, else all', () => {
    const base = (cats: string) =>
      `"2026-02-03 04:05:06","WS-1","WS-1","","","Blocked","1 (A)","NOERROR","b.example.test.","${cats}"`;
    expect(one(base('Business Services,Botnet')).blockedCategories).toEqual(['command-and-control']);
    expect(one(base('Gambling')).blockedCategories).toEqual(['content']);
    expect(one(base('Block List')).blockedCategories).toEqual([]);
  });

  it('uses the org id option when the line has no Organization ID; the column wins', () => {
    const ten = '"2026-02-03 04:05:06","WS-1","WS-1","","","Allowed","1 (A)","NOERROR","o.example.test.",""';
    expect(one(ten, { orgId: '777' }).orgId).toBe('777');
    expect(one(FULL_16, { orgId: '777' }).orgId).toBe('424242');
  });

  it('treats the Action case-insensitively and proxied as allowed; refuses other actions', () => {
    const base = (a: string) =>
      `"2026-02-03 04:05:06","WS-1","WS-1","","","${a}","1 (A)","NOERROR","a.example.test.",""`;
    expect(one(base('BLOCKED')).action).toBe('blocked');
    expect(one(base('allowed')).action).toBe('allowed');
    expect(one(base('Proxied')).action).toBe('allowed');
    expect(errorOf(createUmbrellaCsvParser().parseLine(base('Maybe'), 3))).toBe(
      "line 3: column 6 (Action) 'Maybe' is neither Allowed nor Blocked",
    );
  });

  it('accepts unquoted fields, CRLF endings, a BOM and spaces before separators', () => {
    const e = one(
      '\ufeff2026-02-03 04:05:06,WS-1 ,"WS-1" , 10.0.0.1,198.51.100.2,Allowed,1 (A),NOERROR,u.example.test.,Malware\r',
    );
    expect(e).toMatchObject({ identity: { label: 'WS-1' }, internalIp: '10.0.0.1', categories: ['malware'] });
  });

  it('reports blank lines as blank', () => {
    const p = createUmbrellaCsvParser();
    expect(p.parseLine('', 1)).toEqual({ ok: true, blank: true });
    expect(p.parseLine('  \r', 2)).toEqual({ ok: true, blank: true });
  });

  it('accepts 29 February in leap years only', () => {
    const base = (ts: string) =>
      `"${ts}","WS-1","WS-1","","","Allowed","1 (A)","NOERROR","d.example.test.",""`;
    expect(one(base('2024-02-29 23:59:59')).ts).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    expect(errorOf(createUmbrellaCsvParser().parseLine(base('2023-02-29 00:00:00'), 1))).toContain(
      "'2023-02-29 00:00:00' is not a valid UTC timestamp",
    );
  });
});

describe('Umbrella CSV: header row', () => {
  it('maps columns by header name for the rest of the file', () => {
    const text = [
      '"Domain","Action","Timestamp","Identities","Most Granular Identity","Query Type","Categories","Organization ID","Identity Types","Most Granular Identity Type","Internal IP"',
      '"x.example.test.","Blocked","2026-02-03 04:05:06","WS-9,Branch-LAN","WS-9","28 (AAAA)","Malware","55","Roaming Computers,Internal Networks","Roaming Computers","10.1.1.1"',
    ].join('\n');
    const { events, errors } = parseUmbrellaCsv(text);
    expect(errors).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      ts: Date.UTC(2026, 1, 3, 4, 5, 6),
      domain: 'x.example.test',
      action: 'blocked',
      identity: { label: 'WS-9', type: 'roaming-computer' },
      identities: [
        { label: 'WS-9', type: 'roaming-computer' },
        { label: 'Branch-LAN', type: 'internal-network' },
      ],
      queryType: 'AAAA',
      categories: ['malware'],
      blockedCategories: ['malware'],
      orgId: '55',
      internalIp: '10.1.1.1',
      externalIp: undefined,
    });
  });

  it('reads the standard header and then lines in the standard order, with spaces', () => {
    const text = `${umbrellaCsvHeader(16, true)}\n${FULL_16.replaceAll('","', '", "')}\n`;
    const { events, errors } = parseUmbrellaCsv(text);
    expect(errors).toEqual([]);
    expect(events[0]).toEqual(one(FULL_16));
  });

  it('refuses lines shorter than the header', () => {
    const p = createUmbrellaCsvParser();
    expect(p.parseLine(umbrellaCsvHeader(13), 1)).toEqual({ ok: true, header: true });
    const ten = '"2026-02-03 04:05:06","WS-1","WS-1","","","Allowed","1 (A)","NOERROR","o.example.test.",""';
    expect(errorOf(p.parseLine(ten, 2))).toBe('line 2: expected at least 13 columns, found 10');
  });

  it('refuses a header without the required columns, and the lines after it', () => {
    const p = createUmbrellaCsvParser();
    expect(errorOf(p.parseLine('"Timestamp","Identities","Action"', 1))).toBe(
      "line 1: the header has no column 'Domain'",
    );
    expect(errorOf(p.parseLine('"2026-02-03 04:05:06","WS-1","Allowed"', 2))).toBe(
      "line 2: cannot be read: the header has no column 'Domain' (line 1)",
    );
  });
});

describe('Umbrella CSV: bad lines', () => {
  const good = (n: number) =>
    `"2026-02-03 04:05:${String(n).padStart(2, '0')}","WS-${n}","WS-${n}","","","Allowed","1 (A)","NOERROR","g${n}.example.test.",""`;

  it('names each bad line and keeps the good ones', () => {
    const lines = [
      good(1),
      good(2),
      good(3),
      good(4),
      good(5),
      good(6),
      '"2026-02-03 04:05:06","WS-1","WS-1","10.0.0.1"', // 7: too few columns
      good(8),
      good(9).replace('2026-02-03 04:05:09', '2024-13-01 00:00:00'), // 9: impossible month
      '"2026-02-03 04:05:06","WS-1","WS-1","","","Allowed","1 (A)","NOERROR","u.example.test.","Malware', // 10
      '\u0000\u0001\u00ff\u0089PNG\u001a\u0000\u0000\u0000\rIHDR\u0000"\u0002', // 11: binary garbage
      good(12).replace('"", "",', '"not-an-ip","",').replace('"",""', '"not-an-ip",""'), // 12
      good(13).replace('g13.example.test.', 'bad domain.'), // 13
      good(14).replace('"WS-14","WS-14"', '"WS-14"x,"WS-14"'), // 14
      good(15),
    ];
    const { events, errors } = parseUmbrellaCsv(lines.join('\n'));
    expect(events.map((e) => e.domain)).toEqual([
      'g1.example.test',
      'g2.example.test',
      'g3.example.test',
      'g4.example.test',
      'g5.example.test',
      'g6.example.test',
      'g8.example.test',
      'g15.example.test',
    ]);
    expect(errors.map((e) => e.line)).toEqual([7, 9, 10, 11, 12, 13, 14]);
    expect(errors[0]).toEqual({ line: 7, message: 'line 7: expected at least 10 columns, found 4' });
    expect(errors[1]!.message).toBe(
      "line 9: column 1 (Timestamp) '2024-13-01 00:00:00' is not a valid UTC timestamp (YYYY-MM-DD HH:MM:SS)",
    );
    expect(errors[2]!.message).toBe('line 10: unterminated quote in column 10');
    expect(errors[3]!.message).toMatch(/^line 11: /);
    expect(errors[4]!.message).toBe("line 12: column 4 (Internal IP) 'not-an-ip' is not an IP address");
    expect(errors[5]!.message).toBe("line 13: column 9 (Domain) 'bad domain.' is not a domain name");
    expect(errors[6]!.message).toBe("line 14: unexpected 'x' after the closing quote of column 2");
  });

  it('escapes control characters in the values it quotes', () => {
    const r = createUmbrellaCsvParser().parseLine(
      '"2026-02-03 04:05:06","WS-1","WS-1","","","Allowed","1 (A)","NOERROR","a\u0007b.example.test.",""',
      5,
    );
    expect(errorOf(r)).toBe("line 5: column 9 (Domain) 'a\\u0007b.example.test.' is not a domain name");
  });

  it('never throws, whatever the line', () => {
    const p = createUmbrellaCsvParser();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer(), (line, n) => {
        const r = p.parseLine(line, n);
        if (!r.ok) expect(r.error.message.startsWith(`line ${n}: `)).toBe(true);
      }),
      { numRuns: 500 },
    );
    // Lines that are almost right: a good line cut anywhere, or with one character replaced.
    const line = FULL_16;
    fc.assert(
      fc.property(fc.nat(line.length), fc.nat(line.length), fc.string({ maxLength: 2 }), (cut, at, ch) => {
        const cutLine = line.slice(0, cut);
        const edited = line.slice(0, at) + ch + line.slice(at + 1);
        for (const l of [cutLine, edited]) {
          const r = p.parseLine(l, 1);
          expect(typeof r.ok).toBe('boolean');
        }
      }),
      { numRuns: 500 },
    );
    expect(() => p.parseLine(undefined as unknown as string, 1)).not.toThrow();
    // fast-check's binary strings are slow to draw (seconds under a loaded run), not the parser.
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------------
// Round trip: random rows → formatUmbrellaCsvLine → parseLine → the row, read back independently.

describe('Umbrella CSV: properties', () => {
  it('parses back what formatUmbrellaCsvLine writes, with or without spaces', () => {
    fc.assert(
      fc.property(rowArb, ({ row, columns }) => {
        const plain = one(formatUmbrellaCsvLine(row, columns, false));
        const spaced = one(formatUmbrellaCsvLine(row, columns, true));
        expect(spaced).toEqual(plain);

        const e = plain;
        expect(e.ts).toBe(row.ts);
        expect(e.vendor).toBe('umbrella');
        expect(e.domain).toBe(row.domain.toLowerCase());
        expect(e.identity.label).toBe(row.identity);
        expect(e.identities.map((i) => i.label)).toEqual(row.identities);
        expect(e.action).toBe(row.action);
        expect(e.queryType).toBe(row.queryType);
        expect(e.responseCode).toBe(row.responseCode || undefined);
        expect(e.internalIp).toBe(row.internalIp || undefined);
        expect(e.externalIp).toBe(row.externalIp || undefined);
        expect(e.vendorCategories).toEqual(row.categories);
        expect(e.categories).toEqual(canonical(row.categories!));
        if (columns >= 12) {
          expect(e.identity.type).toBe(TYPE_POOL[row.identityType!]);
          expect(e.identities.map((i) => i.type)).toEqual(row.identityTypes!.map((t) => TYPE_POOL[t]));
        } else {
          expect(e.identity.type).toBe('unknown');
        }
        if (row.action === 'allowed') expect(e.blockedCategories).toEqual([]);
        else if (columns >= 13) expect(e.blockedCategories).toEqual(canonical(row.blockedCategories!));
        else {
          const cats = canonical(row.categories!);
          const security = cats.filter((c) => c !== 'content');
          expect(e.blockedCategories).toEqual(security.length > 0 ? security : cats);
        }
        expect(e.ruleId).toBe(columns >= 14 ? row.ruleId || undefined : undefined);
        expect(e.orgId).toBe(columns >= 16 ? row.orgId || undefined : undefined);
      }),
      { numRuns: 400 },
    );
  });

  it('reads a file of such lines, behind a header or not, in any column count', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 20 }), fc.boolean(), (rows, header) => {
        const columns = rows[0]!.columns;
        const lines = rows.map(({ row }) => formatUmbrellaCsvLine(row, columns));
        const text = (header ? [umbrellaCsvHeader(columns), ...lines] : lines).join('\r\n');
        const { events, errors } = parseUmbrellaCsv(text);
        expect(errors).toEqual([]);
        expect(events).toEqual(lines.map((l) => one(l)));
      }),
      { numRuns: 60 },
    );
  });
});
