// The remote sources end to end over the real console server (HTTPS) on every database: ingest
// tokens (admin routes, shown once, digest at rest, revocation), the NDJSON endpoint (token auth,
// line errors, gzip, size limits and gzip bombs, Idempotency-Key), Umbrella Reporting API settings
// (sealed, masked) and a poll against the local fake Umbrella, and DNSFilter files — each unit
// counted exactly once in the aggregates of the customer its binding names.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { IngestStore } from '../../src/console/ingest/store.js';
import { ingestDnsfilterPath } from '../../src/console/sources-remote/dnsfilter-file.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { NDJSON_MAX_BYTES } from '../../src/console/sources-remote/ndjson-endpoint.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { apiRecord, FakeUmbrella } from './fake-umbrella.js';
import { dnsfilterRecord } from './fixtures.js';

const PASSWORD = 'correct horse battery staple';

interface Session {
  cookie: string;
  csrf: string;
}

function ndjsonEvent(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ts: `2026-02-11T09:${String(i % 60).padStart(2, '0')}:00Z`,
    orgId: 'contoso-7001',
    identity: `host-${i % 3}`,
    identityType: 'roaming-computer',
    domain: i % 5 === 0 ? `cc${i}.botnet.example` : `site${i}.example.com`,
    queryType: 'A',
    action: i % 5 === 0 ? 'blocked' : 'allowed',
    categories: i % 5 === 0 ? ['Command and Control'] : ['Search Engines'],
    ...over,
  };
}
const lines = (events: unknown[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

describe.each(databaseKinds)('remote event sources over the console on %s', (db) => {
  let psa: TestPsa;
  let base: string;
  let providerId: number;
  let customerId: number;
  let otherCustomerId: number;
  let admin: Session;
  let reader: Session;
  let token: string;
  let ingest: IngestStore;

  const call = async (method: string, url: string, s: Session | undefined, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (s) {
      headers.cookie = s.cookie;
      if (method !== 'GET') headers['x-csrf-token'] = s.csrf;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await psa.fetch(`${base}${url}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  };
  const post = async (body: string | Buffer | ReadableStream, headers: Record<string, string>) => {
    const res = await psa.fetch(`${base}/api/v1/ingest/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...headers },
      body: body as never,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit & { headers: Record<string, string> });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  const signIn = async (email: string): Promise<Session> => {
    const res = await psa.fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const body = (await res.json()) as { csrfToken: string };
    return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: body.csrfToken };
  };
  const daily = async (customer: number) =>
    (await ingest.daily(providerId, customer)).reduce((n, d) => n + d.requests, 0);

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'warn' });
    base = psa.running.console.url;
    const services = psa.running.console.services;
    ingest = new IngestStore(services.storage.db, services.storage.dialect);
    const provider = await services.accounts.createProvider({ name: 'Remote MSP', kind: 'MSP' }, 'test');
    providerId = provider.id;
    for (const [email, role] of [
      ['admin@remote.test', 'admin'],
      ['reader@remote.test', 'read-only'],
    ] as const)
      await services.accounts.createUser(
        providerId,
        { email, name: email, role, password: PASSWORD },
        'test',
      );
    customerId = (await services.accounts.createCustomer(providerId, { name: 'Contoso', seats: 10 }, 'test'))
      .id;
    otherCustomerId = (
      await services.accounts.createCustomer(providerId, { name: 'Fabrikam', seats: 5 }, 'test')
    ).id;
    const at = new Date().toISOString();
    await ingest.addBinding(providerId, { customerId, kind: 'ndjson-org', value: 'contoso-7001' }, at);
    await ingest.addBinding(providerId, { customerId, kind: 'dnsfilter-network', value: '7001' }, at);
    await ingest.addBinding(
      providerId,
      { customerId: otherCustomerId, kind: 'dnsfilter-network', value: 'Branch office' },
      at,
    );
    admin = await signIn('admin@remote.test');
    reader = await signIn('reader@remote.test');
  });
  afterAll(async () => psa?.close());

  it('admins create ingest tokens shown once and stored only as a digest; others may not', async () => {
    expect((await call('POST', '/api/v1/ingest-tokens', reader, { name: 'collector' })).status).toBe(403);
    expect(
      (await call('POST', '/api/v1/ingest-tokens', { ...admin, csrf: 'wrong' }, { name: 'c' })).status,
    ).toBe(403);
    expect((await call('GET', '/api/v1/ingest-tokens', undefined)).status).toBe(401);
    const created = await call('POST', '/api/v1/ingest-tokens', admin, { name: 'Contoso collector' });
    expect(created.status).toBe(201);
    token = created.body!.token as string;
    expect(token).toMatch(/^psi_[A-Za-z0-9]{43}$/);
    expect(created.body).toMatchObject({
      name: 'Contoso collector',
      hint: `••••${token.slice(-4)}`,
      active: true,
    });

    const list = await call('GET', '/api/v1/ingest-tokens', admin);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(token);
    expect(list.body).toEqual([
      expect.objectContaining({ name: 'Contoso collector', hint: `••••${token.slice(-4)}` }),
    ]);
    const rows = await psa.running.storage.db.selectFrom('con_ingest_token').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
    expect(rows.map((r) => r.token_digest)).toHaveLength(1);
  });

  it('refuses requests without a valid bearer token, whatever session they carry', async () => {
    const body = lines([ndjsonEvent(1)]);
    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { authorization: 'Bearer psi_not-a-token' })).status).toBe(401);
    expect((await post(body, { authorization: `Basic ${token}` })).status).toBe(401);
    const withSession = await post(body, { cookie: admin.cookie, 'x-csrf-token': admin.csrf });
    expect(withSession.status).toBe(401);
    expect(withSession.body.message).toMatch(/Authorization: Bearer/);
    expect(await daily(customerId)).toBe(0);
  });

  it('ingests the good lines, reports the bad ones by line number, and counts them once', async () => {
    const events: unknown[] = Array.from({ length: 10 }, (_, i) => ndjsonEvent(i));
    events.splice(2, 0, { ...ndjsonEvent(50), domian: 'typo.example' });
    const text =
      lines(events).replace(/\n$/, '\nnot json at all\n\n') + lines([ndjsonEvent(60, { orgId: 'nobody' })]);
    const res = await post(text, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 11, rejected: 2, unrouted: 1, duplicate: false });
    expect(res.body.errors).toEqual([
      { line: 3, message: "line 3: unknown field 'domian'" },
      { line: 12, message: expect.stringMatching(/^line 12: is not JSON/) },
    ]);
    expect(await daily(customerId)).toBe(10);
    const blocked = (await ingest.daily(providerId, customerId)).reduce((n, d) => n + d.blocked, 0);
    expect(blocked).toBe(2);
  });

  it('accepts gzip bodies and makes a retried Idempotency-Key a no-op', async () => {
    const before = await daily(customerId);
    const body = gzipSync(Buffer.from(lines(Array.from({ length: 5 }, (_, i) => ndjsonEvent(100 + i)))));
    const headers = {
      authorization: `Bearer ${token}`,
      'content-encoding': 'gzip',
      'idempotency-key': 'batch-0001',
    };
    const first = await post(body, headers);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      accepted: 5,
      rejected: 0,
      duplicate: false,
      unit: 'ndjson:batch-0001',
    });
    const retry = await post(body, headers);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ accepted: 5, rejected: 0, duplicate: true });
    expect(await daily(customerId)).toBe(before + 5);
    const reused = await post(gzipSync(Buffer.from(lines([ndjsonEvent(200)]))), headers);
    expect(reused.status).toBe(409);
    expect(await daily(customerId)).toBe(before + 5);
    expect((await post('x', { ...headers, 'idempotency-key': 'bad key!' })).status).toBe(400);
  });

  it('keeps the valid lines of a request with a NUL or a lone surrogate, and a retry answers the same', async () => {
    const before = await daily(customerId);
    // JSON escapes: the decoded strings hold U+0000 and a lone U+D800 (what PostgreSQL refused).
    const text = [
      JSON.stringify(ndjsonEvent(301)),
      JSON.stringify(ndjsonEvent(302, { identity: 'host\u0000-9' })),
      JSON.stringify(ndjsonEvent(303)),
      JSON.stringify(ndjsonEvent(304, { domain: 'x\ud800.example' })),
      JSON.stringify(ndjsonEvent(305)),
    ].join('\n');
    const headers = { authorization: `Bearer ${token}`, 'idempotency-key': 'nul-batch-1' };
    const first = await post(text, headers);
    expect(first.status).toBe(200);
    const report = {
      accepted: 3,
      rejected: 2,
      unrouted: 0,
      errors: [
        { line: 2, message: 'line 2: identity: contains a NUL character (U+0000)' },
        { line: 4, message: 'line 4: domain: contains a lone surrogate (U+D800), not Unicode text' },
      ],
      unit: 'ndjson:nul-batch-1',
    };
    expect(first.body).toEqual({ ...report, duplicate: false });
    expect(await daily(customerId)).toBe(before + 3);
    const retry = await post(text, headers);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ ...report, duplicate: true });
    expect(await daily(customerId)).toBe(before + 3);
  });

  it('records a request whose commit fails as failed and answers so, never 500; a retry answers the same', async () => {
    const db = psa.running.console.services.storage.db;
    const before = await daily(customerId);
    const headers = { authorization: `Bearer ${token}`, 'idempotency-key': 'commit-fails-1' };
    const text = lines([ndjsonEvent(401), ndjsonEvent(402)]);
    // A commit failure injected for real: the window table is gone while the request commits.
    await sql`ALTER TABLE con_agg_window RENAME TO con_agg_window_away`.execute(db);
    let first: Awaited<ReturnType<typeof post>>;
    try {
      first = await post(text, headers);
    } finally {
      await sql`ALTER TABLE con_agg_window_away RENAME TO con_agg_window`.execute(db);
    }
    expect(first.status).toBe(400);
    expect(String(first.body.message)).toMatch(/^The events were not ingested: could not be committed: /);
    const retry = await post(text, headers);
    expect(retry.status).toBe(400);
    expect(String(retry.body.message)).toMatch(/could not be committed: .*\(earlier run\)\.$/);
    expect(await daily(customerId)).toBe(before);
  });

  it('refuses bodies over the limit, gzip bombs, other encodings and other content types, counting nothing', async () => {
    const before = await daily(customerId);
    const auth = { authorization: `Bearer ${token}` };
    const big = Buffer.alloc(NDJSON_MAX_BYTES + 1, 0x20);
    const declared = await post(big, auth);
    expect(declared.status).toBe(400);
    expect(declared.body.message).toMatch(/too large: it declares more than 10485760 bytes \(10 MiB\)/);
    // Without a Content-Length (chunked), the limit applies while reading.
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent >= 12) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const chunked = await post(stream, auth);
    expect(chunked.status).toBe(400);
    expect(chunked.body.message).toMatch(/too large: it has more than 10485760 bytes/);
    // 64 MiB of blanks compress to about 64 KiB: refused once 10 MiB are decompressed.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(200 * 1024);
    const bombed = await post(bomb, { ...auth, 'content-encoding': 'gzip' });
    expect(bombed.status).toBe(400);
    expect(bombed.body.message).toMatch(/too large: decompressed, it has more than 10485760 bytes/);
    const corrupt = await post(Buffer.from('not gzip'), { ...auth, 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.message).toMatch(/does not decompress/);
    expect((await post(lines([ndjsonEvent(1)]), { ...auth, 'content-encoding': 'br' })).status).toBe(400);
    const json = await psa.fetch(`${base}/api/v1/ingest/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(ndjsonEvent(1)),
    });
    expect(json.status).toBe(400);
    expect(await daily(customerId)).toBe(before);
  });

  it('a revoked token stops working at once', async () => {
    const created = await call('POST', '/api/v1/ingest-tokens', admin, { name: 'short-lived' });
    const t = created.body!.token as string;
    expect((await post(lines([ndjsonEvent(3)]), { authorization: `Bearer ${t}` })).status).toBe(200);
    expect((await call('DELETE', `/api/v1/ingest-tokens/${created.body!.id}`, reader)).status).toBe(403);
    expect((await call('DELETE', `/api/v1/ingest-tokens/${created.body!.id}`, admin)).status).toBe(204);
    expect((await post(lines([ndjsonEvent(4)]), { authorization: `Bearer ${t}` })).status).toBe(401);
    expect((await call('DELETE', '/api/v1/ingest-tokens/999999', admin)).status).toBe(404);
    const audit = await call('GET', '/api/v1/audit', admin);
    expect(audit.text).toContain('ingest-token.revoked');
  });

  it('stores the Umbrella API key and secret sealed, shows hints, and polls the bound organizations exactly once', async () => {
    const fake = await new FakeUmbrella({
      key: 'umb-key-synthetic-1234',
      secret: 'umb-secret-synthetic-5678',
      time: { now: Date.now },
      perSecond: 1000,
    }).start();
    try {
      const now = Date.now();
      const recs = Array.from({ length: 40 }, (_, i) =>
        apiRecord(Math.floor((now - 30 * 60_000) / 1000) * 1000 + (i % 8) * 1000, 9000 + i),
      );
      fake.addRecords('8123', recs);
      const at = new Date().toISOString();
      await ingest.addBinding(
        providerId,
        { customerId: otherCustomerId, kind: 'umbrella-org', value: '8123' },
        at,
      );

      expect((await call('PUT', '/api/v1/umbrella-api', reader, { enabled: true })).status).toBe(403);
      const refused = await call('PUT', '/api/v1/umbrella-api', admin, { enabled: true });
      expect(refused.status).toBe(400);
      const saved = await call('PUT', '/api/v1/umbrella-api', admin, {
        enabled: true,
        baseUrl: fake.url,
        apiKey: 'umb-key-synthetic-1234',
        apiSecret: 'umb-secret-synthetic-5678',
      });
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({
        enabled: true,
        apiKeyHint: '••••1234',
        apiSecretHint: '••••5678',
        hasCredentials: true,
      });
      const read = await call('GET', '/api/v1/umbrella-api', reader);
      expect(read.text).not.toContain('umb-secret-synthetic');
      const stored = await psa.running.storage.db.selectFrom('con_source_credential').selectAll().execute();
      expect(JSON.stringify(stored)).not.toContain('umb-secret-synthetic');
      expect(JSON.stringify(stored)).not.toContain('umb-key-synthetic');
      expect(
        (
          await call('PUT', '/api/v1/umbrella-api', admin, {
            enabled: true,
            baseUrl: 'http://umbrella.example',
          })
        ).status,
      ).toBe(400);

      const before = await daily(otherCustomerId);
      const polled = await call('POST', '/api/v1/umbrella-api/poll', admin);
      expect(polled.status).toBe(200);
      const [org] = (polled.body!.organizations as Array<Record<string, unknown>>) ?? [];
      expect(org).toMatchObject({ orgId: '8123', events: 40, unrouted: 0 });
      expect(org!.error).toBeUndefined();
      expect(await daily(otherCustomerId)).toBe(before + 40);
      // Polling again reads nothing new: the cursor is past every window.
      const again = await call('POST', '/api/v1/umbrella-api/poll', admin);
      expect((again.body!.organizations as Array<Record<string, unknown>>)[0]).toMatchObject({
        events: 0,
        pages: 0,
      });
      expect(await daily(otherCustomerId)).toBe(before + 40);
      expect(fake.requests.every((r) => r.path !== '/reports/v2/activity/dns' || r.org === '8123')).toBe(
        true,
      );
      // Disabled (the keys are kept): no poll.
      const disabled = await call('PUT', '/api/v1/umbrella-api', admin, { enabled: false });
      expect(disabled.body).toMatchObject({ enabled: false, hasCredentials: true, apiKeyHint: '••••1234' });
      expect((await call('POST', '/api/v1/umbrella-api/poll', admin)).status).toBe(400);
      expect(psa.logs()).not.toContain('umb-secret-synthetic');

      // `parasol keys rotate` re-seals the credentials too, so the old master key can be removed.
      const cli = async (...argv: string[]) => {
        const out: string[] = [];
        const code = await runCli(argv, {
          out: (l) => out.push(l),
          err: (l) => out.push(l),
          env: {
            PARASOL_DATA_DIR: psa.dataDir,
            ...(psa.databaseUrl ? { DATABASE_URL: psa.databaseUrl } : {}),
            LOG_LEVEL: 'silent',
          },
          readStdin: async () => '',
        });
        return { code, out: out.join('\n') };
      };
      const oldKey = /^(\S+)/.exec((await cli('keys', 'list')).out)![1]!;
      expect((await cli('keys', 'list')).out).toMatch(new RegExp(`^${oldKey}\tcurrent\tin use`, 'm'));
      const rotated = await cli('keys', 'rotate');
      expect(rotated.code).toBe(0);
      expect(rotated.out).toMatch(/re-sealed 2 secret\(s\)/);
      expect(await cli('keys', 'remove', oldKey)).toMatchObject({ code: 0 });
      const conn = await remoteSources(psa.running.console.services).umbrella.connection(providerId);
      expect(conn.credentials).toEqual({
        key: 'umb-key-synthetic-1234',
        secret: 'umb-secret-synthetic-5678',
      });
    } finally {
      await fake.stop();
    }
  });

  it('ingests DNSFilter files once each, routed by network id or name', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parasol-dnsfilter-'));
    const records = Array.from({ length: 8 }, (_, i) => dnsfilterRecord(i));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify(records, null, 2));
    writeFileSync(
      path.join(dir, 'b.ndjson.gz'),
      gzipSync(Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n{"broken": true}\n`)),
    );
    writeFileSync(
      path.join(dir, 'c.json'),
      '[{"time": "2026-02-10 08:00:00", "fqdn": "x.example", "result": "allowed"',
    );
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const sink = remoteSources(psa.running.console.services).sink;
    const beforeA = await daily(customerId);
    const beforeB = await daily(otherCustomerId);
    const first = await ingestDnsfilterPath(sink, providerId, dir);
    expect(first.map((o) => [path.basename(o.file), o.status, o.rows, o.badRows])).toEqual([
      ['a.json', 'ingested', 8, 0],
      ['b.ndjson.gz', 'ingested', 8, 1],
      ['c.json', 'failed', 0, 0],
    ]);
    expect(first[1]!.errors[0]).toMatchObject({ line: 9 });
    expect(first[2]!.reason).toMatch(/no end/);
    // Networks 7001 (Head office) → Contoso; 'Branch office' (network 7002) → Fabrikam by name.
    expect(await daily(customerId)).toBe(beforeA + 8);
    expect(await daily(otherCustomerId)).toBe(beforeB + 8);
    const again = await ingestDnsfilterPath(sink, providerId, dir);
    expect(again.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'failed']);
    expect(await daily(customerId)).toBe(beforeA + 8);
    const units = await psa.running.storage.db
      .selectFrom('con_ingest_unit')
      .select(sql<number>`count(*)`.as('n'))
      .where('source_key', 'like', 'file:%')
      .executeTakeFirstOrThrow();
    expect(Number(units.n)).toBe(3);

    // The same through `parasol ingest --format dnsfilter`, which prints the usual summary.
    const dir2 = mkdtempSync(path.join(tmpdir(), 'parasol-dnsfilter-cli-'));
    writeFileSync(
      path.join(dir2, 'export.jsonl'),
      `${Array.from({ length: 4 }, (_, i) => JSON.stringify(dnsfilterRecord(20 + 2 * i))).join('\n')}\n`,
    );
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const code = await runCli(argv, {
        out: (l) => out.push(l),
        err: (l) => out.push(l),
        env: {
          PARASOL_DATA_DIR: psa.dataDir,
          ...(psa.databaseUrl ? { DATABASE_URL: psa.databaseUrl } : {}),
          LOG_LEVEL: 'silent',
        },
        readStdin: async () => '',
      });
      return { code, out: out.join('\n') };
    };
    const args = ['ingest', dir2, '--provider', String(providerId), '--format', 'dnsfilter'];
    const run1 = await cli(...args, '--json');
    expect(run1.code).toBe(0);
    expect(JSON.parse(run1.out)).toMatchObject({ files: 1, ingested: 1, rows: 4, badRows: 0, unrouted: 0 });
    const run2 = await cli(...args);
    expect(run2.out).toMatch(/^0 file\(s\) ingested, 1 already ingested, 0 failed/);
    expect(await daily(customerId)).toBe(beforeA + 8 + 4);
    expect((await cli(...args.slice(0, -1), 'csv')).out).toMatch(/--format must be umbrella or dnsfilter/);
  });

  it('counts a DNSFilter line with a NUL (raw or escaped) as bad and ingests the others', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parasol-dnsfilter-nul-'));
    const good = (i: number) => JSON.stringify(dnsfilterRecord(40 + 2 * i));
    const escaped = JSON.stringify({ ...dnsfilterRecord(50), fqdn: 'x\u0000.example' });
    // A raw NUL byte makes the line invalid JSON, and the parser's message quotes it.
    writeFileSync(path.join(dir, 'nul.ndjson'), `${good(0)}\n${escaped}\n{"fqdn": "\u0000"\n${good(1)}\n`);
    const before = await daily(customerId);
    const [r] = await ingestDnsfilterPath(remoteSources(psa.running.console.services).sink, providerId, dir);
    expect(r).toMatchObject({ status: 'ingested', rows: 2, badRows: 2 });
    expect(r!.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(r!.errors[0]!.message).toBe('line 2: fqdn: contains a NUL character (U+0000)');
    expect(await daily(customerId)).toBe(before + 2);
  });
});
