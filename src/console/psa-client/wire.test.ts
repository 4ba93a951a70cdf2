// Unit tests of the client's pure wire rules: API host, Retry-After, query encoding, Link headers,
// backoff, error bodies, transport error classification, and the request budget.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from './budget.js';
import {
  answeredWithoutTls,
  apiHostname,
  apiOrigin,
  apiRelative,
  backoffDelay,
  buildQuery,
  classifyTransportError,
  normalizeCodebase,
  parseErrorBody,
  parseLinkHeader,
  parseRetryAfter,
} from './wire.js';

describe('API host rule', () => {
  it.each([
    ['na.myconnectwise.net', 'https://api-na.myconnectwise.net'],
    ['eu.myconnectwise.net', 'https://api-eu.myconnectwise.net'],
    ['au.myconnectwise.net', 'https://api-au.myconnectwise.net'],
    ['aus.myconnectwise.net', 'https://api-aus.myconnectwise.net'],
    ['za.myconnectwise.net', 'https://api-za.myconnectwise.net'],
    ['staging.connectwisedev.com', 'https://api-staging.connectwisedev.com'],
    ['NA.MyConnectWise.net', 'https://api-na.myconnectwise.net'],
    ['api-na.myconnectwise.net', 'https://api-na.myconnectwise.net'],
    ['psa.example.com:8443', 'https://psa.example.com:8443'],
    ['127.0.0.1:44123', 'https://127.0.0.1:44123'],
    ['https://na.myconnectwise.net/v4_6_release/ConnectWise.aspx?x=1', 'https://api-na.myconnectwise.net'],
    ['https://psa.example.com:8443/', 'https://psa.example.com:8443'],
    ['http://psa.example.com', 'https://psa.example.com'],
    ['https://psa.example.com:443', 'https://psa.example.com'],
    ['  psa.example.com  ', 'https://psa.example.com'],
  ])('%s → %s', (site, origin) => {
    expect(apiOrigin(site)).toBe(origin);
  });

  it('maps only the known cloud UI hosts', () => {
    expect(apiHostname('myconnectwise.net')).toBe('myconnectwise.net');
    expect(apiHostname('xx.myconnectwise.net')).toBe('xx.myconnectwise.net');
    expect(apiHostname('na.myconnectwise.net.evil.example')).toBe('na.myconnectwise.net.evil.example');
  });

  it.each([
    '',
    'ftp://psa.example.com',
    'psa.example.com/v4_6_release',
    'user:pw@psa.example.com',
    'https://user:pw@psa.example.com',
    'psa example.com',
  ])('refuses %j', (site) => {
    expect(() => apiOrigin(site)).toThrow(TypeError);
  });

  it('strips the slashes of a discovered codebase and refuses odd ones', () => {
    expect(normalizeCodebase('v2025_1/')).toBe('v2025_1');
    expect(normalizeCodebase('/v4_6_release')).toBe('v4_6_release');
    expect(() => normalizeCodebase('../x/')).toThrow(TypeError);
    expect(() => normalizeCodebase('')).toThrow(TypeError);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter(' 30 ', now)).toBe(30);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1.5);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:42 GMT', now)).toBe(42);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('1e3', now)).toBeUndefined();
  });
});

describe('query strings', () => {
  it('encodes with %20 (never +) and escapes the characters ConnectWise asks for', () => {
    expect(
      buildQuery({ conditions: `name like "A*" and x='y' & z+1`, pageSize: 2, page: undefined, flag: true }),
    ).toBe('?conditions=name%20like%20%22A%2A%22%20and%20x%3D%27y%27%20%26%20z%2B1&pageSize=2&flag=true');
    expect(buildQuery({})).toBe('');
    expect(buildQuery(undefined)).toBe('');
  });
});

describe('Link headers', () => {
  it('reads the rels of a navigable header', () => {
    const links = parseLinkHeader(
      '<https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=2>; rel="next", <https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=4>; rel="last"',
    );
    expect(links.get('next')).toBe('https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=2');
    expect(links.get('last')).toContain('page=4');
    expect(links.has('prev')).toBe(false);
  });
  it('treats an empty header as no links', () => {
    expect(parseLinkHeader('').size).toBe(0);
    expect(parseLinkHeader(undefined).size).toBe(0);
  });
  it('keeps only the part after /apis/3.0, whatever host the link names', () => {
    expect(
      apiRelative('https://other.example/v2025_1/apis/3.0/company/companies?pageSize=2&pageId=9'),
    ).toEqual({
      path: '/company/companies',
      search: '?pageSize=2&pageId=9',
    });
    expect(apiRelative('https://h/elsewhere?x=1')).toBeUndefined();
  });
});

