// CON-4 company mapping (pure part): name normalization, similarity and suggestions, the bulk CSV
// (format, parse, injection guard, round trip, bad lines) and detection of disappeared companies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectMissingMappings,
  formatMappingCsv,
  MAPPING_CSV_COLUMNS,
  type MappingCsvRow,
  normalizeCompanyName,
  parseMappingCsv,
  similarity,
  suggestCompanies,
} from './mapping.js';

describe('normalizeCompanyName', () => {
  it.each([
    ['Acme Corp', 'acme corp'],
    ['ACME Corp.', 'acme corp'],
    ['Acme Corporation', 'acme corp'],
    ['  Acme   Corporation  ', 'acme corp'],
    ['Initech Incorporated', 'initech inc'],
    ['Initech, Inc.', 'initech inc'],
    ['The Initech LLC', 'initech llc'],
    ['Initech L.L.C.', 'initech llc'],
    ['Vandelay Limited', 'vandelay ltd'],
    ['Vandelay Ltd.', 'vandelay ltd'],
    ['Kramerica & Company', 'kramerica and co'],
    ['Zürich Versicherung AG', 'zurich versicherung ag'],
    ['Müller-Lüdenscheidt GmbH', 'muller ludenscheidt gmbh'],
    ['Straße Bau GmbH', 'strasse bau gmbh'],
    ['São Paulo Tecnologia Ltda', 'sao paulo tecnologia ltd'],
    ['Padaria S/A', 'padaria sa'],
    ['Ferrari S.p.A.', 'ferrari spa'],
    ['Philips B.V.', 'philips bv'],
    ["Macy's", 'macys'],
    ['ｆｕｌｌｗｉｄｔｈ Ｃｏｒｐ', 'fullwidth corp'],
    ['acme.com', 'acme com'],
    ['Acme Intl', 'acme international'],
    ['The', 'the'],
    ['', ''],
    ['  ,;.!  ', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeCompanyName(input)).toBe(expected);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (name) => {
        const once = normalizeCompanyName(name);
        expect(normalizeCompanyName(once)).toBe(once);
      }),
    );
  });
});

describe('similarity', () => {
  it('is 1 for names equal once normalized and 0 when either is empty', () => {
    expect(similarity('Acme Corp', 'ACME Corporation')).toBe(1);
    expect(similarity('Acme Corp', '')).toBe(0);
    expect(similarity('', '')).toBe(0);
    expect(similarity('...', 'Acme')).toBe(0);
  });

  it('weighs legal suffixes less than distinctive words', () => {
    // Same distinctive word, different suffix: close. Same suffix, different distinctive word: far.
    expect(similarity('Acme Corp', 'Acme Inc')).toBeGreaterThan(0.85);
    expect(similarity('Acme Corp', 'Umbrella Corp')).toBeLessThan(0.2);
    // An exact suffix beats a different one.
    expect(similarity('Acme Corp', 'Acme Corporation')).toBeGreaterThan(similarity('Acme Corp', 'Acme Ltd'));
  });

  it('raises the score when the identifier is the name squashed', () => {
    expect(similarity('Acme Corp', 'Wile E. Holdings')).toBeLessThan(0.3);
    expect(similarity('Acme Corp', 'Wile E. Holdings', 'AcmeCorp')).toBeGreaterThanOrEqual(0.9);
    expect(similarity('Acme Corporation', 'Zzz', 'ACME_CORP')).toBeGreaterThanOrEqual(0.9);
    expect(similarity('Acme Corp', 'Zzz', 'Acme')).toBeGreaterThanOrEqual(0.9);
    expect(similarity('Acme Inc', 'Zzz', 'AcmeCorporation')).toBeGreaterThanOrEqual(0.9);
    // ConnectWise truncates identifiers to 25 characters.
    const long = 'Wayne Enterprises International Holdings';
    expect(similarity(long, 'Zzz', 'WayneEnterprisesInternati')).toBeGreaterThanOrEqual(0.9);
    expect(similarity('Acme Corp', 'Zzz', 'Acm')).toBeLessThan(0.3);
    expect(similarity('Acme Corp', 'Zzz', 'AcmeDental')).toBeLessThan(0.3);
  });

  it('stays in [0, 1] and is symmetric without an identifier', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        (a, b) => {
          const ab = similarity(a, b);
          expect(ab).toBeGreaterThanOrEqual(0);
          expect(ab).toBeLessThanOrEqual(1);
          expect(similarity(b, a)).toBeCloseTo(ab, 12);
          if (normalizeCompanyName(a) !== '') expect(similarity(a, a)).toBe(1);
        },
      ),
    );
  });
});

