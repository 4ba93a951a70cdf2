import { describe, expect, it } from 'vitest';
import { appendQuery, type ChangeEvent, callbackMatches } from './callbacks.js';

/** What connectwise-rest's middleware sees as `req.query` for a delivery URL. */
const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('appendQuery', () => {
  const params = { action: 'added', id: '42' };

  it('fills a trailing recordId= and still adds action and id', () => {
    const url = appendQuery('https://hooks.example/cw?recordId=', params);
    expect(url).toBe('https://hooks.example/cw?recordId=42&action=added&id=42');
    expect(query(url)).toEqual({ recordId: '42', action: 'added', id: '42' });
  });

  it('handles &recordId= after other parameters, in any case', () => {
    const url = appendQuery('https://hooks.example/cw?token=abc&RecordID=', params);
    expect(query(url)).toEqual({ token: 'abc', RecordID: '42', action: 'added', id: '42' });
  });

  it('starts a query string when the URL has none', () => {
    expect(appendQuery('https://hooks.example/cw', params)).toBe(
      'https://hooks.example/cw?action=added&id=42',
    );
  });

  it('adds to an existing query and to a URL ending in ? or &', () => {
    expect(appendQuery('https://hooks.example/cw?a=1', params)).toBe(
      'https://hooks.example/cw?a=1&action=added&id=42',
    );
    expect(appendQuery('https://hooks.example/cw?', params)).toBe(
      'https://hooks.example/cw?action=added&id=42',
    );
    expect(appendQuery('https://hooks.example/cw?a=1&', params)).toBe(
      'https://hooks.example/cw?a=1&action=added&id=42',
    );
  });

  it('encodes values and keeps a fragment last', () => {
    const url = appendQuery('https://hooks.example/cw?recordId=#top', { action: 'a b&c', id: '7' });
    expect(url).toBe('https://hooks.example/cw?recordId=7&action=a%20b%26c&id=7#top');
    expect(query(url)).toEqual({ recordId: '7', action: 'a b&c', id: '7' });
  });
});

describe('callbackMatches', () => {
  const ticketOnBoard1: ChangeEvent = {
    type: 'ticket',
    action: 'added',
    id: 5,
    record: {
      id: 5,
      board: { id: 1, name: 'Service Board' },
      status: { id: 3, name: 'New' },
      company: { id: 250, identifier: 'AcmeCorp' },
      type: { id: 7, name: 'Incident' },
      priority: { id: 4, name: 'Priority 3' },
    },
    fromUrl: 'https://psa.example/v4_6_release/apis/3.0/service/tickets/5',
  };
  const cb = (data: Record<string, unknown>) => ({ url: 'https://hooks.example/cw', ...data });

  it('matches owner-level callbacks of the same type, whatever the type/level case', () => {
    expect(callbackMatches(cb({ type: 'ticket', level: 'owner', objectId: 1 }), ticketOnBoard1)).toBe(true);
    expect(callbackMatches(cb({ type: 'Ticket', level: 'Owner', objectId: 1 }), ticketOnBoard1)).toBe(true);
    expect(callbackMatches(cb({ type: 'ticket' }), ticketOnBoard1)).toBe(true);
  });

  it('does not match another type or an inactive callback', () => {
    expect(callbackMatches(cb({ type: 'company', level: 'owner' }), ticketOnBoard1)).toBe(false);
    expect(callbackMatches(cb({ type: 'configuration', level: 'owner' }), ticketOnBoard1)).toBe(false);
    expect(callbackMatches(cb({ type: 'ticket', level: 'owner', inactiveFlag: true }), ticketOnBoard1)).toBe(
      false,
    );
  });

  it('filters on the record reference the level names', () => {
    const at = (level: string, objectId: number) =>
      callbackMatches(cb({ type: 'ticket', level, objectId }), ticketOnBoard1);
    expect(at('board', 1)).toBe(true);
    expect(at('board', 2)).toBe(false);
    expect(at('Board', 1)).toBe(true);
    expect(at('status', 3)).toBe(true);
    expect(at('status', 4)).toBe(false);
    expect(at('company', 250)).toBe(true);
    expect(at('company', 251)).toBe(false);
    expect(at('type', 7)).toBe(true);
    expect(at('priority', 4)).toBe(true);
    expect(at('priority', 1)).toBe(false);
  });

  it('does not match a level the record has no value for', () => {
    const noBoard: ChangeEvent = { ...ticketOnBoard1, record: { id: 5 } };
    expect(callbackMatches(cb({ type: 'ticket', level: 'board', objectId: 1 }), noBoard)).toBe(false);
    expect(callbackMatches(cb({ type: 'ticket', level: 'territory', objectId: 1 }), ticketOnBoard1)).toBe(
      false,
    );
  });

  it('matches company and configuration changes by their own type', () => {
    const company: ChangeEvent = {
      type: 'company',
      action: 'updated',
      id: 250,
      record: { id: 250, identifier: 'AcmeCorp' },
      fromUrl: 'https://psa.example/v4_6_release/apis/3.0/company/companies/250',
    };
    expect(callbackMatches(cb({ type: 'company', level: 'owner', objectId: 1 }), company)).toBe(true);
    expect(callbackMatches(cb({ type: 'ticket', level: 'owner', objectId: 1 }), company)).toBe(false);
  });
});
