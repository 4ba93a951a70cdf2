// The console UI's only way to the server: JSON under /api/v1 with the session cookie, the CSRF
// header on every change, and failures as ApiError with the server's message and the fields it named.
export interface Issue {
  path: string;
  message: string;
  /** The message's stable key and parameters, when the server sent them. */
  key?: string;
  params?: Record<string, string | number>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's error kind ('invalid', 'forbidden', 'psa-unavailable' …). */
    readonly kind: string,
    message: string,
    readonly issues: Issue[] = [],
    /** Seconds from Retry-After (a lock-out). */
    readonly retryAfter?: number,
    /** The message's stable key and parameters, when the server sent them. */
    readonly key?: string,
    readonly params?: Record<string, string | number>,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => {};

export function configureApi(options: { csrf: string; signedOut: () => void }): void {
  csrfToken = options.csrf;
  onSignedOut = options.signedOut;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function request<T>(
  method: Method,
  path: string,
  body?: { json: unknown } | { text: string; type: string },
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let payload: string | undefined;
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers['content-type'] = body.type;
    payload = body.text;
  }
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(payload !== undefined ? { body: payload } : {}),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as {
    error?: string;
    message?: string;
    issues?: Issue[];
    key?: string;
    params?: Record<string, string | number>;
  } | null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') onSignedOut();
    const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
    throw new ApiError(
      res.status,
      data?.error ?? 'failed',
      data?.message ?? res.statusText,
      data?.issues ?? [],
      Number.isFinite(retryAfter) ? retryAfter : undefined,
      data?.key,
      data?.params,
    );
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, { json: body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { json: body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { json: body }),
  del: <T = void>(path: string) => request<T>('DELETE', path),
  /** A CSV body (the mapping import). */
  postCsv: <T>(path: string, text: string) => request<T>('POST', path, { text, type: 'text/csv' }),
};

/** `?a=1&b=2` from the defined values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}