describe('suggestCompanies', () => {
  const company = (
    id: number,
    name: string,
    identifier = name.replace(/[^A-Za-z0-9]/g, '').slice(0, 25),
  ) => ({
    id,
    identifier,
    name,
  });

  it('ranks "Acme Corporation" and "ACME Corp." above "Acme Dental" for "Acme Corp"', () => {
    const companies = [
      company(3, 'Acme Dental'),
      company(1, 'Acme Corporation', 'AcmeCorp'),
      company(2, 'ACME Corp.', 'ACMECorp2'),
    ];
    const suggestions = suggestCompanies('Acme Corp', companies);
    expect(suggestions.map((s) => s.company.id)).toEqual([2, 1, 3]);
    expect(suggestions[0]!.score).toBe(1);
    expect(suggestions[0]!.reason).toBe('same name');
    expect(suggestions[1]!.score).toBe(1);
    expect(suggestions[1]!.reason).toBe('same name apart from legal suffix');
    expect(suggestions[2]!.score).toBeLessThan(0.7);
    expect(suggestions[2]!.reason).toBe('similar name');
  });

  // A realistic PSA company list; each case names the expected best match (or none) and, optionally,
  // companies that must rank below it or not be suggested at all.
  const psa = [
    company(10, 'Globex Industries'),
    company(11, 'Globex Corporation'),
    company(12, 'Initech'),
    company(13, 'Wayne Enterprises'),
    company(14, 'Zurich Versicherung'),
    company(15, 'Stark Industries Group'),
    company(16, 'Tyrel Corp'),
    company(17, 'Microsoft Corporation', 'Microsoft'),
    company(18, 'Johnson and Johnson'),
    company(19, 'Umbrella Corp'),
    company(20, 'Massive Dynamics Inc'),
    company(21, 'São Paulo Tecnologia'),
    company(22, 'Contoso Holdings', 'ContosoLtd'),
    company(23, 'Cyberdyne Systems'),
    company(24, 'Soylent Green Ltd'),
    company(25, 'NWT Import Export', 'NorthwindTraders'),
  ];
  it.each<[string, number | null, string | null, number[]]>([
    ['Globex Industires', 10, 'similar name', [11]],
    ['Globex Corp', 11, 'same name apart from legal suffix', [10]],
    ['The Initech LLC', 12, 'same name apart from legal suffix', []],
    ['Enterprises Wayne', 13, 'same words in another order', []],
    ['Zürich Versicherung AG', 14, 'same name apart from legal suffix', []],
    ['Stark Industries', 15, 'same name apart from generic words', []],
    ['Tyrell Corporation', 16, 'similar name', [19]],
    ['Micro Soft', 17, 'same name apart from spacing', []],
    ['Northwind Traders', 25, 'identifier matches', []],
    ['Johnson & Johnson', 18, 'same name', []],
    ['Massive Dynamic', 20, 'similar name', []],
    ['SAO PAULO TECNOLOGIA LTDA.', 21, 'same name apart from legal suffix', []],
    ['Contoso Ltd', 22, 'same name apart from generic words', []],
    ['Cyberdyne', 23, 'similar name', []],
    ['Hooli XYZ', null, null, []],
    ['Pied Piper', null, null, []],
    ['', null, null, []],
    ['   ', null, null, []],
  ])('%j → company %j (%s)', (customer, expectedId, reason, below) => {
    const suggestions = suggestCompanies(customer, psa);
    if (expectedId === null) {
      expect(suggestions).toEqual([]);
      return;
    }
    expect(suggestions[0]?.company.id).toBe(expectedId);
    expect(suggestions[0]?.reason).toBe(reason);
    for (const id of below) {
      const rank = suggestions.findIndex((s) => s.company.id === id);
      if (rank !== -1) expect(rank).toBeGreaterThan(0);
    }
    for (const s of suggestions) expect(s.score).toBeGreaterThanOrEqual(0.3);
  });

  it('leaves unrelated names out below minScore, and honours limit and minScore', () => {
    const names = suggestCompanies('Acme Corp', psa, { minScore: 0 }).map((s) => s.company.name);
    expect(names).not.toContain('Globex Industries');
    expect(suggestCompanies('Acme Corp', psa)).toEqual([]);
    const all = suggestCompanies('Globex', psa, { limit: 100, minScore: 0.01 });
    expect(all.length).toBeGreaterThan(2);
    expect(suggestCompanies('Globex', psa, { limit: 1, minScore: 0.01 })).toEqual(all.slice(0, 1));
    expect(suggestCompanies('Globex', psa, { limit: 0 })).toEqual([]);
    expect(suggestCompanies('Globex', psa, { minScore: 0.999 })).toEqual([]);
  });

  it('sorts by score then name, rounds scores to 3 decimals and returns the caller’s objects', () => {
    const companies = [company(2, 'Beta Acme'), company(1, 'Acme Beta'), company(3, 'acme beta', 'X1')];
    const suggestions = suggestCompanies('Acme Beta', companies, { minScore: 0 });
    expect(suggestions.map((s) => s.company.id)).toEqual([1, 3, 2]);
    expect(suggestions[2]!.company).toBe(companies[0]);
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 12 }),
        fc.string({ maxLength: 20 }),
        (ns, c) => {
          const list = suggestCompanies(
            c,
            ns.map((n, i) => company(i, n)),
            { limit: 50, minScore: 0 },
          );
          for (const [i, s] of list.entries()) {
            expect(Math.round(s.score * 1000) / 1000).toBe(s.score);
            const next = list[i + 1];
            if (next !== undefined) expect(next.score).toBeLessThanOrEqual(s.score);
          }
        },
      ),
    );
  });

  it('handles a large company list quickly', () => {
    const many = Array.from({ length: 5000 }, (_, i) => company(i, `Company ${i} Services Ltd`));
    many.push(company(99999, 'Globex Industries'));
    const started = performance.now();
    const suggestions = suggestCompanies('Globex Industires', many);
    const elapsed = performance.now() - started;
    expect(suggestions[0]?.company.id).toBe(99999);
    expect(elapsed).toBeLessThan(2000);
  });
});

