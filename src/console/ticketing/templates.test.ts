import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SETTINGS } from './rules.js';
import {
  FALLBACK_SUMMARY,
  formatIdentityType,
  formatInstant,
  PLACEHOLDERS,
  renderSummary,
  renderTemplate,
  SUMMARY_MAX_LENGTH,
  type TemplateContext,
  templateProblems,
  truncate,
  unknownPlaceholders,
} from './templates.js';

const t = (iso: string) => Date.parse(iso);

const ctx: TemplateContext = {
  customer: 'Acme Dental',
  identity: 'RECEPTION-PC',
  identityType: 'roaming-computer',
  count: 42,
  threshold: 10,
  categories: ['command-and-control', 'malware'],
  windowStart: t('2026-03-10T04:00:00.000Z'),
  windowEnd: t('2026-03-10T08:00:00.000Z'),
  firstSeen: t('2026-03-10T04:12:30.250Z'),
  lastSeen: null,
  topDomains: [
    { domain: 'c2.example', count: 30 },
    { domain: 'beacon.example', count: 12, atLeast: 9 },
    'a.example',
    'b.example',
    'c.example',
    'sixth.example',
  ],
  rule: 'Botnet',
  timeZone: null,
};

describe('renderTemplate', () => {
  it('fills every placeholder', () => {
    const all = PLACEHOLDERS.map((p) => `${p}=[{${p}}]`).join('\n');
    expect(renderTemplate(all, ctx)).toBe(
      [
        'customer=[Acme Dental]',
        'identity=[RECEPTION-PC]',
        'identityType=[Roaming Computers]',
        'count=[42]',
        'threshold=[10]',
        'categories=[command and control, malware]',
        'window=[2026-03-10 04:00–08:00 UTC]',
        'windowStart=[2026-03-10 04:00 UTC]',
        'windowEnd=[2026-03-10 08:00 UTC]',
        'firstSeen=[2026-03-10 04:12:30 UTC]',
        'lastSeen=[unknown]',
        'topDomains=[c2.example (30), beacon.example (9–12), a.example, b.example, c.example]',
        'rule=[Botnet]',
      ].join('\n'),
    );
  });

  it('leaves unknown placeholders and other braces as written, and expands values only once', () => {
    const sneaky = { ...ctx, identity: '{customer}' };
    expect(renderTemplate('{identity} {nope} {not a placeholder} {', sneaky)).toBe(
      '{customer} {nope} {not a placeholder} {',
    );
  });

  it('keeps the template line breaks but removes control characters from values', () => {
    const hostile = { ...ctx, identity: 'PC\r\nInjected: yes\u0007\u202E' };
    expect(renderTemplate('A: {identity}\nB', hostile)).toBe('A: PC  Injected: yes  \nB');
  });

  it('lists "none" for no top domains', () => {
    expect(renderTemplate('{topDomains}', { ...ctx, topDomains: [] })).toBe('none');
  });

  it('renders the default templates', () => {
    const s = DEFAULT_RULE_SETTINGS;
    expect(renderSummary(s.summaryTemplate, ctx)).toBe(
      'DNS security: RECEPTION-PC contacted command and control, malware domains (42 blocked)',
    );
    expect(renderTemplate(s.descriptionTemplate, ctx)).toContain(
      'from RECEPTION-PC (Roaming Computers) at Acme Dental\nto command and control, malware domains in the window 2026-03-10 04:00–08:00 UTC, more than the threshold of 10.',
    );
    expect(renderTemplate(s.descriptionTemplate, ctx)).toContain(
      'First blocked request: 2026-03-10 04:12:30 UTC',
    );
    expect(renderTemplate(s.noteTemplate, ctx)).toContain('Top blocked domains: c2.example (30)');
  });
});

describe('times in the customer time zone, named', () => {
  const berlin = {
    ...ctx,
    timeZone: 'Europe/Berlin',
    windowStart: t('2026-03-10T12:00:00Z'),
    windowEnd: t('2026-03-10T16:00:00Z'),
  };

  it('names UTC when no zone is set', () => {
    expect(renderTemplate('{window}', { ...berlin, timeZone: null })).toBe('2026-03-10 12:00–16:00 UTC');
  });

  it('shows the window, its bounds and first/last in the zone, with daylight saving time', () => {
    expect(
      renderTemplate('{window}|{windowStart}|{windowEnd}|{firstSeen}', {
        ...berlin,
        firstSeen: t('2026-03-10T12:03:04Z'),
      }),
    ).toBe(
      '2026-03-10 13:00–17:00 Europe/Berlin|2026-03-10 13:00 Europe/Berlin|2026-03-10 17:00 Europe/Berlin|2026-03-10 13:03:04 Europe/Berlin',
    );
    const summer = {
      ...berlin,
      windowStart: t('2026-07-10T12:00:00Z'),
      windowEnd: t('2026-07-10T16:00:00Z'),
    };
    expect(renderTemplate('{window}', summer)).toBe('2026-07-10 14:00–18:00 Europe/Berlin');
  });

  it('ends a window at 24:00 of its day, and names both days when it crosses midnight', () => {
    const late = { ...berlin, windowStart: t('2026-03-10T20:00:00Z'), windowEnd: t('2026-03-11T00:00:00Z') };
    expect(renderTemplate('{window}', { ...late, timeZone: null })).toBe('2026-03-10 20:00–24:00 UTC');
    expect(renderTemplate('{window}', late)).toBe('2026-03-10 21:00 – 2026-03-11 01:00 Europe/Berlin');
    expect(renderTemplate('{window}', { ...late, timeZone: 'America/New_York' })).toBe(
      '2026-03-10 16:00–20:00 America/New_York',
    );
  });
});

