// Pure wire rules of ConnectWise's REST API as the client applies them: API host and origin, query
// encoding, Link headers, Retry-After, backoff, error bodies and the classification of transport errors.
import type { ConnectWiseErrorKind, ConnectWiseFieldError, QueryValue } from './types.js';

/** ConnectWise cloud UI hosts; their REST API lives on the same name with an `api-` prefix. */
const CLOUD_UI_HOSTS = new Set([
  'na.myconnectwise.net',
  'eu.myconnectwise.net',
  'au.myconnectwise.net',
  'aus.myconnectwise.net',
  'za.myconnectwise.net',
  'staging.connectwisedev.com',
]);

/** The API host for a host name: cloud UI hosts gain `api-`, everything else is used as given. */
export function apiHostname(hostname: string): string {
  const lower = hostname.toLowerCase();
  return CLOUD_UI_HOSTS.has(lower) ? `api-${lower}` : lower;
}

/**
 * `https://host[:port]` for a connection's `site`. The scheme is always https, even when an http URL
 * is pasted: ConnectWise refuses plain HTTP and credentials must never travel in clear. Only the host
 * and port of a full URL are used — a pasted UI address carries paths that mean nothing to the API.
 */
export function apiOrigin(site: string): string {
  const trimmed = site.trim();
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  if (isUrl && !/^https?:\/\//i.test(trimmed))
    throw new TypeError('ConnectWise site must be an https URL or a host');
  let url: URL;
  try {
    url = new URL(isUrl ? trimmed.replace(/^http:/i, 'https:') : `https://${trimmed}`);
  } catch {
    throw new TypeError('ConnectWise site is not a valid host name or URL');
  }
  if (url.hostname === '' || url.username !== '' || url.password !== '')
    throw new TypeError('ConnectWise site must be a host name without user information');
  if (!isUrl && (url.pathname !== '/' || url.search !== '' || url.hash !== ''))
    throw new TypeError('ConnectWise site must be a host name (with an optional port) or a full URL');
  const port = url.port === '' ? '' : `:${url.port}`;
  return `https://${apiHostname(url.hostname)}${port}`;
}

/** The codebase segment without slashes ('v4_6_release/' → 'v4_6_release'). */
export function normalizeCodebase(codebase: string): string {
  const trimmed = codebase.trim().replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9_.-]+$/.test(trimmed)) throw new TypeError(`unusable ConnectWise codebase '${codebase}'`);
  return trimmed;
}

/**
 * Strict RFC 3986 component encoding: encodeURIComponent plus `!'()*`. ConnectWise's guide asks for
 * `*` and `'` to be escaped inside conditions, and spaces travel as %20, never `+`.
 */