describe('backoff', () => {
  it('is capped exponential with full jitter', () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 250, 4000, half))).toEqual([
      125, 250, 500, 1000, 2000, 2000, 2000,
    ]);
    expect(backoffDelay(3, 250, 4000, () => 0)).toBe(0);
    expect(backoffDelay(3, 250, 4000, () => 0.999)).toBe(999);
  });
});

describe('error bodies', () => {
  it("reads ConnectWise's {code, message, errors} and the throttle's {error, message}", () => {
    expect(
      parseErrorBody(
        '{"code":"InvalidObject","message":"company object is invalid","errors":[{"code":"ObjectExists","message":"Company ID already in use.","resource":"company","field":"identifier"}]}',
      ),
    ).toEqual({
      code: 'InvalidObject',
      message: 'company object is invalid',
      errors: [
        {
          code: 'ObjectExists',
          message: 'Company ID already in use.',
          resource: 'company',
          field: 'identifier',
        },
      ],
    });
    expect(parseErrorBody('{"error":"ConnectWiseAPI","message":"Too many requests."}')).toEqual({
      code: 'ConnectWiseAPI',
      message: 'Too many requests.',
    });
    expect(parseErrorBody('{"code":"Unauthorized","message":"no","errors":null}')).toEqual({
      code: 'Unauthorized',
      message: 'no',
    });
    expect(parseErrorBody('<html>Bad gateway</html>')).toEqual({});
    expect(parseErrorBody('null')).toEqual({});
  });
});

describe('transport error classification', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it('maps certificate problems to tls, never retried', () => {
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    ])
      expect(classifyTransportError(err(code))).toMatchObject({
        kind: 'tls',
        systemCode: code,
        transient: false,
      });
  });
  it('tells an answer without TLS (plain HTTP on the port) from a refused certificate', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']) {
      const nested = Object.assign(new Error('fetch failed'), { cause: err(code) });
      const f = classifyTransportError(nested);
      expect(f).toMatchObject({ kind: 'tls', systemCode: code, transient: false });
      expect(answeredWithoutTls(f.systemCode)).toBe(true);
    }
    expect(answeredWithoutTls('DEPTH_ZERO_SELF_SIGNED_CERT')).toBe(false);
    expect(answeredWithoutTls(undefined)).toBe(false);
  });
  it('maps name resolution to dns', () => {
    expect(classifyTransportError(err('ENOTFOUND'))).toMatchObject({ kind: 'dns', transient: false });
    expect(classifyTransportError(err('EAI_AGAIN'))).toMatchObject({ kind: 'dns', transient: true });
  });
  it('tells connection failures before sending from those after', () => {
    expect(classifyTransportError(err('ECONNREFUSED'))).toMatchObject({ kind: 'network', beforeSend: true });
    expect(classifyTransportError(err('ECONNRESET'))).toMatchObject({ kind: 'network', beforeSend: false });
    expect(classifyTransportError(err('UND_ERR_SOCKET'))).toMatchObject({
      kind: 'network',
      beforeSend: false,
    });
  });
  it('maps timeouts, including an aborted signal and nested causes', () => {
    expect(classifyTransportError(err('UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({
      kind: 'timeout',
      beforeSend: false,
    });
    expect(classifyTransportError(err('UND_ERR_CONNECT_TIMEOUT'))).toMatchObject({
      kind: 'timeout',
      beforeSend: true,
    });
    expect(classifyTransportError(new DOMException('aborted', 'TimeoutError'))).toMatchObject({
      kind: 'timeout',
    });
    expect(
      classifyTransportError(new TypeError('fetch failed', { cause: err('CERT_HAS_EXPIRED') })),
    ).toMatchObject({
      kind: 'tls',
    });
    expect(
      classifyTransportError(
        Object.assign(new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')]), {}),
      ),
    ).toMatchObject({ kind: 'network', systemCode: 'ECONNREFUSED', beforeSend: true });
  });
});

describe('request budget', () => {
  it('allows a minute of requests at once, then spaces them evenly', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const bucket = new TokenBucket(3, clock);
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(sleeps).toEqual([20_000, 20_000]);
    expect(bucket.tryTake()).toBe(20_000);
    now += 5_000;
    expect(bucket.tryTake()).toBe(15_000);
    now += 15_000;
    expect(bucket.tryTake()).toBe(0);
  });
  it('refuses a non-positive rate', () => {
    expect(() => new TokenBucket(0, { now: () => 0, sleep: async () => {} })).toThrow(TypeError);
  });
});
