// Fault injection for the console's ConnectWise client: a scripted HTTPS server on 127.0.0.1 (its own
// self-signed certificate, trusted through `ca`) answers 429/5xx/4xx, hangs, sends broken JSON or odd
// Link headers; time runs on a fake clock, so retries, Retry-After and the budget are asserted exactly.
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { inspect } from 'node:util';
import selfsigned from 'selfsigned';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectWiseClient, type ConnectWiseClientOptions } from '../../src/console/psa-client/client.js';
import {
  ConnectWiseError,
  type PsaConnection,
  type RequestInfo,
} from '../../src/console/psa-client/types.js';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
type Handler = (req: Seen, res: ServerResponse) => void;

const PRIVATE_KEY = 'PrivKey0123456789abcdefXYZ';
const PUBLIC_KEY = 'PubKey0123456789';
const BASIC = Buffer.from(`acme+${PUBLIC_KEY}:${PRIVATE_KEY}`).toString('base64');
const START = Date.parse('2026-03-01T12:00:00Z');

let server: https.Server;
let cert: string;
let port: number;
let handler: Handler;
const seen: Seen[] = [];
const clients: ConnectWiseClient[] = [];
let now = START;
let sleeps: number[] = [];
const clock = {
  now: () => now,
  sleep: async (ms: number) => {
    sleeps.push(ms);
    now += ms;
  },
};

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/** Answers the given statuses in turn (ConnectWise-shaped bodies), then 200 `{"id":1}`. */
function statuses(...list: number[]): Handler {
  let i = 0;
  return (_req, res) => {
    const status = list[i++];
    if (status === undefined) return json(res, 200, { id: 1 });
    json(res, status, { code: `Code${status}`, message: `Message ${status}`, errors: null });
  };
}

function connection(overrides: Partial<PsaConnection> = {}): PsaConnection {
  return {
    site: `127.0.0.1:${port}`,
    companyId: 'acme',
    publicKey: PUBLIC_KEY,
    privateKey: PRIVATE_KEY,
    clientId: 'console-client-id',
    codebase: 'v4_6_release',
    ca: cert,
    ...overrides,
  };
}

function client(
  options: ConnectWiseClientOptions = {},
  overrides: Partial<PsaConnection> = {},
): ConnectWiseClient {
  const c = new ConnectWiseClient(connection(overrides), { clock, random: () => 0.5, ...options });
  clients.push(c);
  return c;
}

async function rejection(call: Promise<unknown>): Promise<ConnectWiseError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectWiseError);
    return error as ConnectWiseError;
  }
  throw new Error('expected a ConnectWiseError');
}

