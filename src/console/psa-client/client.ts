// The console's ConnectWise REST client: HTTPS only (undici, certificates always verified), codebase
// discovery, ConnectWise's headers, paging, retries with backoff and Retry-After, a request budget, and
// typed errors that never carry the credentials.
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { Agent } from 'undici';
import { type BudgetOptions, TokenBucket } from './budget.js';
import {
  type ClientClock,
  type CompanyInfo,
  type ConnectWiseApi,
  ConnectWiseError,
  type ConnectWiseErrorInit,
  type GetQuery,
  type ListQuery,
  type PatchOperation,
  type PsaConnection,
  type QueryValue,
  type RequestInfo,
  systemClientClock,
} from './types.js';
import {
  answeredWithoutTls,
  apiOrigin,
  apiRelative,
  backoffDelay,
  basicAuthorization,
  buildQuery,
  classifyTransportError,
  encodeComponent,
  normalizeCodebase,
  parseErrorBody,
  parseLinkHeader,
  parseRetryAfter,
  type TransportFailure,
} from './wire.js';

/**
 * TLS trust for a connection's extra CA, added to the public roots. Building a secure context from
 * ~150 root certificates costs tens of milliseconds of CPU and undici would build one per connection
 * (every new client, every parallel request), so clients trusting the same CA share one. A CA that
 * does not parse keeps the plain option: the connection reports it, as a 'tls' failure, as before.
 */
const trustContexts = new Map<string, SecureContext>();
const MAX_TRUST_CONTEXTS = 64;

function trustFor(ca: string): { secureContext: SecureContext } | { ca: string[] } {
  let context = trustContexts.get(ca);
  if (!context) {
    try {
      context = createSecureContext({ ca: [...rootCertificates, ca] });
    } catch {
      return { ca: [...rootCertificates, ca] };
    }
    const oldest = trustContexts.keys().next();
    if (trustContexts.size >= MAX_TRUST_CONTEXTS && !oldest.done) trustContexts.delete(oldest.value);
    trustContexts.set(ca, context);
  }
  return { secureContext: context };
}

/** The model version the console is written against (ConnectWise answers with the newest model ≤ it). */
export const API_VERSION = '2022.1';

export interface ConnectWiseClientOptions {
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per attempt, from sending to the last byte of the answer. Measured on real timers. */
  timeoutMs?: number;
  /** Upper bound for a server's Retry-After. */
  maxRetryAfterMs?: number;
  /** Requests per minute this integration may send this ConnectWise (retries included). */
  budget?: BudgetOptions;
  clock?: ClientClock;
  /** [0, 1) — the jitter source. */
  random?: () => number;
  /** Called after every attempt; gets no headers, no query string and no body. */
  onRequest?: (info: RequestInfo) => void;
  apiVersion?: string;
}

/** Statuses worth another try: the server (or a proxy in front of it) failed, the request may not have. */
const RETRYABLE_5XX = new Set([500, 502, 503, 504]);

const DEFAULT_PAGE_SIZE_ALL = 1000;

interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  attempts: number;
  /** An earlier attempt may have been applied by the server (timeout after sending, 5xx). */
  earlierOutcomeUnknown: boolean;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** What logs and errors show: the relative path, never the query. */
  label: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Discovery is unauthenticated: the credentials are only sent where they are needed. */
  anonymous?: boolean;
}

