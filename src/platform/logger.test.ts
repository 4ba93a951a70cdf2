import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.js';

describe('redactUrl', () => {
  it.each([
    ['/api/v1/psa-callbacks/12/s3cretToken?recordId=5', '/api/v1/psa-callbacks/12/[redacted]?recordId=5'],
    ['https://c.example/api/v1/psa-callbacks/1/abc', 'https://c.example/api/v1/psa-callbacks/1/[redacted]'],
    ['/x?token=abc&page=2&signature=zz', '/x?token=[redacted]&page=2&signature=[redacted]'],
    [
      '/v4_6_release/apis/3.0/company/companies?pageSize=1',
      '/v4_6_release/apis/3.0/company/companies?pageSize=1',
    ],
    ['/api/v1/psa-callbacks', '/api/v1/psa-callbacks'],
  ])('%s → %s', (url, shown) => expect(redactUrl(url)).toBe(shown));
});

describe('createLogger', () => {
  it("serializes a request with its URL redacted and Fastify's fields", () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    createLogger('info', sink).info(
      {
        req: {
          method: 'POST',
          url: '/api/v1/psa-callbacks/3/tok3n',
          host: 'c.example',
          ip: '10.0.0.1',
          socket: { remotePort: 4242 },
          headers: { authorization: 'Basic x' },
        },
      },
      'incoming request',
    );
    expect(JSON.parse(out).req).toEqual({
      method: 'POST',
      url: '/api/v1/psa-callbacks/3/[redacted]',
      host: 'c.example',
      remoteAddress: '10.0.0.1',
      remotePort: 4242,
    });
  });
});
