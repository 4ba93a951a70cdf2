import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogFormat, type LogFormat, redactUrl } from './logger.js';

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

/** A logger in `format` whose lines are collected in `lines()`. */
function captured(format: LogFormat) {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger('info', sink, format), lines: () => text.split('\n').filter(Boolean) };
}

const SECRETS = [
  'Basic c2VjcmV0',
  'sessionC00kie',
  'hunter2-password',
  'pr1vate',
  'cbT0ken',
  'qs-s3cret',
  's3cret-field',
];

/** One entry for each place REDACTED_PATHS and redactUrl cover. */
function logEverySecret(logger: ReturnType<typeof createLogger>) {
  logger.info(
    {
      req: {
        method: 'GET',
        url: '/api/v1/psa-callbacks/3/cbT0ken?token=qs-s3cret',
        headers: { authorization: 'Basic c2VjcmV0', cookie: 'sessionC00kie' },
      },
    },
    'incoming request',
  );
  logger.warn({ password: 'hunter2-password', body: { privateKey: 'pr1vate' } }, 'member changed');
  logger.error(
    { headers: { authorization: 'Basic c2VjcmV0' }, integration: { secret: 's3cret-field' } },
    'refused',
  );
}

describe.each(['json', 'pretty'] as const)('the %s format', (format) => {
  it('redacts every credential the redaction list and redactUrl cover', () => {
    const { logger, lines } = captured(format);
    logEverySecret(logger);
    const text = lines().join('\n');
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    expect(text.match(/\[redacted\]/g)).toHaveLength(6);
    expect(lines()).toHaveLength(3);
  });
});

describe('the formats', () => {
  it('json writes one JSON document a line', () => {
    const { logger, lines } = captured('json');
    logger.info({ customer: 7 }, 'ingested');
    expect(JSON.parse(lines()[0]!)).toMatchObject({ level: 30, msg: 'ingested', customer: 7 });
  });

  it('pretty writes one readable line an entry: time, level, message and the fields, no JSON line', () => {
    const { logger, lines } = captured('pretty');
    logger.info({ customer: 7 }, 'ingested');
    logger.warn('slow');
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: ingested \{"customer":7\}$/);
    expect(lines()[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: slow$/);
    // No colours when the destination is not the terminal.
    expect(lines().join('')).not.toContain('\u001b[');
  });

  it('is pretty for a terminal and JSON otherwise', () => {
    expect(defaultLogFormat({ isTTY: true })).toBe('pretty');
    expect(defaultLogFormat({ isTTY: false })).toBe('json');
    expect(defaultLogFormat({})).toBe('json');
  });
});