export function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `?a=1&b=x%20y`, or '' when nothing is set. Keys keep their order. */
export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    parts.push(`${encodeComponent(key)}=${encodeComponent(String(value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** rel → URL from an RFC 5988 Link header; unparseable entries are skipped. */
export function parseLinkHeader(header: string | undefined): Map<string, string> {
  const links = new Map<string, string>();
  if (!header) return links;
  for (const match of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(match[2] ?? '')?.[1];
    if (rel)
      for (const r of rel.trim().toLowerCase().split(/\s+/)) if (!links.has(r)) links.set(r, match[1]!);
  }
  return links;
}

/**
 * The part of an absolute API URL after `/apis/3.0` (path + query), or undefined when the URL is not
 * an API URL. Link targets are re-issued against our own origin and codebase: a Link naming another
 * host (ConnectWise's own examples show the UI host) must never receive the credentials.
 */
export function apiRelative(url: string): { path: string; search: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, 'https://link.invalid');
  } catch {
    return undefined;
  }
  const m = /\/apis\/3\.0(\/[^?#]*)$/i.exec(parsed.pathname);
  if (!m) return undefined;
  return { path: m[1]!, search: parsed.search };
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or undefined if unusable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (/^\d+\.\d+$/.test(v)) return Number(v);
  // Only a real HTTP date: Date.parse also accepts oddities like '7 ' or '1e3' on some engines.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** Capped exponential backoff with full jitter: random × min(max, base × 2^(retry-1)). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export function basicAuthorization(companyId: string, publicKey: string, privateKey: string): string {
  return `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString('base64')}`;
}

export interface ErrorBody {
  code?: string;
  message?: string;
  errors?: ConnectWiseFieldError[];
}

/** ConnectWise's `{code, message, errors}` or the throttle's `{error, message}`; {} for anything else. */
export function parseErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return {};
  const o = json as Record<string, unknown>;
  const out: ErrorBody = {};
  const code = typeof o.code === 'string' ? o.code : typeof o.error === 'string' ? o.error : undefined;
  if (code !== undefined) out.code = code;
  if (typeof o.message === 'string') out.message = o.message;
  if (Array.isArray(o.errors)) {
    out.errors = o.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => {
        const fe: ConnectWiseFieldError = {};
        if (typeof e.code === 'string') fe.code = e.code;
        if (typeof e.message === 'string') fe.message = e.message;
        if (typeof e.resource === 'string') fe.resource = e.resource;
        if (typeof e.field === 'string') fe.field = e.field;
        if (e.details !== undefined) fe.details = e.details;
        return fe;
      });
  }
  return out;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);

/** Failures while connecting: the request never left, so even a POST may be sent again. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * OpenSSL's words for "what came back was not TLS": the port answers plain HTTP (a PSA started with
 * PSA_ALLOW_HTTP, an HTTP-only proxy port). A certificate is not the problem, so the fix must not
 * say it is.
 */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** True when a transport failure's code means the server answered without TLS (plain HTTP). */
export function answeredWithoutTls(systemCode: string | undefined): boolean {
  return systemCode !== undefined && NOT_TLS_CODES.has(systemCode);
}

export interface TransportFailure {
  kind: Extract<ConnectWiseErrorKind, 'network' | 'timeout' | 'tls' | 'dns'>;
  systemCode?: string;
  /** True when the failure happened before any byte of the request could reach the server. */
  beforeSend: boolean;
  /** Worth another attempt (a refused connection may come back; a bad certificate will not). */
  transient: boolean;
}

function codesOf(error: unknown, depth = 0): string[] {
  if (depth > 4 || typeof error !== 'object' || error === null) return [];
  const e = error as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  const own: string[] = [];
  if (typeof e.code === 'string') own.push(e.code);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') own.push(e.name);
  const nested = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])].flatMap((n) =>
    codesOf(n, depth + 1),
  );
  return [...own, ...nested];
}

/** Maps an undici / Node error (or anything thrown while talking to the server) to a failure kind. */
export function classifyTransportError(error: unknown): TransportFailure {
  const codes = codesOf(error);
  const first = (set: Set<string>) =>
    codes.find((c) => set.has(c) || (set === TLS_CODES && /^ERR_SSL_|^ERR_TLS_/.test(c)));
  const tls = codes.find((c) => NOT_TLS_CODES.has(c)) ?? first(TLS_CODES);
  if (tls) return { kind: 'tls', systemCode: tls, beforeSend: true, transient: false };
  if (codes.includes('ENOTFOUND'))
    // A name that does not exist is a configuration error, not a blip: report it at once.
    return { kind: 'dns', systemCode: 'ENOTFOUND', beforeSend: true, transient: false };
  if (codes.includes('EAI_AGAIN'))
    return { kind: 'dns', systemCode: 'EAI_AGAIN', beforeSend: true, transient: true };
  const timeout = first(TIMEOUT_CODES) ?? codes.find((c) => c === 'TimeoutError');
  if (timeout)
    return {
      kind: 'timeout',
      systemCode: timeout,
      beforeSend: timeout === 'UND_ERR_CONNECT_TIMEOUT',
      transient: true,
    };
  const connect = first(CONNECT_CODES);
  if (connect) return { kind: 'network', systemCode: connect, beforeSend: true, transient: true };
  const code = codes[0];
  return { kind: 'network', ...(code ? { systemCode: code } : {}), beforeSend: false, transient: true };
}
