// Checks every request of both servers makes at the edge, before any value can reach SQL: no NUL
// character or lone UTF-16 surrogate in any string (PostgreSQL refuses both, SQLite stores them), and
// no id past PostgreSQL's integer range. Each server turns a finding into its own error shape.

/** The largest id either database stores (PostgreSQL `integer`): ids past it cannot exist. */
export const MAX_ID = 2_147_483_647;

/** Keys whose numbers are ids: `id`, `companyId`, `customerIds`, … (compared with integer columns). */
const ID_KEY = /^id$|Ids?$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface InputProblem {
  /** Where: `name`, `company/identifier`, `customerIds[1]`, or a query parameter's name. */
  field: string;
  /** What, in words that fit after the field's name ("contains a NUL character …"). */
  problem: string;
  kind: 'text' | 'id';
}

/** What is wrong with one string, if anything. */
export function textProblem(text: string): string | undefined {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `contains a NUL character (U+0000) at position ${nul}`;
  const lone = LONE_SURROGATE.exec(text);
  if (lone)
    return `contains a lone UTF-16 surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()}) at position ${lone.index}`;
  return undefined;
}

function idProblem(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  return Number.isFinite(value) && Math.abs(value) > MAX_ID
    ? `is out of range (ids are at most ${MAX_ID})`
    : undefined;
}

const join = (parent: string, key: string) => (parent === '' ? key : `${parent}/${key}`);

/**
 * The first problem in a parsed JSON value (body, query object or path parameters): strings and
 * object keys with NUL or lone surrogates, numbers out of the id range under id keys. Walks with an
 * explicit stack, so a deeply nested body cannot exhaust the call stack; other values (streams of
 * the NDJSON endpoint) are not looked into.
 */
export function findInputProblem(root: unknown, rootField = ''): InputProblem | undefined {
  const stack: Array<[value: unknown, field: string, idKey: boolean]> = [[root, rootField, false]];
  while (stack.length > 0) {
    const [value, field, idKey] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { field: field || 'body', problem, kind: 'text' };
    } else if (typeof value === 'number') {
      const problem = idKey ? idProblem(value) : undefined;
      if (problem) return { field, problem, kind: 'id' };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${field}[${i}]`, idKey]);
    } else if (value !== null && typeof value === 'object' && isPlain(value)) {
      for (const key of Object.keys(value)) {
        const keyProblem = textProblem(key);
        if (keyProblem)
          return { field: join(field, key), problem: `has a name that ${keyProblem}`, kind: 'text' };
        stack.push([(value as Record<string, unknown>)[key], join(field, key), ID_KEY.test(key)]);
      }
    }
  }
  return undefined;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export type ParsedId = { ok: true; id: number } | { ok: false; reason: 'malformed' | 'out-of-range' };

/**
 * An id from a URL path or query string: digits only (no sign, exponent or fraction). A well-formed
 * id past MAX_ID is 'out-of-range' — in a path that is a 404 (no such record can exist), in a
 * parameter or body a 400 naming it.
 */
export function parseId(raw: string | undefined): ParsedId {
  if (raw === undefined || !/^\d+$/.test(raw)) return { ok: false, reason: 'malformed' };
  const n = Number(raw);
  return n <= MAX_ID ? { ok: true, id: n } : { ok: false, reason: 'out-of-range' };
}

/** The message for a request Fastify refuses before routing (FST_ERR_BAD_URL and the like). */
export function badUrlMessage(error: Error & { code?: string }): string {
  return error.code === 'FST_ERR_BAD_URL'
    ? 'The URL path is not valid: its percent-escapes do not decode to UTF-8 text.'
    : 'The request could not be routed.';
}
