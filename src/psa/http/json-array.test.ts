import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonArray } from './json-array.js';

describe('jsonArray', () => {
  it('gives the bytes of JSON.stringify over the same records', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 20 }), (records) => {
        const bytes = jsonArray(records.map((r) => JSON.stringify(r)));
        expect(bytes.equals(Buffer.from(JSON.stringify(records), 'utf8'))).toBe(true);
      }),
    );
  });

  it('writes multi-byte characters and an empty page', () => {
    expect(jsonArray([]).toString('utf8')).toBe('[]');
    const records = [{ name: 'Café Ünïcødé 😀' }, { summary: 'Ω\u2028' }];
    expect(jsonArray(records.map((r) => JSON.stringify(r))).toString('utf8')).toBe(JSON.stringify(records));
  });
});
