// The Umbrella Reporting API v2 client and poller against a local fake server that answers in the
// documented shapes (token issuance and expiry, /activity/dns paging with same-second reordering,
// 429 with Retry-After, 5 requests per second per organization), with an in-memory exactly-once sink.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestUmbrella, ingestUmbrellaOrg } from '../../src/console/sources-remote/umbrella-ingest.js';
import {
  type UmbrellaApiError,
  UmbrellaReportingClient,
} from '../../src/console/sources-remote/umbrella-reporting.js';
import { type ApiRecord, apiRecord, FakeTime, FakeUmbrella } from './fake-umbrella.js';
import { MemorySink } from './memory-sink.js';

const KEY = 'synthetic-key-0001';
const SECRET = 'synthetic-secret-abcdef';
const WINDOW = 5 * 60_000;
const LAG = 10 * 60_000;
const HOUR = 3_600_000;

const time = new FakeTime();
let fake: FakeUmbrella;
let n = 0;

/** Records in bursts: seconds holding 1..60 events, spread over [from, to). */
function burstRecords(from: number, to: number, count: number, seed: number): ApiRecord[] {
  const out: ApiRecord[] = [];
  let s = seed;
  const rnd = () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
  while (out.length < count) {
    const sec = Math.floor((from + rnd() * (to - from)) / 1000) * 1000;
    const burst = 1 + Math.floor(rnd() * 60);
    for (let i = 0; i < burst && out.length < count; i++) out.push(apiRecord(sec, n++));
  }
  return out;
}

function client(extra: Partial<ConstructorParameters<typeof UmbrellaReportingClient>[1]> = {}) {
  return new UmbrellaReportingClient(
    { key: KEY, secret: SECRET },
    { baseUrl: fake.url, clock: time, random: () => 0.5, ...extra },
  );
}

function options(c: UmbrellaReportingClient, sink: MemorySink, extra: Record<string, unknown> = {}) {
  return {
    providerId: 1,
    client: c,
    sink,
    now: time.now,
    pageSize: 100,
    windowMs: WINDOW,
    lagMs: LAG,
    initialLookbackMs: HOUR,
    ...extra,
  };
}

const domains = (events: Array<{ domain: string }>) => events.map((e) => e.domain).sort();
const recordDomains = (recs: ApiRecord[]) => recs.map((r) => r.domain).sort();

beforeAll(async () => {
  fake = await new FakeUmbrella({ key: KEY, secret: SECRET, time }).start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.records.clear();
  fake.requests.length = 0;
  fake.rateViolations = 0;
  fake.throttle.remaining = 0;
  fake.revokeTokens();
  fake.tokensIssued = 0;
  time.ms = Date.parse('2026-03-02T12:00:00Z');
});

