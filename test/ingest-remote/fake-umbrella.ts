// A local stand-in for the Umbrella Reporting API v2 (node:http on 127.0.0.1, port 0), answering in
// the documented shapes (event-formats.md §2.1–2.2): POST /auth/v2/token (client credentials, Basic
// key:secret, form body) → {access_token, token_type, expires_in}; GET /reports/v2/activity/dns with
// from/to (epoch ms, inclusive), limit, offset and the X-Umbrella-OrgID header → {meta, data}, sorted
// newest first with the order of records of the same second shuffled on every request (as the real
// API warns). It enforces 5 requests per second per organization on a fake clock and records what it
// saw, so tests can check that the client never needed the 429.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Time shared by the client and this server: moves only when someone sleeps. */
export class FakeTime {
  constructor(public ms = Date.parse('2026-03-02T12:00:00Z')) {}
  now = (): number => this.ms;
  sleep = async (ms: number): Promise<void> => {
    if (ms > 0) this.ms += ms;
  };
}

export interface ApiRecord {
  timestamp: number;
  date: string;
  time: string;
  type: 'dns';
  domain: string;
  querytype: string;
  returncode: number;
  internalip: string;
  externalip: string;
  verdict: 'allowed' | 'blocked' | 'proxied';
  categories: Array<{ id: number; type: string; label: string; integration: boolean; deprecated: boolean }>;
  policycategories: Array<{
    id: number;
    type: string;
    label: string;
    integration: boolean;
    deprecated: boolean;
  }>;
  identities: Array<{
    id: number;
    label: string;
    deleted: boolean;
    type: { id: number; type: string; label: string };
  }>;
  threats: Array<{ label: string; type: string }>;
  allapplications: unknown[];
  allowedapplications: unknown[];
  blockedapplications: unknown[];
}

const C2 = { id: 65, type: 'security', label: 'Command and Control', integration: false, deprecated: false };
const SEARCH = {
  id: 190,
  type: 'content',
  label: 'Search Engines and Portals',
  integration: false,
  deprecated: false,
};

/** A synthetic /activity/dns record (values invented, shape as documented). */
export function apiRecord(ts: number, n: number, opts: { blocked?: boolean; host?: string } = {}): ApiRecord {
  const iso = new Date(ts).toISOString();
  const blocked = opts.blocked ?? n % 7 === 0;
  const host = opts.host ?? `laptop-${n % 5}`;
  return {
    timestamp: ts,
    date: iso.slice(0, 10),
    time: iso.slice(11, 19),
    type: 'dns',
    domain: blocked ? `c2-${n}.bad.example` : `www${n}.example.org`,
    querytype: n % 3 === 0 ? 'AAAA' : 'A',
    returncode: 0,
    internalip: `10.0.${(n >> 8) & 255}.${n & 255}`,
    externalip: '198.51.100.7',
    verdict: blocked ? 'blocked' : 'allowed',
    categories: blocked ? [C2] : [SEARCH],
    policycategories: blocked ? [C2] : [],
    identities: [
      {
        id: 1000 + (n % 5),
        label: host,
        deleted: false,
        type: { id: 9, type: 'roaming', label: 'Roaming Computers' },
      },
    ],
    threats: [],
    allapplications: [],
    allowedapplications: [],
    blockedapplications: [],
  };
}

export interface FakeUmbrellaOptions {
  key: string;
  secret: string;
  /** The fake clock, or `{ now: Date.now }` against a client on real time. */
  time: { now(): number };
  /** Token lifetime in seconds. */
  expiresIn?: number;
  perSecond?: number;
  /** Largest accepted limit (Umbrella's own cap is undocumented). */
  maxLimit?: number;
}

export interface SeenRequest {
  at: number;
  method: string;
  path: string;
  org: string | undefined;
  query: Record<string, string>;
  status: number;
}

export class FakeUmbrella {
  readonly records = new Map<string, ApiRecord[]>();
  readonly requests: SeenRequest[] = [];
  private readonly tokens = new Map<string, number>();
  private server: Server | undefined;
  private seq = 0;
  private shuffleSeed = 12345;
  tokensIssued = 0;
  /** Answer the next N reporting requests with 429 and this Retry-After (seconds). */
  throttle = { remaining: 0, retryAfter: '2' };
  /** 429s the server sent because the client was too fast (must stay 0). */
  rateViolations = 0;
  url = '';

