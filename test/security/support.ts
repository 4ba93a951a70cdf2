// Helpers shared by the security tests: calls to the REST and admin APIs with a key, roles built
// from "everything except …", and the CLI run in-process against the test server's database.
import { runCli } from '../../src/cli/program.js';
import {
  ALL_FUNCTIONS,
  CUSTOMIZE,
  type FunctionLevels,
  TABLE_SETUP_ITEMS,
} from '../../src/psa/catalog/index.js';
import type { Action } from '../../src/psa/catalog/types.js';
import { ADMIN_PREFIX } from '../../src/psa/http/admin-api.js';
import type { TestKey, TestPsa } from '../support/psa-server.js';

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
}

export interface CallOptions {
  /** A TestKey, a raw Authorization header, or undefined for no credentials. */
  auth?: TestKey | string | undefined;
  /** The clientId header; true (default) sends the test client id, false sends none. */
  clientId?: boolean | string;
  /** Sent as JSON unless it is already a string (then sent as it is). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

function authorizationOf(auth: TestKey | string | undefined): string | undefined {
  if (auth === undefined) return undefined;
  return typeof auth === 'string' ? auth : auth.authorization;
}

async function send(psa: TestPsa, url: string, method: string, o: CallOptions): Promise<CallResult> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const authorization = authorizationOf(o.auth);
  if (authorization !== undefined) headers.authorization = authorization;
  const clientId = o.clientId ?? true;
  if (clientId !== false) headers.clientId = clientId === true ? psa.clientId : clientId;
  let payload: string | undefined;
  if (o.body !== undefined) {
    payload = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    headers['content-type'] = o.contentType ?? 'application/json';
  }
  const res = await psa.fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** A call below /apis/3.0 (`path` starts with '/'). */
export function rest(psa: TestPsa, method: string, path: string, o: CallOptions = {}): Promise<CallResult> {
  return send(psa, `${psa.apiBase}${path}`, method, o);
}

/** A call below the admin API prefix; the admin API needs no clientId. */
export function admin(psa: TestPsa, method: string, path: string, o: CallOptions = {}): Promise<CallResult> {
  return send(psa, `${psa.origin}${ADMIN_PREFIX}${path}`, method, { clientId: false, ...o });
}

/** Asserts a 2xx and returns the body. */
export async function ok<T = Record<string, unknown>>(call: Promise<CallResult>): Promise<T> {
  const r = await call;
  if (r.status < 200 || r.status > 299) throw new Error(`expected 2xx, got ${r.status}: ${r.text}`);
  return r.body as T;
}

const ALL_LEVELS: FunctionLevels = { add: 'All', edit: 'All', delete: 'All', inquire: 'All' };

/** Role input: All on every function and every Table Setup table, minus what `except` names. */
export function everythingExcept(
  name: string,
  except: { function?: string; action?: Action; tableSetupItem?: string } = {},
) {
  const levels: Record<string, FunctionLevels> = {};
  for (const f of ALL_FUNCTIONS) {
    levels[f.id] =
      f.id === except.function && except.action ? { ...ALL_LEVELS, [except.action]: 'None' } : ALL_LEVELS;
  }
  const tables = TABLE_SETUP_ITEMS.map((i) => i.id).filter((id) => id !== except.tableSetupItem);
  return { name, adminFlag: false, levels, allowLists: { [CUSTOMIZE.systemTableSetup]: tables } };
}

/** An API member with the given role (id) and a fresh key, made through the admin service. */
export async function memberWithKey(
  psa: TestPsa,
  identifier: string,
  roleId: number,
  extra: Record<string, unknown> = {},
): Promise<TestKey> {
  const services = psa.running.psa.services;
  const m = await services.admin.createMember(
    'api',
    { identifier, name: identifier, role: roleId, ...extra },
    'test',
  );
  const k = await services.admin.createKey(m.id, { description: `${identifier} key` }, 'test');
  return {
    memberId: m.id,
    keyId: k.id,
    publicKey: k.publicKey,
    privateKey: k.privateKey,
    authorization: basic(psa.companyId, k.publicKey, k.privateKey),
  };
}

export function basic(companyId: string, publicKey: string, privateKey: string): string {
  return `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString('base64')}`;
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `parasol …` in-process against the test server's database (same SQLite file under its data
 * folder, or the same PostgreSQL schema). The CLI opens its OWN storage and services, as a separate
 * `parasol` process would; only the process is shared.
 */
export async function cli(psa: TestPsa, argv: string[]): Promise<CliRun> {
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
    readStdin: async () => '',
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Like `cli`, but throws with the CLI's error output unless it exits 0. */
export async function cliOk(psa: TestPsa, argv: string[]): Promise<string> {
  const r = await cli(psa, argv);
  if (r.code !== 0) throw new Error(`parasol ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}
