// The console's view of a ConnectWise PSA: connection settings, the API surface both the real client
// and the in-memory fake implement, and the one typed error every failure is reported as.

/** How the console reaches one ConnectWise (a customer's real one, or Parasol's built-in PSA). */
export interface PsaConnection {
  /**
   * The customer's ConnectWise: a UI host ('na.myconnectwise.net', mapped to its `api-` host), an API
   * host ('api-na.myconnectwise.net'), an on-prem host with optional port ('psa.example.com:8443') or a
   * full https URL (only its host and port are used).
   */
  site: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  /** The integration's ConnectWise clientId (a GUID registered with ConnectWise). */
  clientId: string;
  /** e.g. 'v4_6_release'; when given, codebase discovery is skipped. */
  codebase?: string;
  /** An extra trusted CA certificate (PEM), for a PSA with a self-signed or private-CA certificate. */
  ca?: string;
}

/** `GET /login/companyinfo/{companyId}` — note ConnectWise's PascalCase keys. */
export interface CompanyInfo {
  CompanyName: string;
  /** Carries a trailing slash on the wire ('v4_6_release/'). */
  Codebase: string;
  VersionCode?: string;
  VersionNumber?: string;
  CompanyID?: string;
  /** A boolean on some servers, the string 'True'/'False' on others. */
  IsCloud?: boolean | string;
  SiteUrl?: string;
}

export type QueryValue = string | number | boolean | undefined;

/** ConnectWise's common query parameters (§4 of the wire notes). */
export type ListQuery = {
  conditions?: string;
  childConditions?: string;
  customFieldConditions?: string;
  orderBy?: string;
  fields?: string;
  /** 1-based. */
  page?: number;
  /** Default 25 on the server, at most 1000. */
  pageSize?: number;
};

/** Free-form query for single-record GETs and special endpoints (`fields` mostly). */
export type GetQuery = Record<string, QueryValue>;

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  /** A top-level property name ('summary', 'status'); references are replaced whole. */
  path: string;
  value?: unknown;
}

/** What the console uses. Paths are relative to `/apis/3.0`, e.g. '/service/tickets' or '/service/tickets/12'. */
export interface ConnectWiseApi {
  discover(): Promise<CompanyInfo>;
  get<T = unknown>(path: string, query?: GetQuery): Promise<T>;
  /** One page (navigable paging). */
  list<T = unknown>(path: string, query?: ListQuery): Promise<T[]>;
  /** Every matching record, following the server's paging to the end; `page` is ignored. */
  listAll<T = unknown>(path: string, query?: ListQuery): Promise<T[]>;
  count(path: string, conditions?: string): Promise<number>;
  post<T = unknown>(path: string, body: unknown): Promise<T>;
  put<T = unknown>(path: string, body: unknown): Promise<T>;
  patch<T = unknown>(path: string, ops: PatchOperation[]): Promise<T>;
  delete(path: string): Promise<void>;
}

export type ConnectWiseErrorKind =
  | 'http'
  | 'network'
  | 'timeout'
  | 'tls'
  | 'malformed-response'
  | 'unknown-company'
  | 'budget-exhausted'
  | 'dns';

/** One entry of ConnectWise's `errors` array (validation problems, usually per field). */
export interface ConnectWiseFieldError {
  code?: string;
  message?: string;
  resource?: string;
  field?: string;
  details?: unknown;
}

export interface ConnectWiseErrorInit {
  kind: ConnectWiseErrorKind;
  message: string;
  attempts: number;
  method?: string;
  path?: string;
  status?: number;
  code?: string;
  cwMessage?: string;
  errors?: ConnectWiseFieldError[];
  retryAfterSeconds?: number;
  /** The low-level error code (ECONNREFUSED, CERT_HAS_EXPIRED, UND_ERR_HEADERS_TIMEOUT …). */
  systemCode?: string;
}

/**
 * Every failure of a ConnectWise call. Built only from the method, the relative path, the status and
 * ConnectWise's answer — never from request headers — so credentials cannot end up in it, its
 * message or the logs it is written to. The low-level error is not kept as `cause` for the same
 * reason; its code is in `systemCode`.
 */
export class ConnectWiseError extends Error {
  override readonly name = 'ConnectWiseError';
  readonly kind: ConnectWiseErrorKind;
  readonly attempts: number;
  declare readonly method?: string;
  declare readonly path?: string;
  declare readonly status?: number;
  /** ConnectWise's `code` ('NotFound', 'InvalidObject' …) or, on a 429, its `error` field. */
  declare readonly code?: string;
  declare readonly cwMessage?: string;
  declare readonly errors?: ConnectWiseFieldError[];
  declare readonly retryAfterSeconds?: number;
  declare readonly systemCode?: string;

  constructor(init: ConnectWiseErrorInit) {
    super(init.message);
    this.kind = init.kind;
    this.attempts = init.attempts;
    // Optional fields are `declare`d and set only when present, so absent values stay absent.
    if (init.method !== undefined) this.method = init.method;
    if (init.path !== undefined) this.path = init.path;
    if (init.status !== undefined) this.status = init.status;
    if (init.code !== undefined) this.code = init.code;
    if (init.cwMessage !== undefined) this.cwMessage = init.cwMessage;
    if (init.errors !== undefined) this.errors = init.errors;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    if (init.systemCode !== undefined) this.systemCode = init.systemCode;
  }

  toJSON(): ConnectWiseErrorInit {
    const out: ConnectWiseErrorInit = { kind: this.kind, message: this.message, attempts: this.attempts };
    if (this.method !== undefined) out.method = this.method;
    if (this.path !== undefined) out.path = this.path;
    if (this.status !== undefined) out.status = this.status;
    if (this.code !== undefined) out.code = this.code;
    if (this.cwMessage !== undefined) out.cwMessage = this.cwMessage;
    if (this.errors !== undefined) out.errors = this.errors;
    if (this.retryAfterSeconds !== undefined) out.retryAfterSeconds = this.retryAfterSeconds;
    if (this.systemCode !== undefined) out.systemCode = this.systemCode;
    return out;
  }
}

/** Time as the client sees it: injected so retries, Retry-After and the budget are testable. */
export interface ClientClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClientClock: ClientClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One HTTP attempt, for logging. Deliberately carries no headers and no query string. */
export interface RequestInfo {
  method: string;
  /** Relative to `/apis/3.0`, or '/login/companyinfo/…' for discovery. */
  path: string;
  /** Absent when no response arrived. */
  status?: number;
  /** Set when no response arrived. */
  error?: ConnectWiseErrorKind;
  attempt: number;
  durationMs: number;
}