describe('Umbrella Reporting API v2 poller', () => {
  it('pages every record exactly once despite same-second reordering, within 5 requests per second', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    const end = Math.floor((time.now() - LAG) / WINDOW) * WINDOW;
    const recs = burstRecords(start, end, 2500, 7);
    // Out-of-range records (in the lag, and before the lookback) must not be read yet.
    const late = [apiRecord(end + 1000, n++), apiRecord(start - 5000, n++)];
    fake.addRecords('2001', [...recs, ...late]);
    const sink = new MemorySink();
    const c = client();
    const [report] = await ingestUmbrella(options(c, sink), ['2001']);
    await c.close();

    expect(report?.error).toBeUndefined();
    expect(report?.windows).toBe((end - start) / WINDOW);
    expect(domains(sink.events)).toEqual(recordDomains(recs));
    expect(new Set(sink.events.map((e) => e.domain)).size).toBe(sink.events.length);
    // Boundary seconds were read twice and their repeats dropped by key.
    expect(report?.repeated).toBeGreaterThan(0);
    expect(report?.pages).toBeGreaterThan(25);
    // Every event is routed by the org polled, through the decoder.
    expect(sink.events.every((e) => e.orgId === '2001' && e.vendor === 'umbrella')).toBe(true);
    // One token for the whole run; the org header on every reporting request.
    expect(fake.tokensIssued).toBe(1);
    const reporting = fake.requests.filter((r) => r.path === '/reports/v2/activity/dns');
    expect(reporting.every((r) => r.org === '2001' && r.status === 200)).toBe(true);
    // Never more than 5 requests in any second (aligned) and no 429 from the server's own limit.
    expect(fake.rateViolations).toBe(0);
    expect(Math.max(...fake.perSecond().values())).toBeLessThanOrEqual(5);
    for (let i = 5; i < reporting.length; i++)
      expect(reporting[i]!.at - reporting[i - 5]!.at).toBeGreaterThanOrEqual(1000);
    // Units: one per page, keyed by the request, versioned by the page's keys.
    for (const key of sink.units.keys()) expect(key).toMatch(/^1\|umbrella-api:2001:\d+:\d+:\d+$/);
  });

  it('re-running the same window ingests nothing new, and a lost cursor skips pages already ingested', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    const recs = burstRecords(start, start + 3 * WINDOW, 400, 11);
    fake.addRecords('2002', recs);
    const sink = new MemorySink();
    const c = client();
    const first = await ingestUmbrellaOrg(options(c, sink), '2002');
    expect(first.error).toBeUndefined();
    expect(sink.events.length).toBe(400);
    const requestsAfterFirst = fake.requests.length;

    // Same time, same cursor: every window is done, nothing is requested.
    const again = await ingestUmbrellaOrg(options(c, sink), '2002');
    expect(again.pages).toBe(0);
    expect(fake.requests.length).toBe(requestsAfterFirst);

    // The cursor is lost (as if the process died before writing it): pages are fetched again, but a
    // key already ingested is not ingested again; with the data unchanged nothing is counted twice.
    sink.cursors.clear();
    const replay = await ingestUmbrellaOrg(options(c, sink), '2002');
    await c.close();
    expect(replay.error).toBeUndefined();
    expect(replay.unitsSkipped).toBeGreaterThan(0);
    expect(sink.events.length).toBe(400);
    expect(domains(sink.events)).toEqual(recordDomains(recs));
  });

  it('continues an interrupted run from the page where it stopped', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    const recs = burstRecords(start, start + WINDOW, 700, 23);
    fake.addRecords('2003', recs);
    const sink = new MemorySink();
    sink.failOnCall = 4;
    const c = client();
    const broken = await ingestUmbrellaOrg(options(c, sink), '2003');
    expect(broken.error).toMatch(/not ingested \(busy: injected\)/);
    const partial = JSON.parse(sink.cursors.get('1|umbrella-api:2003')!) as { partial?: unknown };
    expect(partial.partial).toBeDefined();
    const counted = sink.events.length;
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThan(700);

    const resumed = await ingestUmbrellaOrg(options(c, sink), '2003');
    await c.close();
    expect(resumed.error).toBeUndefined();
    expect(domains(sink.events)).toEqual(recordDomains(recs));
  });

  it('caches the token until it expires (less a margin), then asks for a new one', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    fake.addRecords('2004', burstRecords(start, start + 2 * WINDOW, 50, 5));
    const sink = new MemorySink();
    const c = client();
    await ingestUmbrellaOrg(options(c, sink), '2004');
    expect(fake.tokensIssued).toBe(1);
    const tokenRequest = fake.requests.find((r) => r.path === '/auth/v2/token')!;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.status).toBe(200);

    // 56 minutes later the token (3600 s) is still used.
    const issuedAt = fake.requests.find((r) => r.path === '/auth/v2/token')!.at;
    time.ms = issuedAt + 56 * 60_000;
    fake.addRecords('2004', [apiRecord(time.now() - LAG - WINDOW, n++)]);
    const second = await ingestUmbrellaOrg(options(c, sink), '2004');
    expect(second.pages).toBeGreaterThan(0);
    expect(fake.tokensIssued).toBe(1);
    // In the last minute of its life (the margin) it is replaced before use, though still valid.
    time.ms = issuedAt + 59 * 60_000 + 30_000;
    await c.accessToken();
    expect(fake.tokensIssued).toBe(2);
    // A later run uses the new token.
    time.ms += 5 * 60_000;
    const third = await ingestUmbrellaOrg(options(c, sink), '2004');
    expect(third.pages).toBeGreaterThan(0);
    expect(fake.tokensIssued).toBe(2);
    // The server never saw an expired token.
    expect(fake.requests.filter((r) => r.status === 401)).toEqual([]);
    await c.close();
  });

  it('gets a new token once when the server answers 401, and fails clearly when the key is refused', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    const recs = burstRecords(start, start + WINDOW, 30, 3);
    fake.addRecords('2005', recs);
    const c = client();
    await c.accessToken();
    fake.revokeTokens();
    const sink = new MemorySink();
    const report = await ingestUmbrellaOrg(options(c, sink), '2005');
    await c.close();
    expect(report.error).toBeUndefined();
    expect(sink.events.length).toBe(30);
    expect(fake.tokensIssued).toBe(2);
    expect(fake.requests.filter((r) => r.status === 401)).toHaveLength(1);

    const wrong = new UmbrellaReportingClient(
      { key: KEY, secret: 'not-the-secret-9876' },
      { baseUrl: fake.url, clock: time },
    );
    const failed = await ingestUmbrellaOrg(options(wrong, new MemorySink()), '2005');
    await wrong.close();
    expect(failed.error).toMatch(/refused the API key and secret/);
    expect(failed.error).not.toContain('not-the-secret-9876');
    expect(failed.error).not.toContain(KEY);
  });

  it('honours Retry-After on 429 and gives up after the bounded retries', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    fake.addRecords('2006', burstRecords(start, start + WINDOW, 20, 9));
    fake.throttle = { remaining: 2, retryAfter: '3' };
    const sink = new MemorySink();
    const c = client();
    const report = await ingestUmbrellaOrg(options(c, sink), '2006');
    expect(report.error).toBeUndefined();
    expect(sink.events.length).toBe(20);
    const reporting = fake.requests.filter((r) => r.path === '/reports/v2/activity/dns');
    expect(reporting.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 200]);
    expect(reporting[1]!.at - reporting[0]!.at).toBeGreaterThanOrEqual(3000);
    expect(reporting[2]!.at - reporting[1]!.at).toBeGreaterThanOrEqual(3000);

    // Always 429: the call fails after maxAttempts, the cursor stays, and nothing was counted.
    fake.throttle = { remaining: 1000, retryAfter: '1' };
    const before = fake.requests.length;
    const stubborn = client({ maxAttempts: 3 });
    time.ms += WINDOW;
    const sink2 = new MemorySink();
    const failed = await ingestUmbrellaOrg(options(stubborn, sink2), '2006');
    await stubborn.close();
    await c.close();
    expect(failed.error).toMatch(/rate-limited by Umbrella \(429 after 3 attempts\)/);
    expect(fake.requests.length - before).toBe(1 + 3); // the token, then 3 attempts
    expect(sink2.events).toEqual([]);
    // A Retry-After longer than the client will wait fails at once, naming the wait.
    fake.throttle = { remaining: 1, retryAfter: '600' };
    const patient = client({ maxRetryAfterMs: 60_000 });
    await expect(
      patient.activityDns('2006', { from: start, to: start + 999, limit: 10, offset: 0 }),
    ).rejects.toMatchObject({
      kind: 'rate-limited',
      retryAfterSeconds: 600,
    } satisfies Partial<UmbrellaApiError>);
    await patient.close();
  });

  it('keeps organizations apart: one refused org does not stop the others, each has its own cursor', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    const a = burstRecords(start, start + WINDOW, 120, 31);
    const b = burstRecords(start, start + WINDOW, 80, 37);
    fake.addRecords('3001', a);
    fake.addRecords('3002', b);
    const sink = new MemorySink();
    const c = client();
    const reports = await ingestUmbrella(options(c, sink), ['3001', 'unknown-org', '3002'], 3);
    await c.close();
    expect(reports.map((r) => [r.orgId, r.error === undefined])).toEqual([
      ['3001', true],
      ['unknown-org', false],
      ['3002', true],
    ]);
    expect(reports[1]!.error).toMatch(/may not read reports of organization unknown-org/);
    expect(domains(sink.events.filter((e) => e.orgId === '3001'))).toEqual(recordDomains(a));
    expect(domains(sink.events.filter((e) => e.orgId === '3002'))).toEqual(recordDomains(b));
    expect([...sink.cursors.keys()].sort()).toEqual(['1|umbrella-api:3001', '1|umbrella-api:3002']);
    expect(fake.rateViolations).toBe(0);
  });

  it('falls back to overlapping offsets when one second fills whole pages, never counting a record twice', async () => {
    const start = Math.floor((time.now() - HOUR) / WINDOW) * WINDOW;
    const dense = Array.from({ length: 260 }, () => apiRecord(start + 42_000, n++));
    const around = burstRecords(start, start + WINDOW, 150, 41);
    fake.addRecords('2007', [...dense, ...around]);
    const sink = new MemorySink();
    const c = client();
    const report = await ingestUmbrellaOrg(options(c, sink, { overlap: 40 }), '2007');
    await c.close();
    expect(report.error).toBeUndefined();
    const seen = sink.events.map((e) => e.domain);
    expect(new Set(seen).size).toBe(seen.length);
    // Everything outside the dense second arrives; of the dense second at least the pages read.
    const aroundSet = new Set(around.map((r) => r.domain));
    expect(seen.filter((d) => aroundSet.has(d)).length).toBe(150);
    expect(seen.length).toBeGreaterThanOrEqual(150 + 100);
  });
});
