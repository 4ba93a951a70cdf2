// The text check every decoder runs: what it refuses is exactly what PostgreSQL or UTF-8 cannot keep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDnsfilterRecord } from './dnsfilter.js';
import { parseNdjson } from './ndjson.js';
import { findTextProblem, storableText, textProblem } from './text.js';
import { decodeUmbrellaDnsRecord } from './umbrella-api.js';

/** Any UTF-16 string, surrogates (paired or lone) and NULs included, often. */
const utf16 = fc
  .array(
    fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 0x41, 0xd83d, 0xde00, 0xdbff, 0xdc00)),
    { maxLength: 20 },
  )
  .map((codes) => String.fromCharCode(...codes));

describe('textProblem', () => {
  it('refuses exactly the strings with a NUL or that do not survive UTF-8 (property)', () => {
    fc.assert(
      fc.property(utf16, (s) => {
        const storable = !s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s;
        expect(textProblem(s) === undefined).toBe(storable);
      }),
      { numRuns: 2000 },
    );
    expect(textProblem('a\ud83d\ude00b')).toBeUndefined();
    expect(textProblem('a\ud83db')).toBe('contains a lone surrogate (U+D83D), not Unicode text');
    expect(textProblem('\ude00')).toBe('contains a lone surrogate (U+DE00), not Unicode text');
    expect(textProblem('x\u0000')).toBe('contains a NUL character (U+0000)');
  });

  it('makes messages that quote the input storable', () => {
    expect(storableText('is not JSON (Unexpected token \u0000 in "a\ud800")')).toBe(
      'is not JSON (Unexpected token \\u0000 in "a\ufffd")',
    );
    expect(storableText('plain')).toBe('plain');
    fc.assert(
      fc.property(utf16, (s) => {
        expect(textProblem(storableText(s))).toBeUndefined();
      }),
    );
  });

  it('names where the bad string lies in a parsed record', () => {
    expect(findTextProblem({ a: 'ok', b: ['x', { c: 'y\u0000' }] })).toBe(
      'b.1.c: contains a NUL character (U+0000)',
    );
    expect(findTextProblem({ 'k\u0000': 1 })).toBe('a field name contains a NUL character (U+0000)');
    expect(findTextProblem({ a: 1, b: null, c: [true] })).toBeUndefined();
  });

  it('every JSON decoder refuses such a record by its line, before any SQL', () => {
    const good = {
      ts: '2026-01-05T10:00:00Z',
      identity: 'pc-1',
      domain: 'example.test',
      action: 'allowed',
    };
    const body = [good, { ...good, identity: 'pc\u0000' }, { ...good, identity: 'pc\ud800' }, good]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const { events, errors } = parseNdjson(body);
    expect(events).toHaveLength(2);
    expect(errors).toEqual([
      { line: 2, message: 'line 2: identity: contains a NUL character (U+0000)' },
      { line: 3, message: 'line 3: identity: contains a lone surrogate (U+D800), not Unicode text' },
    ]);
    const dnsfilter = decodeDnsfilterRecord({ fqdn: 'x.test\u0000' }, { line: 4 });
    expect(dnsfilter).toEqual({
      ok: false,
      error: { line: 4, message: 'line 4: fqdn: contains a NUL character (U+0000)' },
    });
    const umbrella = decodeUmbrellaDnsRecord(
      { domain: 'x.test', identities: [{ label: '\udc00' }] },
      { index: 0 },
    );
    expect(umbrella).toEqual({
      ok: false,
      error: {
        line: 1,
        message: 'record 1: identities.0.label: contains a lone surrogate (U+DC00), not Unicode text',
      },
    });
  });
});
