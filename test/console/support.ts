// Helpers for the console's HTTP tests: sign in like a browser (session cookie + CSRF token), call
// the console API, read every table of the database as text, and run `parasol …` in-process against
// the test server's data folder and database.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { runCli } from '../../src/cli/program.js';
import { SESSION_ABSOLUTE_MS } from '../../src/console/service/auth.js';
import { cwDate } from '../../src/platform/clock.js';
import { sha256Hex } from '../../src/platform/crypto.js';
import type { TestPsa } from '../support/psa-server.js';

export interface ConsoleSession {
  /** `parasol_session=…` as sent back in the Cookie header. */
  cookie: string;
  csrfToken: string;
  /** The raw Set-Cookie header of the sign-in response. */
  setCookie: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is empty or not JSON). */
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** Send this string as-is with this content type (CSV import). */
  raw?: { text: string; contentType: string };
  /** Override the CSRF header: a string sends it, null leaves it out. Default: the session's. */
  csrf?: string | null;
}

/** Calls the console API. `session` undefined sends no cookie. */
export async function call<T = unknown>(
  psa: TestPsa,
  session: ConsoleSession | undefined,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (session) headers.cookie = session.cookie;
  const csrf = options.csrf === undefined ? session?.csrfToken : options.csrf;
  if (csrf !== null && csrf !== undefined && method !== 'GET') headers['x-csrf-token'] = csrf;
  let body: string | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.contentType;
    body = options.raw.text;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await psa.fetch(`${psa.running.console.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

/** POST /api/v1/session; throws unless the sign-in succeeds. */
export async function signIn(psa: TestPsa, email: string, password: string): Promise<ConsoleSession> {
  const res = await psa.fetch(`${psa.running.console.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sign-in as ${email} answered ${res.status}: ${text}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  if (!cookie.startsWith('parasol_session=')) throw new Error(`no session cookie in '${setCookie}'`);
  return { cookie, csrfToken: (JSON.parse(text) as { csrfToken: string }).csrfToken, setCookie };
}

/**
 * A session for `email` opened the way sign-in opens one (random token whose SHA-256 is stored, CSRF
 * token, absolute expiry), without the password check: scrypt costs a deliberate ~0.3 s per sign-in,
 * too much for suites that need many sessions. Sign-in itself is tested in auth.int.test.ts.
 */
export async function openSession(psa: TestPsa, email: string): Promise<ConsoleSession> {
  const { store, clock } = psa.running.console.services;
  const user = await store.findUserByEmail(email);
  if (!user) throw new Error(`no console user ${email}`);
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const now = clock.now();
  await store.createSession({
    tokenDigest: sha256Hex(token),
    userId: user.id,
    providerId: user.providerId,
    csrfToken,
    at: cwDate(now),
    expiresAt: cwDate(new Date(now.getTime() + SESSION_ABSOLUTE_MS)),
  });
  return { cookie: `parasol_session=${token}`, csrfToken, setCookie: '' };
}

/** Every table of the server's database, each row as JSON text (for "no secret at rest" checks). */
export async function dumpTables(psa: TestPsa): Promise<Map<string, string>> {
  const storage = psa.running.storage;
  const db = storage.db;
  const out = new Map<string, string>();
  if (storage.dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' order by name`.execute(db);
    for (const { name } of tables.rows) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
      out.set(name, rows.rows.map((r) => JSON.stringify(r, binaryAsText)).join('\n'));
    }
  } else {
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
    for (const { table_name: name } of tables.rows) {
      const rows = await sql<{ row: string }>`
        select row_to_json(t)::text as row from ${sql.table(name)} t`.execute(db);
      out.set(name, rows.rows.map((r) => r.row).join('\n'));
    }
  }
  return out;
}

function binaryAsText(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** The tables whose text contains `needle`. */
export function tablesContaining(tables: Map<string, string>, needle: string): string[] {
  return [...tables].filter(([, text]) => text.includes(needle)).map(([name]) => name);
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `parasol …` in-process with the environment of a separate `parasol` process on the same
 * deployment: the test server's data folder (keyring file, SQLite file) and, on PostgreSQL, its schema.
 */
export async function parasol(psa: TestPsa, argv: string[], stdin = ''): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {
      PARASOL_DATA_DIR: psa.dataDir,
      ...(psa.databaseUrl ? { DATABASE_URL: psa.databaseUrl } : {}),
      LOG_LEVEL: 'silent',
    },
    readStdin: async () => stdin,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A PSA REST call with an API key's Authorization header (e.g. the admin key). */
export async function psaRest(
  psa: TestPsa,
  authorization: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await psa.fetch(`${psa.apiBase}${path}`, {
    method,
    headers: {
      authorization,
      clientId: psa.clientId,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
