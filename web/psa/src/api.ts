// The UI's only way to the server: the admin API and the ConnectWise REST API with the session
// cookie, the CSRF header on every change, and errors as ApiError with ConnectWise's message.
export interface Issue {
  field: string;
  message: string;
  /** The message's stable key and parameters (sent to member sessions, i.e. this UI). */
  key?: string;
  params?: Record<string, string | number>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
    /** Seconds from Retry-After (a lock-out or a rate limit). */
    readonly retryAfter?: number,
    /** The message's stable key and parameters, when the server sent them. */
    readonly key?: string,
    readonly params?: Record<string, string | number>,
  ) {
    super(message);
  }
}

let csrfToken = '';
let codebase = 'v4_6_release';
let onSignedOut: () => void = () => {};

export function configureApi(options: { csrf: string; codebase: string; signedOut: () => void }): void {
  csrfToken = options.csrf;
  codebase = options.codebase;
  onSignedOut = options.signedOut;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function request<T>(method: Method, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as {
    message?: string;
    errors?: Issue[] | null;
    key?: string;
    params?: Record<string, string | number>;
  } | null;
  if (!res.ok) {
    if (res.status === 401 && !url.endsWith('/session')) onSignedOut();
    const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
    throw new ApiError(
      res.status,
      data?.message ?? res.statusText,
      data?.errors ?? [],
      Number.isFinite(retryAfter) ? retryAfter : undefined,
      data?.key,
      data?.params,
    );
  }
  return data as T;
}

function client(base: () => string) {
  return {
    get: <T>(path: string) => request<T>('GET', `${base()}${path}`),
    post: <T>(path: string, body: unknown) => request<T>('POST', `${base()}${path}`, body),
    put: <T>(path: string, body: unknown) => request<T>('PUT', `${base()}${path}`, body),
    patch: <T>(path: string, body: unknown) => request<T>('PATCH', `${base()}${path}`, body),
    del: <T>(path: string) => request<T>('DELETE', `${base()}${path}`),
  };
}

/** `/admin/api/v1`: roles, members, keys, History, API Logs, the session. */
export const adminApi = client(() => '/admin/api/v1');
/** The ConnectWise REST API, authorized by the member's role exactly as an API key would be. */
export const restApi = client(() => `/${codebase}/apis/3.0`);

/** `?a=1&b=2` from the defined values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}
