// String literals and id lists for ConnectWise `conditions` as the ticket effects and polling write them.
import { describe, expect, it } from 'vitest';
import { conditionString, idInCondition, isNotFound } from '../../src/console/delivery/ticket-psa.js';
import { ConnectWiseError } from '../../src/console/psa-client/types.js';

describe('conditionString', () => {
  it('quotes with double quotes, or single quotes when the text holds a double quote', () => {
    expect(conditionString('parasol:t:1:2:3')).toBe('"parasol:t:1:2:3"');
    expect(conditionString("it's")).toBe('"it\'s"');
    expect(conditionString('say "hi"')).toBe(`'say "hi"'`);
    expect(conditionString('')).toBe('""');
  });

  it('refuses what ConnectWise cannot carry unambiguously', () => {
    expect(() => conditionString(`both " and '`)).toThrow(/both quote characters/);
    expect(() => conditionString('back\\slash')).toThrow(/backslash/);
    expect(() => conditionString('line\nbreak')).toThrow(/control character/);
  });
});

describe('idInCondition', () => {
  it('lists ids', () => {
    expect(idInCondition([1, 22, 333])).toBe('id in (1,22,333)');
  });
  it('refuses an empty list and non-ids', () => {
    expect(() => idInCondition([])).toThrow(/at least one/);
    expect(() => idInCondition([1, 0])).toThrow(/'0'/);
    expect(() => idInCondition([1.5])).toThrow(/not a record id/);
  });
});

describe('isNotFound', () => {
  const http = (status: number, code?: string) =>
    new ConnectWiseError({ kind: 'http', message: 'x', attempts: 1, status, ...(code ? { code } : {}) });
  it("is a record's 404, not a missing endpoint's", () => {
    expect(isNotFound(http(404, 'NotFound'))).toBe(true);
    expect(isNotFound(http(404, 'ConnectWiseApi'))).toBe(false);
    expect(isNotFound(http(400))).toBe(false);
    expect(isNotFound(new Error('404'))).toBe(false);
  });
});
