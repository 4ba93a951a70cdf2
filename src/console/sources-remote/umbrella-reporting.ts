// Client of the Umbrella Reporting API v2 (CON-5 b; event-formats.md §2.1–2.2): OAuth2 client
// credentials, `/reports/v2/activity/dns` with limit/offset paging, 5 requests per second per
// organization, 429 with Retry-After, 5xx and network retries (bounded), one token refresh on 401.
//
// MSP / multi-org: ONE token per API key (the parent organization's), and every reporting request
// names the organization it reads in the `X-Umbrella-OrgID` header, as Cisco documents for a parent
// organization acting on behalf of its child organizations. Single-organization keys send their own
// org id there. The rate limit is kept per organization.
//
// Errors never carry the key, the secret or the token: they are built from the method, the path
// (without query), the status and the server's answer only.
import { rootCertificates } from 'node:tls';
import type { Agent } from 'undici';
import { type ClientClock, systemClientClock } from '../psa-client/types.js';
import { backoffDelay, classifyTransportError, parseRetryAfter } from '../psa-client/wire.js';
import { KeyedLimiter } from './limiter.js';

export const UMBRELLA_API_BASE = 'https://api.umbrella.com';
export const TOKEN_PATH = '/auth/v2/token';
export const ACTIVITY_DNS_PATH = '/reports/v2/activity/dns';
export const ORG_HEADER = 'X-Umbrella-OrgID';

export interface UmbrellaCredentials {
  key: string;
  secret: string;
}

export type UmbrellaErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'unavailable'
  | 'bad-request'
  | 'malformed-response'
  | 'network'
  | 'timeout'
  | 'tls';