function header(headers: Exchange['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function checkPath(path: string): string {
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    /[?#\s\\]|\/\/|(^|\/)\.\.?(\/|$)/.test(path) ||
    path.length > 1500
  )
    throw new TypeError(
      `ConnectWise path must look like '/service/tickets/12', not '${String(path).slice(0, 80)}'`,
    );
  return path;
}

function describeTransport(f: TransportFailure): string {
  const code = f.systemCode ? ` (${f.systemCode})` : '';
  switch (f.kind) {
    case 'tls':
      if (answeredWithoutTls(f.systemCode))
        return `the server answered plain HTTP, not TLS, on this port${code}; the console only speaks HTTPS to a PSA (keys never travel in clear): serve the PSA over HTTPS or give the site its HTTPS port`;
      return `the server's TLS certificate was refused${code}; if the PSA uses a private or self-signed certificate, give the connection its CA`;
    case 'dns':
      return `the host name could not be resolved${code}`;
    case 'timeout':
      return `no complete answer in time${code}`;
    default:
      return `the connection failed${code}`;
  }
}

const plural = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

/**
 * Retry rules, and why:
 * - 429: the server refused before doing anything, so every method (POST included) is retried after
 *   its Retry-After (capped) or, without one, the backoff.
 * - 500/502/503/504, timeouts, resets: retried for GET, PUT, PATCH and DELETE, which are idempotent
 *   here (PUT replaces the whole record; ConnectWise's PATCH ops replace/add/remove top-level fields,
 *   so applying them twice gives the same record; a DELETE that already happened answers 404, which a
 *   retried DELETE treats as done). A POST is NOT retried on these: a POST that timed out or met a
 *   5xx may have created the record, and sending it again would create a second one. The delivery
 *   engine resolves such an unknown outcome later by looking for its own marker on the record.
 * - Connection failures before anything was sent (refused, unreachable, DNS, connect timeout) are
 *   retried for every method, POST included. A certificate problem or an unknown host name is a
 *   configuration error and is reported at once.
 * - 400/401/403/404/405/409 and other 4xx are never retried: the same request would fail the same way.
 */
export class ConnectWiseClient implements ConnectWiseApi {
  readonly origin: string;
  private codebase: string | undefined;
  private discovering: Promise<CompanyInfo> | undefined;
  /** Made on the first request: undici is loaded only by a process that calls a PSA. */
  private agent: Promise<Agent> | undefined;
  private readonly connect: NonNullable<import('undici').Agent.Options['connect']>;
  private readonly clock: ClientClock;
  private readonly random: () => number;
  private readonly bucket: TokenBucket | undefined;
  private readonly options: Required<
    Pick<
      ConnectWiseClientOptions,
      'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs' | 'maxRetryAfterMs'
    >
  >;
  private readonly failFast: boolean;
  private readonly onRequest: ((info: RequestInfo) => void) | undefined;
  private readonly companyId: string;
  private readonly clientId: string;
  private readonly accept: string;
  // ES private fields: not enumerable, not shown by util.inspect or JSON.stringify.
  readonly #authorization: string;
  readonly #secrets: string[];

  constructor(connection: PsaConnection, options: ConnectWiseClientOptions = {}) {
    for (const field of ['site', 'companyId', 'publicKey', 'privateKey', 'clientId'] as const) {
      const value = connection[field];
      if (typeof value !== 'string' || value.trim() === '')
        throw new TypeError(`ConnectWise connection: ${field} is required`);
    }
    this.origin = apiOrigin(connection.site);
    this.codebase = connection.codebase === undefined ? undefined : normalizeCodebase(connection.codebase);
    this.companyId = connection.companyId;
    this.clientId = connection.clientId;
    this.#authorization = basicAuthorization(
      connection.companyId,
      connection.publicKey,
      connection.privateKey,
    );
    this.#secrets = [connection.privateKey, this.#authorization.slice('Basic '.length)];
    this.accept = `application/vnd.connectwise.com+json; version=${options.apiVersion ?? API_VERSION}`;
    this.options = {
      maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? 5)),
      baseDelayMs: options.baseDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 20_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    };
    this.clock = options.clock ?? systemClientClock;
    this.random = options.random ?? Math.random;
    this.bucket = options.budget ? new TokenBucket(options.budget.requestsPerMinute, this.clock) : undefined;
    this.failFast = options.budget?.failFast === true;
    this.onRequest = options.onRequest;
    // One keep-alive pool per client. `ca` ADDS to the public roots (a customer's PSA may use a
    // public certificate, Parasol's a self-signed one); verification itself is never turned off.
    this.connect = { timeout: this.options.timeoutMs, ...(connection.ca ? trustFor(connection.ca) : {}) };
  }

  private dispatcher(): Promise<Agent> {
    this.agent ??= import('undici').then(
      ({ Agent }) =>
        new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connect: this.connect }),
    );
    return this.agent;
  }

  /** Releases the connection pool. */
  async close(): Promise<void> {
    if (this.agent) await (await this.agent).close();
  }

  // ---------- ConnectWiseApi ----------

  async discover(): Promise<CompanyInfo> {
    // Concurrent calls share one lookup; the codebase it finds is kept (see lookupCompany).
    this.discovering ??= this.lookupCompany().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  async get<T = unknown>(path: string, query?: GetQuery): Promise<T> {
    const ex = await this.api('GET', path, query);
    return this.json(ex, 'GET', path) as T;
  }

  async list<T = unknown>(path: string, query: ListQuery = {}): Promise<T[]> {
    const ex = await this.api('GET', path, listParams(query));
    return this.array(ex, path) as T[];
  }

  async listAll<T = unknown>(path: string, query: ListQuery = {}): Promise<T[]> {
    checkPath(path);
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE_ALL;
    const { page: _ignored, ...rest } = query;
    // Forward-only paging (ConnectWise 2018.5+) is cheaper for the server and stable while records
    // change, but it orders by id and refuses orderBy; navigable paging serves the other cases.
    let forwardOnly = query.orderBy === undefined;
    let page = 1;
    let search = buildQuery(listParams({ ...rest, pageSize }));
    const seen = new Set<string>();
    const out: T[] = [];
    for (;;) {
      if (seen.has(search))
        throw this.malformed('GET', path, 'the Link header points back to a page already read');
      seen.add(search);
      const ex = await this.exchange({
        method: 'GET',
        label: path,
        url: `${await this.apiBase()}${path}${search}`,
        ...(forwardOnly ? { headers: { 'pagination-type': 'forward-only' } } : {}),
      });
      if (ex.status >= 400) throw this.httpError(ex, 'GET', path);
      const rows = this.array(ex, path) as T[];
      out.push(...rows);
      if (rows.length === 0) return out;
      const linkHeader = header(ex.headers, 'link');
      const next = parseLinkHeader(linkHeader).get('next');
      if (next !== undefined) {
        const target = apiRelative(next);
        if (!target || target.path.toLowerCase() !== path.toLowerCase())
          throw this.malformed('GET', path, 'the Link header names another resource as the next page');
        search = target.search;
        page += 1;
        continue;
      }
      // A Link header without `next` (empty, on forward-only) is the server saying "that was all".
      if (linkHeader !== undefined) return out;
      // No Link header: the server either does not page with links or ignored forward-only. Ask for
      // the following page by number until a short page.
      if (rows.length < pageSize) return out;
      forwardOnly = false;
      page += 1;
      search = buildQuery(listParams({ ...rest, pageSize, page }));
    }
  }

  async count(path: string, conditions?: string): Promise<number> {
    const countPath = `${checkPath(path).replace(/\/+$/, '')}/count`;
    const ex = await this.api('GET', countPath, conditions === undefined ? undefined : { conditions });
    const body = this.json(ex, 'GET', countPath) as { count?: unknown } | null;
    if (typeof body?.count !== 'number') throw this.malformed('GET', countPath, 'the count is not a number');
    return body.count;
  }

  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.json(await this.api('POST', path, undefined, body), 'POST', path) as T;
  }

  async put<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.json(await this.api('PUT', path, undefined, body), 'PUT', path) as T;
  }

  async patch<T = unknown>(path: string, ops: PatchOperation[]): Promise<T> {
    return this.json(await this.api('PATCH', path, undefined, ops), 'PATCH', path) as T;
  }

  async delete(path: string): Promise<void> {
    await this.api('DELETE', path);
  }

  // ---------- plumbing ----------

  private async lookupCompany(): Promise<CompanyInfo> {
    const label = `/login/companyinfo/${this.companyId}`;
    const ex = await this.exchange({
      method: 'GET',
      label,
      url: `${this.origin}/login/companyinfo/${encodeComponent(this.companyId)}`,
      anonymous: true,
    });
    if (ex.status >= 400) throw this.httpError(ex, 'GET', label);
    const body = this.json(ex, 'GET', label);
    // ConnectWise answers an unknown company with 200 and the body `null`.
    if (body === null)
      throw new ConnectWiseError({
        kind: 'unknown-company',
        message: `ConnectWise at ${this.origin} does not know the company id '${this.companyId}'`,
        method: 'GET',
        path: label,
        status: ex.status,
        attempts: ex.attempts,
      });
    const info = body as Partial<CompanyInfo>;
    if (typeof info !== 'object' || typeof info.Codebase !== 'string')
      throw this.malformed('GET', label, 'the company information has no Codebase');
    let codebase: string;
    try {
      codebase = normalizeCodebase(info.Codebase);
    } catch {
      throw this.malformed('GET', label, 'the company information has an unusable Codebase');
    }
    this.codebase ??= codebase;
    return info as CompanyInfo;
  }

  private async apiBase(): Promise<string> {
    if (this.codebase === undefined) await this.discover();
    return `${this.origin}/${this.codebase}/apis/3.0`;
  }

  private async api(
    method: Call['method'],
    path: string,
    query?: Record<string, QueryValue>,
    body?: unknown,
  ): Promise<Exchange> {
    checkPath(path);
    const ex = await this.exchange({
      method,
      label: path,
      url: `${await this.apiBase()}${path}${buildQuery(query)}`,
      ...(body === undefined ? {} : { body }),
    });
    if (ex.status < 400) return ex;
    // The record is gone, and an earlier attempt of this very DELETE may be why: done.
    if (method === 'DELETE' && ex.status === 404 && ex.earlierOutcomeUnknown) return ex;
    throw this.httpError(ex, method, path);
  }

  /** One call with its retries. Answers every HTTP status; throws only for transport failures. */
  private async exchange(call: Call): Promise<Exchange> {
    const idempotent = call.method !== 'POST';
    const headers: Record<string, string> = {
      accept: call.anonymous ? 'application/json' : this.accept,
      clientId: this.clientId,
      ...call.headers,
    };
    if (!call.anonymous) headers.authorization = this.#authorization;
    let payload: string | undefined;
    if (call.body !== undefined) {
      payload = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
    }
    const { maxAttempts } = this.options;
    let outcomeUnknown = false;
    for (let attempt = 1; ; attempt++) {
      await this.spend(call, attempt - 1);
      const started = this.clock.now();
      let res: { status: number; headers: Exchange['headers']; text: string };
      try {
        res = await this.once(call, headers, payload);
      } catch (error) {
        const failure = classifyTransportError(error);
        this.report({
          method: call.method,
          path: call.label,
          error: failure.kind,
          attempt,
          durationMs: this.clock.now() - started,
        });
        const retry = failure.transient && (idempotent || failure.beforeSend) && attempt < maxAttempts;
        if (!retry) throw this.transportError(call, failure, attempt);
        if (!failure.beforeSend) outcomeUnknown = true;
        await this.clock.sleep(this.backoff(attempt));
        continue;
      }
      this.report({
        method: call.method,
        path: call.label,
        status: res.status,
        attempt,
        durationMs: this.clock.now() - started,
      });
      const done = { ...res, attempts: attempt, earlierOutcomeUnknown: outcomeUnknown };
      if (attempt >= maxAttempts) return done;
      if (res.status === 429) {
        const seconds = parseRetryAfter(header(res.headers, 'retry-after'), this.clock.now());
        const wait =
          seconds === undefined
            ? this.backoff(attempt)
            : Math.min(seconds * 1000, this.options.maxRetryAfterMs);
        await this.clock.sleep(wait);
        continue;
      }
      if (RETRYABLE_5XX.has(res.status) && idempotent) {
        outcomeUnknown = true;
        await this.clock.sleep(this.backoff(attempt));
        continue;
      }
      return done;
    }
  }

  private async once(
    call: Call,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<{ status: number; headers: Exchange['headers']; text: string }> {
    const { timeoutMs } = this.options;
    const { request } = await import('undici');
    const res = await request(call.url, {
      dispatcher: await this.dispatcher(),
      method: call.method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      // The signal bounds the whole attempt; undici's own timeouts guard the phases.
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers as Exchange['headers'], text };
  }

  private async spend(call: Call, attemptsSoFar: number): Promise<void> {
    if (!this.bucket) return;
    if (!this.failFast) return this.bucket.take();
    const wait = this.bucket.tryTake();
    if (wait === 0) return;
    throw new ConnectWiseError({
      kind: 'budget-exhausted',
      message: `ConnectWise ${call.method} ${call.label} not sent: the integration's request budget is spent for now`,
      method: call.method,
      path: call.label,
      retryAfterSeconds: Math.ceil(wait / 1000),
      attempts: attemptsSoFar,
    });
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.baseDelayMs, this.options.maxDelayMs, this.random);
  }

  private report(info: RequestInfo): void {
    if (!this.onRequest) return;
    try {
      this.onRequest(info);
    } catch {
      // A failing log hook must not change the outcome of the call.
    }
  }

  /** Removes anything credential-like a server might echo back. */
  private scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    return out;
  }

  private json(ex: Exchange, method: string, path: string): unknown {
    if (ex.text.trim() === '') {
      if (ex.status === 204 || method === 'DELETE') return undefined;
      throw this.malformed(method, path, 'the answer is empty', ex);
    }
    try {
      return JSON.parse(ex.text);
    } catch {
      throw this.malformed(method, path, 'the answer is not JSON', ex);
    }
  }

  private array(ex: Exchange, path: string): unknown[] {
    const body = this.json(ex, 'GET', path);
    if (!Array.isArray(body)) throw this.malformed('GET', path, 'a list was expected', ex);
    return body;
  }

  private malformed(method: string, path: string, why: string, ex?: Exchange): ConnectWiseError {
    return new ConnectWiseError({
      kind: 'malformed-response',
      message: `ConnectWise ${method} ${path}: ${why}${ex ? ` (${plural(ex.attempts)})` : ''}`,
      method,
      path,
      ...(ex ? { status: ex.status } : {}),
      attempts: ex?.attempts ?? 1,
    });
  }

  private httpError(ex: Exchange, method: string, path: string): ConnectWiseError {
    const body = parseErrorBody(ex.text);
    const init: ConnectWiseErrorInit = {
      kind: 'http',
      message: '',
      method,
      path,
      status: ex.status,
      attempts: ex.attempts,
    };
    if (body.code !== undefined) init.code = this.scrub(body.code);
    if (body.message !== undefined) init.cwMessage = this.scrub(body.message);
    if (body.errors !== undefined)
      init.errors = body.errors.map((e) =>
        e.message === undefined ? e : { ...e, message: this.scrub(e.message) },
      );
    const retryAfter = parseRetryAfter(header(ex.headers, 'retry-after'), this.clock.now());
    if (retryAfter !== undefined) init.retryAfterSeconds = retryAfter;
    const detail = [init.code, init.cwMessage].filter(Boolean).join(': ');
    const fields = (init.errors ?? []).map((e) => e.message).filter(Boolean);
    init.message =
      `ConnectWise answered ${ex.status} to ${method} ${path}` +
      (detail ? ` — ${detail}` : '') +
      (fields.length ? ` [${fields.join('; ')}]` : '') +
      ` (${plural(ex.attempts)})`;
    return new ConnectWiseError(init);
  }

  private transportError(call: Call, failure: TransportFailure, attempts: number): ConnectWiseError {
    return new ConnectWiseError({
      kind: failure.kind,
      message: `ConnectWise ${call.method} ${call.label} at ${this.origin}: ${describeTransport(failure)} (${plural(attempts)})`,
      method: call.method,
      path: call.label,
      ...(failure.systemCode ? { systemCode: failure.systemCode } : {}),
      attempts,
    });
  }
}

function listParams(query: ListQuery): Record<string, QueryValue> {
  return {
    conditions: query.conditions,
    childConditions: query.childConditions,
    customFieldConditions: query.customFieldConditions,
    orderBy: query.orderBy,
    fields: query.fields,
    pageSize: query.pageSize,
    page: query.page,
  };
}
