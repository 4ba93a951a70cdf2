// Partial responses: `fields=` projection.
import { describe, expect, it } from 'vitest';
import { projectFields } from './fields.js';
import { parseFields } from './parse.js';

const ticket = {
  id: 7,
  summary: 'Printer',
  status: { id: 1, name: 'New', _info: { status_href: 'https://x/1' } },
  company: null,
  types: [
    { id: 1, name: 'Hardware' },
    { id: 2, name: 'Printer' },
  ],
  integratorTags: ['a', 'b'],
  _info: { lastUpdated: '2020-01-01T00:00:00Z', updatedBy: 'me' },
};

const project = (fields: string) => {
  const paths = parseFields(fields);
  if (!paths.ok) throw new Error(paths.error.message);
  return projectFields(ticket, paths.value);
};

describe('projectFields', () => {
  it.each<[string, Record<string, unknown>]>([
    ['id', { id: 7 }],
    ['id,summary', { id: 7, summary: 'Printer' }],
    ['summary,id', { id: 7, summary: 'Printer' }],
    ['id,status/id', { id: 7, status: { id: 1 } }],
    ['status/id,status/name', { status: { id: 1, name: 'New' } }],
    ['status,status/id', { status: ticket.status }],
    ['status/id,status', { status: ticket.status }],
    ['ID,Status/NAME', { id: 7, status: { name: 'New' } }],
    ['_info/lastUpdated', { _info: { lastUpdated: '2020-01-01T00:00:00Z' } }],
    ['types/name', { types: [{ name: 'Hardware' }, { name: 'Printer' }] }],
    ['types', { types: ticket.types }],
    ['integratorTags', { integratorTags: ['a', 'b'] }],
    ['company', { company: null }],
    ['company/id', {}],
    ['status/missing', {}],
    ['nope', {}],
    ['summary/id', {}],
  ])('fields=%s', (fields, expected) => {
    expect(project(fields)).toEqual(expected);
  });

  it('keeps the record unchanged and returns a copy when no fields are asked for', () => {
    const copy = structuredClone(ticket);
    const out = projectFields(ticket, []);
    expect(out).toEqual(ticket);
    expect(out).not.toBe(ticket);
    projectFields(ticket, [['status', 'id']]);
    expect(ticket).toEqual(copy);
  });

  it('treats a __proto__ key as data', () => {
    const record = JSON.parse('{"__proto__": {"polluted": true}, "id": 1}') as Record<string, unknown>;
    const out = projectFields(record, [['__proto__'], ['id']]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'id']);
  });
});