export class UmbrellaApiError extends Error {
  override readonly name = 'UmbrellaApiError';
  constructor(
    readonly kind: UmbrellaErrorKind,
    message: string,
    readonly attempts: number,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface UmbrellaClientOptions {
  /** Default https://api.umbrella.com; plain http only for a loopback host (tests, local proxies). */
  baseUrl?: string;
  clock?: ClientClock;
  /** Reporting requests per organization per second (Umbrella: 5). */
  requestsPerSecond?: number;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails as rate-limited. */
  maxRetryAfterMs?: number;
  /** The cached token is replaced this long before the server says it expires. */
  tokenMarginMs?: number;
  timeoutMs?: number;
  /** Extra trusted CA (PEM) for a TLS-intercepting proxy or a test server. */
  ca?: string;
  random?: () => number;
  /** After every attempt; no headers, no query, no body. */
  onRequest?: (info: { method: string; path: string; status?: number; attempt: number }) => void;
}

export interface ActivityQuery {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, inclusive. */
  to: number;
  limit: number;
  offset: number;
}

export interface ActivityPage {
  meta: Record<string, unknown>;
  data: unknown[];
}

interface CachedToken {
  value: string;
  /** Epoch ms after which it is not used any more (expiry minus the margin). */
  usableUntil: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UmbrellaApiError('bad-request', `'${raw}' is not a URL`, 0);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new UmbrellaApiError('bad-request', 'the Umbrella API base URL must use https', 0);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

const RETRYABLE = new Set([500, 502, 503, 504]);

export class UmbrellaReportingClient {
  readonly baseUrl: string;
  private readonly clock: ClientClock;
  private readonly limiter: KeyedLimiter;
  /** Made on the first request: a worker loads undici only when it calls the API. */
  private agent: Promise<Agent> | undefined;
  private readonly opts: Required<
    Pick<
      UmbrellaClientOptions,
      'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'tokenMarginMs' | 'timeoutMs'
    >
  >;
  private readonly random: () => number;
  private token: CachedToken | undefined;
  private pendingToken: Promise<CachedToken> | undefined;
  /** How many tokens were issued to this client (status and tests). */
  tokensIssued = 0;

  constructor(
    private readonly credentials: UmbrellaCredentials,
    private readonly options: UmbrellaClientOptions = {},
  ) {
    if (!credentials.key || !credentials.secret)
      throw new UmbrellaApiError('unauthorized', 'the Umbrella API key and secret are not configured', 0);
    this.baseUrl = checkBaseUrl(options.baseUrl ?? UMBRELLA_API_BASE);
    this.clock = options.clock ?? systemClientClock;
    this.limiter = new KeyedLimiter(this.clock, options.requestsPerSecond ?? 5, 1000);
    this.opts = {
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.baseDelayMs ?? 1000,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
      tokenMarginMs: options.tokenMarginMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 30_000,
    };
    this.random = options.random ?? Math.random;
  }

  private dispatcher(): Promise<Agent> {
    const ca = this.options.ca;
    this.agent ??= import('undici').then(
      ({ Agent }) =>
        new Agent({ connect: ca ? { ca: [...rootCertificates, ca] } : {}, keepAliveTimeout: 10_000 }),
    );
    return this.agent;
  }

  async close(): Promise<void> {
    if (this.agent) await (await this.agent).close();
  }

  /** The cached token, or a new one when none is cached or it is about to expire. */
  async accessToken(): Promise<string> {
    const t = this.token;
    if (t && this.clock.now() < t.usableUntil) return t.value;
    this.pendingToken ??= this.issueToken().finally(() => {
      this.pendingToken = undefined;
    });
    this.token = await this.pendingToken;
    return this.token.value;
  }

  private async issueToken(): Promise<CachedToken> {
    const basic = Buffer.from(`${this.credentials.key}:${this.credentials.secret}`).toString('base64');
    const res = await this.exchange({
      method: 'POST',
      path: TOKEN_PATH,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
    });
    if (res.status === 401 || res.status === 403 || res.status === 400)
      throw new UmbrellaApiError(
        'unauthorized',
        `Umbrella refused the API key and secret (token request answered ${res.status})`,
        res.attempts,
        res.status,
      );
    const body = this.json(res, 'POST', TOKEN_PATH) as Record<string, unknown>;
    const value = body.access_token;
    const expiresIn = Number(body.expires_in);
    if (typeof value !== 'string' || !value || !Number.isFinite(expiresIn) || expiresIn <= 0)
      throw new UmbrellaApiError(
        'malformed-response',
        'Umbrella answered the token request without access_token and expires_in',
        res.attempts,
        res.status,
      );
    this.tokensIssued++;
    const lifetime = expiresIn * 1000;
    const margin = Math.min(this.opts.tokenMarginMs, lifetime / 2);
    return { value, usableUntil: this.clock.now() + lifetime - margin };
  }

  /** One page of `/reports/v2/activity/dns` for one organization. */
  async activityDns(orgId: string, q: ActivityQuery): Promise<ActivityPage> {
    const params = new URLSearchParams({
      from: String(q.from),
      to: String(q.to),
      limit: String(q.limit),
      offset: String(q.offset),
    });
    const path = ACTIVITY_DNS_PATH;
    let refreshed = false;
    for (;;) {
      const token = await this.accessToken();
      const res = await this.exchange({
        method: 'GET',
        path,
        query: params.toString(),
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', [ORG_HEADER]: orgId },
        orgId,
      });
      if (res.status === 401 && !refreshed) {
        // Revoked or expired early: forget the token (unless another call already replaced it), once.
        if (this.token?.value === token) this.token = undefined;
        refreshed = true;
        continue;
      }
      if (res.status === 401)
        throw new UmbrellaApiError(
          'unauthorized',
          `Umbrella refused a fresh token for organization ${orgId} (GET ${path} answered 401)`,
          res.attempts,
          401,
        );
      if (res.status === 403)
        throw new UmbrellaApiError(
          'forbidden',
          `the API key may not read reports of organization ${orgId} (GET ${path} answered 403): give it the reports scope, or check the organization id`,
          res.attempts,
          403,
        );
      if (res.status >= 400)
        throw new UmbrellaApiError(
          'bad-request',
          `GET ${path} answered ${res.status}: ${res.text.slice(0, 200)}`,
          res.attempts,
          res.status,
        );
      const body = this.json(res, 'GET', path);
      if (!body || typeof body !== 'object' || !Array.isArray((body as { data?: unknown }).data))
        throw new UmbrellaApiError(
          'malformed-response',
          `GET ${path} answered without a data array`,
          res.attempts,
          res.status,
        );
      const { meta, data } = body as { meta?: unknown; data: unknown[] };
      return { meta: meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : {}, data };
    }
  }

  private json(
    res: { text: string; attempts: number; status: number },
    method: string,
    path: string,
  ): unknown {
    try {
      return JSON.parse(res.text);
    } catch {
      throw new UmbrellaApiError(
        'malformed-response',
        `${method} ${path} answered ${res.status} with a body that is not JSON`,
        res.attempts,
        res.status,
      );
    }
  }

  /**
   * Sends one call with its retries: 429 waits Retry-After (or the backoff) and tries again, 5xx and
   * transport failures back off; every attempt of a reporting call waits for the organization's
   * limiter. Returns the final answer (any status below 500 but 429).
   */
  private async exchange(call: {
    method: 'GET' | 'POST';
    path: string;
    query?: string;
    headers: Record<string, string>;
    body?: string;
    orgId?: string;
  }): Promise<{ status: number; text: string; attempts: number }> {
    const url = `${this.baseUrl}${call.path}${call.query ? `?${call.query}` : ''}`;
    for (let attempt = 1; ; attempt++) {
      if (call.orgId !== undefined) await this.limiter.acquire(call.orgId);
      let status: number;
      let text: string;
      let retryAfter: string | undefined;
      try {
        const { request } = await import('undici');
        const res = await request(url, {
          dispatcher: await this.dispatcher(),
          method: call.method,
          headers: call.headers,
          ...(call.body === undefined ? {} : { body: call.body }),
          signal: AbortSignal.timeout(this.opts.timeoutMs),
          headersTimeout: this.opts.timeoutMs,
          bodyTimeout: this.opts.timeoutMs,
        });
        status = res.statusCode;
        text = await res.body.text();
        const h = res.headers['retry-after'];
        retryAfter = Array.isArray(h) ? h[0] : h;
      } catch (error) {
        const failure = classifyTransportError(error);
        this.options.onRequest?.({ method: call.method, path: call.path, attempt });
        const kind = failure.kind === 'tls' ? 'tls' : failure.kind === 'timeout' ? 'timeout' : 'network';
        if (!failure.transient || attempt >= this.opts.maxAttempts)
          throw new UmbrellaApiError(
            kind,
            `${call.method} ${call.path} failed: ${kind}${failure.systemCode ? ` (${failure.systemCode})` : ''}`,
            attempt,
          );
        await this.clock.sleep(
          backoffDelay(attempt, this.opts.baseDelayMs, this.opts.maxDelayMs, this.random),
        );
        continue;
      }
      this.options.onRequest?.({ method: call.method, path: call.path, status, attempt });
      if (status === 429) {
        const seconds = parseRetryAfter(retryAfter, this.clock.now());
        const waitMs =
          seconds !== undefined
            ? seconds * 1000
            : backoffDelay(attempt, this.opts.baseDelayMs, this.opts.maxDelayMs, this.random);
        if (attempt >= this.opts.maxAttempts || waitMs > this.opts.maxRetryAfterMs)
          throw new UmbrellaApiError(
            'rate-limited',
            `${call.method} ${call.path} is rate-limited by Umbrella (429 after ${attempt} attempts)`,
            attempt,
            429,
            seconds,
          );
        await this.clock.sleep(waitMs);
        continue;
      }
      if (RETRYABLE.has(status)) {
        if (attempt >= this.opts.maxAttempts)
          throw new UmbrellaApiError(
            'unavailable',
            `${call.method} ${call.path} answered ${status} ${attempt} times`,
            attempt,
            status,
          );
        await this.clock.sleep(
          backoffDelay(attempt, this.opts.baseDelayMs, this.opts.maxDelayMs, this.random),
        );
        continue;
      }
      return { status, text, attempts: attempt };
    }
  }
}