describe('formatMappingCsv', () => {
  it('writes the header and RFC 4180 records with CRLF', () => {
    const csv = formatMappingCsv([
      {
        customerId: 1,
        customerName: 'Acme, "the" Corp',
        psaCompanyIdentifier: 'AcmeCorp',
        psaCompanyName: 'Acme Corporation',
        state: 'mapped',
      },
      { customerId: 2, customerName: 'Two\nLines', psaCompanyIdentifier: null, state: 'unmapped' },
      { customerId: 3, customerName: 'Plain', psaCompanyIdentifier: null, psaCompanyName: null },
    ]);
    expect(csv).toBe(
      'customer_id,customer_name,psa_company_identifier,psa_company_name,state\r\n' +
        '1,"Acme, ""the"" Corp",AcmeCorp,Acme Corporation,mapped\r\n' +
        '2,"Two\nLines",,,unmapped\r\n' +
        '3,Plain,,,\r\n',
    );
    expect(formatMappingCsv([])).toBe(`${MAPPING_CSV_COLUMNS.join(',')}\r\n`);
  });

  it('guards cells a spreadsheet would run as formulas', () => {
    const csv = formatMappingCsv([
      { customerId: 1, customerName: '=HYPERLINK("http://x","y")', psaCompanyIdentifier: '+1', state: '-2' },
      { customerId: 2, customerName: '@SUM(A1)', psaCompanyIdentifier: null, psaCompanyName: '\tTab' },
      { customerId: 3, customerName: "'=already quoted", psaCompanyIdentifier: "'x", psaCompanyName: '\rCR' },
    ]);
    const lines = csv.split('\r\n');
    expect(lines[1]).toBe(`1,"'=HYPERLINK(""http://x"",""y"")",'+1,,'-2`);
    expect(lines[2]).toBe(`2,'@SUM(A1),,'\tTab,`);
    expect(lines[3]).toBe(`3,''=already quoted,'x,"'\rCR",`);
  });
});