  constructor(private readonly o: FakeUmbrellaOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addRecords(org: string, recs: ApiRecord[]): void {
    const list = this.records.get(org) ?? [];
    list.push(...recs);
    this.records.set(org, list);
  }

  revokeTokens(): void {
    this.tokens.clear();
  }

  /** Reporting requests per (org, fake second). */
  perSecond(): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.requests) {
      if (r.path !== '/reports/v2/activity/dns') continue;
      const k = `${r.org}:${Math.floor(r.at / 1000)}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  }

  private random(): number {
    // Deterministic LCG so failures reproduce.
    this.shuffleSeed = (this.shuffleSeed * 1103515245 + 12345) % 2 ** 31;
    return this.shuffleSeed / 2 ** 31;
  }

  private send(
    res: ServerResponse,
    seen: SeenRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    seen.status = status;
    this.requests.push(seen);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const orgHeader = req.headers['x-umbrella-orgid'];
    const seen: SeenRequest = {
      at: this.o.time.now(),
      method: req.method ?? '',
      path: url.pathname,
      org: typeof orgHeader === 'string' ? orgHeader : undefined,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    if (req.method === 'POST' && url.pathname === '/auth/v2/token') {
      const expected = `Basic ${Buffer.from(`${this.o.key}:${this.o.secret}`).toString('base64')}`;
      if (req.headers.authorization !== expected)
        return this.send(res, seen, 401, { error: 'invalid_client' });
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
        return this.send(res, seen, 400, { error: 'invalid_request' });
      if (new URLSearchParams(body).get('grant_type') !== 'client_credentials')
        return this.send(res, seen, 400, { error: 'unsupported_grant_type' });
      const expiresIn = this.o.expiresIn ?? 3600;
      const token = `tok-${++this.seq}-${Math.random().toString(36).slice(2)}`;
      this.tokens.set(token, this.o.time.now() + expiresIn * 1000);
      this.tokensIssued++;
      return this.send(res, seen, 200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: expiresIn,
        scope: 'reports.read',
      });
    }
    if (req.method === 'GET' && url.pathname === '/reports/v2/activity/dns') {
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      const until = this.tokens.get(token);
      if (until === undefined || this.o.time.now() >= until)
        return this.send(res, seen, 401, { message: 'Unauthorized' });
      const org = seen.org;
      if (!org || !this.records.has(org))
        return this.send(res, seen, 403, { message: 'Forbidden organization' });
      // 5 requests per second per organization, counted over the last 1000 ms of fake time.
      const now = this.o.time.now();
      const recent = this.requests.filter(
        (r) => r.org === org && r.path === url.pathname && r.status !== 429 && r.at > now - 1000,
      ).length;
      if (recent >= (this.o.perSecond ?? 5)) {
        this.rateViolations++;
        return this.send(res, seen, 429, { message: 'Too Many Requests' }, { 'retry-after': '1' });
      }
      if (this.throttle.remaining > 0) {
        this.throttle.remaining--;
        return this.send(
          res,
          seen,
          429,
          { message: 'Too Many Requests' },
          { 'retry-after': this.throttle.retryAfter },
        );
      }
      const from = Number(url.searchParams.get('from'));
      const to = Number(url.searchParams.get('to'));
      const limit = Number(url.searchParams.get('limit'));
      const offset = Number(url.searchParams.get('offset') ?? '0');
      if (
        !Number.isFinite(from) ||
        !Number.isFinite(to) ||
        !(limit >= 1) ||
        limit > (this.o.maxLimit ?? 5000) ||
        !(offset >= 0)
      )
        return this.send(res, seen, 400, { message: 'from, to and limit are required' });
      const inRange = (this.records.get(org) ?? []).filter((r) => r.timestamp >= from && r.timestamp <= to);
      // Newest first by second; within a second, a fresh random order on every request.
      const keyed = inRange.map((r) => ({ r, k: this.random() }));
      keyed.sort((a, b) => Math.floor(b.r.timestamp / 1000) - Math.floor(a.r.timestamp / 1000) || a.k - b.k);
      const data = keyed.slice(offset, offset + limit).map((x) => x.r);
      return this.send(res, seen, 200, { meta: {}, data });
    }
    return this.send(res, seen, 404, { message: 'Not Found' });
  }
}
