// Parasol's NDJSON events: every field, defaults, per-line errors naming the field, never throwing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNdjsonLine, parseNdjson } from './ndjson.js';

const TS = Date.UTC(2026, 0, 5, 10);

describe('NDJSON events', () => {
  it('decodes every field', () => {
    const line = JSON.stringify({
      ts: '2026-01-05T12:00:00+02:00',
      orgId: 'acme-01',
      identity: 'LT-7',
      identityType: 'Roaming Computers',
      identities: ['LT-7', { label: 'Office', type: 'network' }, 'someone'],
      internalIp: '10.2.3.4',
      externalIp: '2001:db8::7',
      domain: 'C2.Example.Test.',
      queryType: '28',
      responseCode: 'noerror',
      action: 'Blocked',
      categories: ['Botnet', 'command-and-control', 'Business Services', 'Allow List'],
      blockedCategories: ['Command and Control'],
      ruleId: 17,
    });
    const r = decodeNdjsonLine(line, 3);
    if (!(r.ok && 'event' in r)) throw new Error(JSON.stringify(r));
    expect(r.event).toEqual({
      ts: TS,
      vendor: 'ndjson',
      orgId: 'acme-01',
      identity: { label: 'LT-7', type: 'roaming-computer' },
      identities: [
        { label: 'LT-7', type: 'roaming-computer' },
        { label: 'Office', type: 'network' },
        { label: 'someone' },
      ],
      internalIp: '10.2.3.4',
      externalIp: '2001:db8::7',
      domain: 'c2.example.test',
      queryType: 'AAAA',
      responseCode: 'NOERROR',
      action: 'blocked',
      categories: ['command-and-control', 'content'],
      blockedCategories: ['command-and-control'],
      vendorCategories: [
        'Botnet',
        'command-and-control',
        'Business Services',
        'Allow List',
        'Command and Control',
      ],
      ruleId: '17',
      network: undefined,
    });
  });

  it('fills defaults for a minimal event: epoch ms, unknown identity type, inferred blocked categories', () => {
    const r = decodeNdjsonLine(
      JSON.stringify({
        ts: TS,
        identity: 'u1',
        domain: 'x.example',
        action: 'blocked',
        categories: ['Malware', 'News'],
      }),
      1,
    );
    if (!(r.ok && 'event' in r)) throw new Error(JSON.stringify(r));
    expect(r.event).toMatchObject({
      ts: TS,
      identity: { label: 'u1', type: 'unknown' },
      identities: [{ label: 'u1', type: 'unknown' }],
      queryType: '',
      categories: ['malware', 'content'],
      blockedCategories: ['malware'],
      orgId: undefined,
    });
  });

  it('reads a body line by line: blank lines skipped, bad lines named, good lines kept', () => {
    const good = (d: string) => JSON.stringify({ ts: TS, identity: 'u', domain: d, action: 'allowed' });
    const body = [
      good('a.example'),
      '',
      '{"ts": 1, "identity": "u", "domain": "b.example", "action": "allowed", "domian": "typo"}',
      'not json at all',
      '[1,2]',
      JSON.stringify({ ts: '2026-01-05T10:00:00', identity: 'u', domain: 'c.example', action: 'allowed' }),
      JSON.stringify({ ts: TS, identity: '', domain: 'd.example', action: 'allowed' }),
      JSON.stringify({ ts: TS, identity: 'u', domain: 'e.example', action: 'dropped' }),
      JSON.stringify({ ts: TS, identity: 'u', domain: 'f example', action: 'allowed' }),
      JSON.stringify({
        ts: TS,
        identity: 'u',
        domain: 'g.example',
        action: 'allowed',
        internalIp: 'localhost',
      }),
      JSON.stringify({ ts: TS, domain: 'h.example', action: 'allowed' }),
      JSON.stringify({ ts: -5, identity: 'u', domain: 'i.example', action: 'allowed' }),
      `${good('z.example')}\r`,
      '',
    ].join('\n');
    const { events, errors } = parseNdjson(body);
    expect(events.map((e) => e.domain)).toEqual(['a.example', 'z.example']);
    expect(errors).toEqual([
      { line: 3, message: "line 3: unknown field 'domian'" },
      { line: 4, message: expect.stringMatching(/^line 4: is not JSON: /) },
      { line: 5, message: 'line 5: expected one JSON object per line' },
      { line: 6, message: 'line 6: ts: is not an ISO 8601 date-time with a zone' },
      { line: 7, message: 'line 7: identity: must not be empty' },
      { line: 8, message: "line 8: action: must be 'allowed' or 'blocked'" },
      { line: 9, message: 'line 9: domain: is not a domain name' },
      { line: 10, message: 'line 10: internalIp: is not an IP address' },
      { line: 11, message: 'line 11: identity: is required' },
      { line: 12, message: 'line 12: ts: is before 1970' },
    ]);
  });

  it('refuses overlong lines without parsing them', () => {
    const r = decodeNdjsonLine(`{"x":"${'a'.repeat(70_000)}"}`, 2);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^line 2: is 70008 characters long; at most 65536/);
  });

  it('never throws, on arbitrary text or JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), fc.nat(), (line, n) => {
        const r = decodeNdjsonLine(line, n);
        if (!r.ok) expect(r.error.line).toBe(n);
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            ts: fc.oneof(fc.integer(), fc.string()),
            identity: fc.string(),
            domain: fc.string(),
            action: fc.constantFrom('allowed', 'blocked', 'x'),
            categories: fc.array(fc.string()),
          },
          { requiredKeys: [] },
        ),
        (o) => {
          expect(typeof decodeNdjsonLine(JSON.stringify(o), 1).ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});