describe('parseMappingCsv', () => {
  const header = 'customer_id,customer_name,psa_company_identifier,psa_company_name,state';

  it('reads the exported format', () => {
    const text = `${header}\r\n1,Acme,AcmeCorp,Acme Corporation,mapped\r\n2,Globex,,,unmapped\r\n`;
    expect(parseMappingCsv(text)).toEqual({
      rows: [
        { line: 2, customerId: 1, customerName: 'Acme', psaCompanyIdentifier: 'AcmeCorp' },
        { line: 3, customerId: 2, customerName: 'Globex', psaCompanyIdentifier: null },
      ],
      errors: [],
    });
  });

  it('finds columns by name, case-insensitively, ignores extra columns, tolerates a BOM, LF and blank lines', () => {
    const text =
      '\uFEFFNotes, PSA_Company_Identifier ,Customer Name,CUSTOMER_ID\n' +
      'vip,  AcmeCorp ,Acme,7\n' +
      '\n' +
      ',,,\n' +
      'x,Initech,Initech LLC,\n' +
      ',,"Unmap Me",\n';
    expect(parseMappingCsv(text)).toEqual({
      rows: [
        { line: 2, customerId: 7, customerName: 'Acme', psaCompanyIdentifier: 'AcmeCorp' },
        { line: 5, customerName: 'Initech LLC', psaCompanyIdentifier: 'Initech' },
        { line: 6, customerName: 'Unmap Me', psaCompanyIdentifier: null },
      ],
      errors: [],
    });
  });

  it('accepts only the columns it needs and semicolon-separated files', () => {
    expect(parseMappingCsv('customer_id,psa_company_identifier\n5,Acme').rows).toEqual([
      { line: 2, customerId: 5, psaCompanyIdentifier: 'Acme' },
    ]);
    expect(
      parseMappingCsv('\r\ncustomer_id;customer_name;psa_company_identifier\r\n5;"Acme; Inc";Acme\r\n'),
    ).toEqual({
      rows: [{ line: 3, customerId: 5, customerName: 'Acme; Inc', psaCompanyIdentifier: 'Acme' }],
      errors: [],
    });
  });

  it('reports bad lines with their line numbers and still reads the rest', () => {
    const text = [
      header,
      'abc,Acme,AcmeCorp,,', // 2: non-numeric id
      ',,AcmeCorp,,', // 3: neither id nor name
      '3,Globex,ThisIdentifierIsWayTooLong1,,', // 4: 27 characters
      '4,Initech,Initech', // 5: wrong column count
      '5,"Multi', // 6-7: a quoted name over two lines (fine)
      'line",Multi,,',
      '6,"bad"quote,X,,', // 8: junk after a closing quote
      '7,Ok Seven,Seven,,', // 9
      '7,Again,Seven,,', // 10: duplicate id
      '-8,Neg,N,,', // 11
      '1.5,Frac,F,,', // 12
      '99999999999999999999,Huge,H,,', // 13
      '9,Ok Nine,"Tab\tId",,', // 14: control character in the identifier
      ',Ok Ten,Ten,,', // 15
      ',ok ten ,Ten2,,', // 16: duplicate name
      '11,"never closed,X,,', // 17: unclosed quote
      '12,Ok Twelve,Twelve,,', // 18
    ].join('\r\n');
    const { rows, errors } = parseMappingCsv(text);
    expect(rows).toEqual([
      { line: 6, customerId: 5, customerName: 'Multi\r\nline', psaCompanyIdentifier: 'Multi' },
      { line: 9, customerId: 7, customerName: 'Ok Seven', psaCompanyIdentifier: 'Seven' },
      { line: 15, customerName: 'Ok Ten', psaCompanyIdentifier: 'Ten' },
      { line: 18, customerId: 12, customerName: 'Ok Twelve', psaCompanyIdentifier: 'Twelve' },
    ]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 8, 10, 11, 12, 13, 14, 16, 17]);
    const at = (line: number) => errors.find((e) => e.line === line)!.message;
    expect(at(2)).toMatch(/customer_id "abc" is not a positive whole number/);
    expect(at(3)).toMatch(/customer_id and customer_name are both empty/);
    expect(at(4)).toMatch(/27 characters long, at most 25/);
    expect(at(5)).toMatch(/expected 5 columns as in the header, found 3/);
    expect(at(8)).toMatch(/unexpected character "q" after a closing quote/);
    expect(at(10)).toMatch(/customer 7 is already listed on line 9/);
    expect(at(14)).toMatch(/control characters/);
    expect(at(16)).toMatch(/already listed on line 15/);
    expect(at(17)).toMatch(/never closed/);
  });

  it('rejects input without the required header, without throwing', () => {
    for (const text of [
      '',
      '\n\n',
      '1,Acme,AcmeCorp',
      '{"customers": [1, 2, 3]}',
      '\u0000\u0001\u0002binary\u00ff',
      'customer_name,state\nAcme,mapped',
      '"unclosed header',
    ]) {
      const result = parseMappingCsv(text);
      expect(result.rows).toEqual([]);
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.errors[0]!.line).toBe(1);
    }
    expect(
      parseMappingCsv('customer_id,customer_id,psa_company_identifier\n1,1,A').errors[0]!.message,
    ).toMatch(/customer_id appears more than once/);
    expect(parseMappingCsv(42 as unknown as string).errors).toHaveLength(1);
  });

  it('strips the formula guard: a quote before a dangerous character goes, others stay', () => {
    const text = `${header}\n1,'=SUM(A1),'+Acme,,\n2,'Plain,''=x,,\n3,"'\tTab",A,,\n`;
    expect(parseMappingCsv(text).rows).toEqual([
      { line: 2, customerId: 1, customerName: '=SUM(A1)', psaCompanyIdentifier: '+Acme' },
      { line: 3, customerId: 2, customerName: "'Plain", psaCompanyIdentifier: "'=x" },
      { line: 4, customerId: 3, customerName: '\tTab', psaCompanyIdentifier: 'A' },
    ]);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary-ascii', maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 60 }),
          fc
            .array(fc.constantFrom('a', '1', ',', ';', '"', '\n', '\r', "'", '=', ' ', 'customer_id'), {
              maxLength: 60,
            })
            .map((parts) => `customer_id,customer_name,psa_company_identifier\n${parts.join('')}`),
        ),
        (text) => {
          const result = parseMappingCsv(text);
          for (const e of result.errors) expect(e.line).toBeGreaterThanOrEqual(1);
          for (const r of result.rows) {
            expect(r.customerId !== undefined || r.customerName !== undefined).toBe(true);
            if (r.psaCompanyIdentifier !== null)
              expect(r.psaCompanyIdentifier.length).toBeLessThanOrEqual(25);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips: format → parse gives back the same customers and identifiers', () => {
    const dangerous = fc.constantFrom(
      '=',
      '+',
      '-',
      '@',
      '\t',
      '\r',
      "'",
      "'=",
      "''+",
      ',',
      '"',
      '\n',
      '\r\n',
    );
    const text = fc
      .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), dangerous), { maxLength: 5 })
      .map((parts) => parts.join(''));
    const name = text.filter((s) => s.trim() !== '');
    const identifier = fc.oneof(
      fc.constant(null),
      text
        .map((s) => s.trim().slice(0, 25))
        .filter((s) => s !== '' && !/\p{Cc}/u.test(s) && s.length <= 25 && !/[\uD800-\uDFFF]$/.test(s)),
    );
    const row = fc.record(
      {
        customerId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        customerName: name,
        psaCompanyIdentifier: identifier,
        psaCompanyName: fc.option(text, { nil: null }),
        state: fc.constantFrom('mapped', 'unmapped', 'missing', '=cmd'),
      },
      { requiredKeys: ['customerId', 'customerName', 'psaCompanyIdentifier'] },
    );
    fc.assert(
      fc.property(fc.uniqueArray(row, { selector: (r) => r.customerId, maxLength: 8 }), (rows) => {
        const parsed = parseMappingCsv(formatMappingCsv(rows as MappingCsvRow[]));
        expect(parsed.errors).toEqual([]);
        expect(
          parsed.rows.map(({ customerId, customerName, psaCompanyIdentifier }) => ({
            customerId,
            customerName,
            psaCompanyIdentifier,
          })),
        ).toEqual(
          rows.map(({ customerId, customerName, psaCompanyIdentifier }) => ({
            customerId,
            customerName,
            psaCompanyIdentifier,
          })),
        );
        // Line numbers start after the header and advance past multi-line names.
        const lines = parsed.rows.map((r) => r.line);
        expect(lines[0] ?? 2).toBe(2);
        for (let i = 1; i < lines.length; i++) expect(lines[i]!).toBeGreaterThan(lines[i - 1]!);
      }),
      { numRuns: 300 },
    );
  });
});