describe('identity types in Umbrella words', () => {
  it.each([
    ['roaming-computer', 'Roaming Computers'],
    ['ad-user', 'AD Users'],
    ['network', 'Networks'],
    ['site', 'Sites'],
    ['internal-network', 'Internal Networks'],
    ['network-tunnel', 'Network Tunnels'],
    ['Some Vendor Label', 'Some Vendor Label'],
    ['constructor', 'constructor'],
  ])('%s → %s', (type, words) => {
    expect(formatIdentityType(type)).toBe(words);
    expect(renderTemplate('({identityType})', { ...ctx, identityType: type })).toBe(`(${words})`);
  });
});

describe('renderSummary', () => {
  it('collapses whitespace and strips control characters', () => {
    expect(renderSummary('  {identity}\t\t was   here \n', { ...ctx, identity: 'a\u0000b\u009Fc' })).toBe(
      'a b c was here',
    );
  });

  it('falls back when the template renders to nothing', () => {
    expect(renderSummary('{identity}', { ...ctx, identity: ' \n ' })).toBe(FALLBACK_SUMMARY);
  });

  it('truncates to 100 characters with an ellipsis', () => {
    const summary = renderSummary('{identity}', { ...ctx, identity: 'x'.repeat(300) });
    expect(summary).toBe(`${'x'.repeat(99)}…`);
    expect(summary.length).toBe(SUMMARY_MAX_LENGTH);
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    // 98 ASCII characters, then a flag (two surrogate pairs): it cannot fit whole before the ellipsis.
    const text = `${'a'.repeat(98)}🇧🇷 rest`;
    expect(truncate(text, 100)).toBe(`${'a'.repeat(98)}…`);
    const emoji = '😀'.repeat(80); // 160 code units
    const cut = truncate(emoji, 100);
    expect(cut).toBe(`${'😀'.repeat(49)}…`);
    expect(cut.length).toBe(99);
  });

  it('replaces lone surrogates so the text is well-formed', () => {
    expect(renderSummary('{identity}', { ...ctx, identity: 'bad\uD800x' })).toBe('bad\uFFFDx');
  });

  it('property: at most 100 characters, no control characters, well-formed, on one line', () => {
    // Any UTF-16 code unit (lone surrogates and controls included), mixed with multi-unit characters.
    const anyText = fc
      .array(
        fc.oneof(
          fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
          fc.constantFrom('😀', '🇧🇷', 'e\u0301', '\n', '\t', '\u0000', '\u202E', '\u2028', ' ', 'x'),
        ),
        { maxLength: 150 },
      )
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...PLACEHOLDERS.map((p) => `{${p}}`), ' ', 'x', '\n'), { maxLength: 20 }),
        anyText,
        anyText,
        fc.array(fc.string({ unit: 'grapheme', maxLength: 60 }), { maxLength: 8 }),
        (parts, identity, customer, domains) => {
          const summary = renderSummary(parts.join(''), { ...ctx, identity, customer, topDomains: domains });
          expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
          expect(summary.length).toBeGreaterThan(0);
          expect(summary).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
          expect(summary).not.toMatch(
            /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
          );
          expect(summary).toBe(summary.trim());
          expect(summary).not.toMatch(/\s\s/);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('templateProblems', () => {
  it('accepts the default templates', () => {
    const s = DEFAULT_RULE_SETTINGS;
    for (const template of [s.summaryTemplate, s.descriptionTemplate, s.noteTemplate]) {
      expect(templateProblems(template)).toEqual([]);
    }
  });

  it('lists the unknown placeholders and the known ones', () => {
    expect(unknownPlaceholders('{identiy} {count} {host} {identiy}')).toEqual(['identiy', 'host']);
    const [problem] = templateProblems('{identiy} on {host}');
    expect(problem).toMatch(/^unknown placeholders \{identiy\}, \{host\}; the known ones are \{customer\}/);
    expect(problem).toContain('{topDomains}');
  });

  it.each([
    ['', /must not be empty/],
    ['   \n', /must not be empty/],
    ['x'.repeat(2001), /at most 2000 characters \(got 2001\)/],
    ['bell\u0007', /control characters/],
  ])('refuses %j', (template, why) => {
    expect(templateProblems(template).join('; ')).toMatch(why);
  });

  it('allows tabs and line breaks', () => {
    expect(templateProblems('a\tb\r\nc')).toEqual([]);
  });
});

describe('formatInstant', () => {
  it('is ISO-8601 UTC without milliseconds', () => {
    expect(formatInstant(t('2026-03-10T04:12:30.999Z'))).toBe('2026-03-10T04:12:30Z');
    expect(formatInstant(Number.NaN)).toBe('unknown');
  });
});