beforeAll(async () => {
  const pems = selfsigned.generate([{ name: 'commonName', value: 'parasol-fault-server' }], {
    keySize: 2048,
    days: 2,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  cert = pems.cert;
  server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    // Recorded on arrival, so a request the client gives up on is still counted.
    const entry: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: '' };
    seen.push(entry);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks).toString();
      handler(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  sleeps = [];
  now = START;
  handler = (_req, res) => json(res, 200, []);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('requests', () => {
  it("sends ConnectWise's headers and %20-encoded queries, a JSON body only where there is one", async () => {
    const cw = client();
    await cw.list('/company/companies', { conditions: 'name like "A*"', pageSize: 5 });
    handler = (_req, res) => json(res, 201, { id: 9 });
    expect(await cw.post('/company/companies', { identifier: 'A', name: 'A B' })).toEqual({ id: 9 });
    const [get, post] = seen;
    expect(get).toMatchObject({
      method: 'GET',
      url: '/v4_6_release/apis/3.0/company/companies?conditions=name%20like%20%22A%2A%22&pageSize=5',
    });
    expect(get!.headers).toMatchObject({
      authorization: `Basic ${BASIC}`,
      clientid: 'console-client-id',
      accept: 'application/vnd.connectwise.com+json; version=2022.1',
    });
    expect(get!.headers['content-type']).toBeUndefined();
    expect(post!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post!.body)).toEqual({ identifier: 'A', name: 'A B' });
  });

  it('reports every attempt to onRequest without headers or query', async () => {
    const infos: RequestInfo[] = [];
    handler = statuses(503);
    await client({ onRequest: (i) => infos.push(i) }).get('/system/info', { fields: 'version' });
    expect(infos).toEqual([
      { method: 'GET', path: '/system/info', status: 503, attempt: 1, durationMs: 0 },
      // Durations come from the injected clock, which only moves while the client sleeps.
      { method: 'GET', path: '/system/info', status: 200, attempt: 2, durationMs: 0 },
    ]);
  });
});

describe('retries', () => {
  it('waits exactly the Retry-After of a 429 (on the fake clock), then succeeds', async () => {
    let n = 0;
    handler = (_req, res) =>
      n++ === 0
        ? json(
            res,
            429,
            { error: 'ConnectWiseAPI', message: 'Too many requests. Please try again in 7 seconds.' },
            { 'retry-after': '7' },
          )
        : json(res, 200, { id: 5 });
    expect(await client().get('/service/tickets/5')).toEqual({ id: 5 });
    expect(sleeps).toEqual([7000]);
    expect(seen).toHaveLength(2);
  });

  it('retries a POST after 429 (nothing was done), honours an HTTP-date Retry-After and caps long ones', async () => {
    let n = 0;
    handler = (_req, res) => {
      n++;
      if (n === 1) return json(res, 429, {}, { 'retry-after': new Date(START + 12_000).toUTCString() });
      if (n === 2) return json(res, 429, {}, { 'retry-after': '3600' });
      json(res, 201, { id: 1 });
    };
    expect(await client().post('/service/tickets', { summary: 'x' })).toEqual({ id: 1 });
    expect(sleeps).toEqual([12_000, 60_000]);
  });

  it('reports a 429 that outlasts the attempts with its Retry-After and the throttle message', async () => {
    handler = (_req, res) =>
      json(res, 429, { error: 'ConnectWiseAPI', message: 'Too many requests.' }, { 'retry-after': '30' });
    const error = await rejection(client({ maxAttempts: 2 }).get('/service/tickets'));
    expect(error).toMatchObject({
      kind: 'http',
      status: 429,
      code: 'ConnectWiseAPI',
      cwMessage: 'Too many requests.',
      retryAfterSeconds: 30,
      attempts: 2,
    });
    expect(sleeps).toEqual([30_000]);
  });

  it('retries 503/502/500 with capped exponential backoff and full jitter', async () => {
    handler = statuses(503, 502, 500);
    expect(await client().get('/company/companies/1')).toEqual({ id: 1 });
    // random() = 0.5 of min(30 s, 250 ms × 2^(n-1))
    expect(sleeps).toEqual([125, 250, 500]);
  });

  it('gives up after maxAttempts with the last status, code and attempt count', async () => {
    handler = statuses(503, 503, 503, 503, 503, 503);
    const error = await rejection(client({ maxAttempts: 5, maxDelayMs: 600 }).get('/company/companies/1'));
    expect(error).toMatchObject({
      kind: 'http',
      status: 503,
      code: 'Code503',
      cwMessage: 'Message 503',
      attempts: 5,
    });
    expect(sleeps).toEqual([125, 250, 300, 300]);
    expect(seen).toHaveLength(5);
    expect(error.message).toContain('5 attempts');
  });

  it('jitters within the cap with the injected randomness', async () => {
    handler = statuses(500, 500, 500);
    const draws = [0, 0.25, 0.999];
    await client({ random: () => draws.shift()! }).get('/company/companies/1');
    expect(sleeps).toEqual([0, 125, 999]);
  });

  it('does not retry a POST after a 5xx: it may have been created', async () => {
    handler = statuses(503);
    const error = await rejection(client().post('/service/tickets', { summary: 'x' }));
    expect(error).toMatchObject({ kind: 'http', status: 503, attempts: 1 });
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('treats a retried DELETE answered 404 as done, but not a first 404', async () => {
    handler = statuses(503, 404);
    await expect(client().delete('/service/tickets/5')).resolves.toBeUndefined();
    expect(seen).toHaveLength(2);
    handler = statuses(404);
    expect(await rejection(client().delete('/service/tickets/5'))).toMatchObject({
      status: 404,
      attempts: 1,
    });
  });

  it.each([400, 401, 403, 404, 405, 409])(
    'does not retry %i and carries ConnectWise code and message',
    async (status) => {
      handler = (_req, res) =>
        json(res, status, {
          code: status === 400 ? 'InvalidObject' : `C${status}`,
          message: `M${status}`,
          errors:
            status === 400
              ? [{ code: 'ObjectExists', message: 'Company ID already in use.', field: 'identifier' }]
              : null,
        });
      const error = await rejection(
        client().patch('/company/companies/1', [{ op: 'replace', path: 'name', value: 'x' }]),
      );
      expect(error).toMatchObject({ kind: 'http', status, cwMessage: `M${status}`, attempts: 1 });
      expect(error.code).toBe(status === 400 ? 'InvalidObject' : `C${status}`);
      if (status === 400)
        expect(error.errors).toEqual([
          { code: 'ObjectExists', message: 'Company ID already in use.', field: 'identifier' },
        ]);
      expect(seen).toHaveLength(1);
      expect(sleeps).toEqual([]);
    },
  );
});

describe('transport failures', () => {
  it("reports a response that never comes as 'timeout' (GET retried, POST not)", async () => {
    handler = () => {};
    const error = await rejection(client({ timeoutMs: 500, maxAttempts: 2 }).get('/company/companies'));
    expect(error).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(seen).toHaveLength(2);
    seen.length = 0;
    const post = await rejection(
      client({ timeoutMs: 500, maxAttempts: 3 }).post('/service/tickets', { summary: 'x' }),
    );
    expect(post).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it("reports a 2xx body that is not JSON as 'malformed-response', without retrying", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": 1,');
    };
    const error = await rejection(client().get('/company/companies/1'));
    expect(error).toMatchObject({ kind: 'malformed-response', status: 200, attempts: 1 });
    handler = (_req, res) => json(res, 200, { not: 'a list' });
    expect(await rejection(client().list('/company/companies'))).toMatchObject({
      kind: 'malformed-response',
    });
    handler = (_req, res) => json(res, 200, { total: 3 });
    expect(await rejection(client().count('/company/companies'))).toMatchObject({
      kind: 'malformed-response',
    });
  });

  it("reports a refused connection as 'network' after retrying it — a POST too, as nothing was sent", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const cw = client({ maxAttempts: 3 }, { site: `127.0.0.1:${closedPort}` });
    expect(await rejection(cw.get('/company/companies'))).toMatchObject({
      kind: 'network',
      systemCode: 'ECONNREFUSED',
      attempts: 3,
    });
    expect(await rejection(cw.post('/company/companies', {}))).toMatchObject({
      kind: 'network',
      attempts: 3,
    });
    expect(sleeps).toEqual([125, 250, 125, 250]);
  });

  it("refuses an untrusted certificate as 'tls', without retrying", async () => {
    const { ca: _trusted, ...untrusted } = connection();
    const cw = new ConnectWiseClient(untrusted, { clock });
    clients.push(cw);
    const error = await rejection(cw.get('/company/companies'));
    expect(error).toMatchObject({ kind: 'tls', attempts: 1 });
    expect(error.systemCode).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(seen).toHaveLength(0);
  });

  it("reports an unknown host as 'dns'", async () => {
    const error = await rejection(
      client({ maxAttempts: 2 }, { site: 'nonexistent.invalid' }).get('/company/companies'),
    );
    expect(error.kind).toBe('dns');
    expect(error.message).toContain('https://nonexistent.invalid');
  });
});

describe('codebase discovery', () => {
  it('asks /login/companyinfo once, without credentials, and uses the Codebase it names', async () => {
    handler = (req, res) =>
      req.url.startsWith('/login/companyinfo/')
        ? json(res, 200, { CompanyName: 'Acme', Codebase: 'v2025_1/', CompanyID: 'acme', IsCloud: true })
        : json(res, 200, req.url.includes('/count') ? { count: 0 } : []);
    const cw = client({}, { codebase: undefined as never });
    await Promise.all([cw.list('/company/companies'), cw.list('/service/tickets')]);
    await cw.count('/service/tickets', 'closedFlag = false');
    expect(seen.map((s) => s.url)).toEqual([
      '/login/companyinfo/acme',
      '/v2025_1/apis/3.0/company/companies',
      '/v2025_1/apis/3.0/service/tickets',
      '/v2025_1/apis/3.0/service/tickets/count?conditions=closedFlag%20%3D%20false',
    ]);
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it("reports a null company information as 'unknown-company'", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end('null');
    };
    const cw = client({}, { codebase: undefined as never });
    expect(await rejection(cw.discover())).toMatchObject({ kind: 'unknown-company', attempts: 1 });
    expect(await rejection(cw.get('/system/info'))).toMatchObject({ kind: 'unknown-company' });
    expect(seen.map((s) => s.url)).toEqual(['/login/companyinfo/acme', '/login/companyinfo/acme']);
  });
});

describe('request budget', () => {
  it('spaces requests to the budget on the fake clock', async () => {
    const cw = client({ budget: { requestsPerMinute: 2 } });
    for (let i = 0; i < 4; i++) await cw.list('/company/companies');
    expect(sleeps).toEqual([30_000, 30_000]);
    expect(seen).toHaveLength(4);
  });

  it("fails fast with 'budget-exhausted' when told to, sending nothing", async () => {
    const cw = client({ budget: { requestsPerMinute: 2, failFast: true } });
    await cw.list('/company/companies');
    await cw.list('/company/companies');
    const error = await rejection(cw.list('/company/companies'));
    expect(error).toMatchObject({ kind: 'budget-exhausted', retryAfterSeconds: 30, attempts: 0 });
    expect(seen).toHaveLength(2);
    now += 30_000;
    await cw.list('/company/companies');
    expect(seen).toHaveLength(3);
  });

  it('counts retries against the budget', async () => {
    handler = statuses(503);
    await client({ budget: { requestsPerMinute: 1 } }).get('/company/companies/1');
    // backoff 125 ms, then the rest of the minute for the second token
    expect(sleeps).toEqual([125, 59_875]);
  });
});

describe('paging', () => {
  const rows = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i }));

  it('pages forward-only, following the next link on our own origin even when it names another host', async () => {
    handler = (req, res) => {
      const pageId = Number(new URL(req.url, 'https://x').searchParams.get('pageId') ?? 0);
      const page = rows(pageId + 1, Math.min(pageId + 2, 5));
      const last = page[page.length - 1]!.id;
      const link =
        last < 5
          ? `<https://elsewhere.example/v4_6_release/apis/3.0/company/companies?conditions=x&pageSize=2&pageId=${last}>; rel="next"`
          : '';
      json(res, 200, page, { link });
    };
    const all = await client().listAll('/company/companies', { conditions: 'x', pageSize: 2, page: 7 });
    expect(all).toEqual(rows(1, 5));
    expect(seen.map((s) => s.url)).toEqual([
      '/v4_6_release/apis/3.0/company/companies?conditions=x&pageSize=2',
      '/v4_6_release/apis/3.0/company/companies?conditions=x&pageSize=2&pageId=2',
      '/v4_6_release/apis/3.0/company/companies?conditions=x&pageSize=2&pageId=4',
    ]);
    expect(seen.every((s) => s.headers['pagination-type'] === 'forward-only')).toBe(true);
  });

  it('pages by number with orderBy, and falls back to page+1 until a short page when there is no Link', async () => {
    handler = (req, res) => {
      const page = Number(new URL(req.url, 'https://x').searchParams.get('page') ?? 1);
      json(res, 200, rows(page * 2 - 1, Math.min(page * 2, 5)));
    };
    expect(await client().listAll('/company/companies', { orderBy: 'name', pageSize: 2 })).toEqual(
      rows(1, 5),
    );
    expect(seen.map((s) => s.url)).toEqual([
      '/v4_6_release/apis/3.0/company/companies?orderBy=name&pageSize=2',
      '/v4_6_release/apis/3.0/company/companies?orderBy=name&pageSize=2&page=2',
      '/v4_6_release/apis/3.0/company/companies?orderBy=name&pageSize=2&page=3',
    ]);
    expect(seen.some((s) => s.headers['pagination-type'] !== undefined)).toBe(false);
  });

  it('falls back to numbered pages when a server ignores forward-only paging', async () => {
    handler = (req, res) => {
      const page = Number(new URL(req.url, 'https://x').searchParams.get('page') ?? 1);
      json(res, 200, rows(page * 2 - 1, Math.min(page * 2, 4)));
    };
    expect(await client().listAll('/company/companies', { pageSize: 2 })).toEqual(rows(1, 4));
    expect(seen.map((s) => [s.url.split('?')[1], s.headers['pagination-type']])).toEqual([
      ['pageSize=2', 'forward-only'],
      ['pageSize=2&page=2', undefined],
      ['pageSize=2&page=3', undefined],
    ]);
  });

  it('refuses a Link that loops or leads to another resource', async () => {
    handler = (_req, res) =>
      json(res, 200, rows(1, 2), {
        link: '<https://h/v4_6_release/apis/3.0/company/companies?pageSize=2>; rel="next"',
      });
    expect(await rejection(client().listAll('/company/companies', { pageSize: 2 }))).toMatchObject({
      kind: 'malformed-response',
    });
    handler = (_req, res) =>
      json(res, 200, rows(1, 2), {
        link: '<https://h/v4_6_release/apis/3.0/system/members?page=2>; rel="next"',
      });
    expect(await rejection(client().listAll('/company/companies', { pageSize: 2 }))).toMatchObject({
      kind: 'malformed-response',
    });
  });
});

describe('credentials', () => {
  it('never appear in errors, even when a server echoes them', async () => {
    handler = (req, res) =>
      json(res, 401, {
        code: 'Unauthorized',
        message: `bad credentials ${req.headers.authorization} (${PRIVATE_KEY})`,
        errors: [{ code: 'X', message: `key ${PRIVATE_KEY}` }],
      });
    const infos: RequestInfo[] = [];
    const error = await rejection(client({ onRequest: (i) => infos.push(i) }).get('/system/info'));
    expect(error).toMatchObject({ kind: 'http', status: 401, code: 'Unauthorized', attempts: 1 });
    const everything = [
      error.message,
      error.stack,
      JSON.stringify(error),
      inspect(error, { depth: 5 }),
      JSON.stringify(infos),
    ].join('\n');
    expect(everything).not.toContain(PRIVATE_KEY);
    expect(everything).not.toContain(BASIC);
    expect(error.cwMessage).toContain('[redacted]');
  });

  it('are not visible on the client object', () => {
    const cw = client();
    const shown = `${inspect(cw, { depth: 5, showHidden: true })}${JSON.stringify(cw)}`;
    expect(shown).not.toContain(PRIVATE_KEY);
    expect(shown).not.toContain(BASIC);
  });
});