describe('detectMissingMappings', () => {
  it('lists mappings whose identifier no longer names a company, case-insensitively', () => {
    const companies = [{ identifier: 'AcmeCorp' }, { identifier: 'Globex' }, { identifier: 'Initech ' }];
    expect(
      detectMissingMappings(
        [
          { customerId: 1, psaCompanyIdentifier: 'acmecorp' },
          { customerId: 2, psaCompanyIdentifier: 'Gone' },
          { customerId: 3, psaCompanyIdentifier: null },
          { customerId: 4, psaCompanyIdentifier: 'GLOBEX' },
          { customerId: 5, psaCompanyIdentifier: 'Initech' },
          { customerId: 6, psaCompanyIdentifier: 'Glob' },
          { customerId: 7, psaCompanyIdentifier: '' },
          { customerId: 8, psaCompanyIdentifier: 'AcméCorp' },
        ],
        companies,
      ),
    ).toEqual([
      { customerId: 2, psaCompanyIdentifier: 'Gone' },
      { customerId: 6, psaCompanyIdentifier: 'Glob' },
      { customerId: 8, psaCompanyIdentifier: 'AcméCorp' },
    ]);
    expect(detectMissingMappings([{ customerId: 1, psaCompanyIdentifier: 'A' }], [])).toEqual([
      { customerId: 1, psaCompanyIdentifier: 'A' },
    ]);
    expect(detectMissingMappings([], companies)).toEqual([]);
  });
});
