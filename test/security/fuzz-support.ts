// Request generators for the hostile-input fuzz suite (fuzz.int.test.ts): operations read from an
// OpenAPI document (or a route table), and fast-check arbitraries for ids at the edges of every
// integer type, strings with NUL and lone surrogates, very long strings and condition lists, bodies
// shaped like each operation's schema with hostile values mixed in, and malformed JSON Patch arrays.
import fc from 'fast-check';
import { ADMIN_ENDPOINTS, ADMIN_PREFIX } from '../../src/psa/http/admin-api.js';
import { SESSION_PATH } from '../../src/psa/http/member-session-http.js';

type Json = Record<string, unknown>;

export interface Operation {
  /** Which server and API: 'psa' (REST), 'admin' (admin API and sign-in), 'console'. */
  api: 'psa' | 'admin' | 'console';
  method: string;
  /** Path template with `{name}` parameters, below the API's base path. */
  template: string;
  pathParams: string[];
  queryParams: string[];
  /** The body's content type and JSON schema (undefined: the operation takes no body). */
  body?: { contentType: string; schema: Json } | undefined;
}

export const key = (o: Pick<Operation, 'api' | 'method' | 'template'>) =>
  `${o.api} ${o.method} ${o.template}`;

/** Every operation of an OpenAPI 3 document. */
export function operationsOf(doc: Json, api: Operation['api']): Operation[] {
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      const parameters = (op.parameters ?? []) as Array<{ name: string; in: string }>;
      const content = (op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)
        ?.content;
      const [contentType, media] = Object.entries(content ?? {})[0] ?? [];
      out.push({
        api,
        method: method.toUpperCase(),
        template,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        body: contentType ? { contentType, schema: media?.schema ?? {} } : undefined,
      });
    }
  }
  return out;
}

/** Admin API bodies, in the shape its services parse (the admin API has no OpenAPI document). */
const ADMIN_BODIES: Record<string, Record<string, unknown>> = {
  '/roles': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      adminFlag: { type: 'boolean' },
      inactiveFlag: { type: 'boolean' },
      levels: { type: 'object' },
      allowLists: { type: 'object' },
    },
  },
  '/members': {
    type: 'object',
    properties: {
      kind: { enum: ['member', 'api'] },
      identifier: { type: 'string' },
      firstName: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      role: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
      inactiveFlag: { type: 'boolean' },
      password: { type: 'string' },
    },
  },
  '/keys': { type: 'object', properties: { description: { type: 'string' } } },
  '/session': {
    type: 'object',
    properties: { identifier: { type: 'string' }, password: { type: 'string' } },
  },
};

export function adminOperations(): Operation[] {
  const routes = [
    ...ADMIN_ENDPOINTS.map((e) => ({ method: e.method, path: e.path })),
    ...['GET', 'POST', 'DELETE'].map((method) => ({ method, path: SESSION_PATH.slice(ADMIN_PREFIX.length) })),
  ];
  return routes.map(({ method, path }) => {
    const template = path.replace(/:(\w+)/g, '{$1}');
    const schema = Object.entries(ADMIN_BODIES).find(([suffix]) => template.endsWith(suffix))?.[1];
    return {
      api: 'admin' as const,
      method,
      template,
      pathParams: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
      queryParams: method === 'GET' ? ['kind'] : [],
      body:
        method === 'POST' || method === 'PUT' || method === 'PATCH'
          ? { contentType: 'application/json', schema: schema ?? {} }
          : undefined,
    };
  });
}

/** ConnectWise's `{code, message, errors}` on the PSA and admin API; `{error, message}` on the console. */
export function hasErrorShape(api: Operation['api'], text: string): boolean {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (api === 'console') return typeof body.error === 'string' && typeof body.message === 'string';
  return typeof body.code === 'string' && typeof body.message === 'string' && 'errors' in body;
}

// ---------------------------------------------------------------------------------------------
// Values

/** Ids at the edges: 0, −1, 2^31 − 1, 2^31, 2^53 and their neighbours. */
export const EDGE_IDS = [
  0,
  -1,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 31) - 1,
];
const EDGE_ID_TEXT = [
  ...EDGE_IDS.map(String),
  '99999999999999999999999',
  '1e3',
  '0x10',
  '1.5',
  '',
  ' 1',
  '٣', // an Arabic-Indic digit
];

const HOSTILE_CHARS = [
  '\u0000',
  '\uD800',
  '\uDBFF',
  '\uDC00',
  '\uDFFF',
  '\uDFFF\uD800',
  '\uFFFE',
  '\u202E',
  '\uFEFF',
];

/** Strings with NUL, lone surrogates and other odd characters, quotes, wildcards; sometimes very long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...HOSTILE_CHARS), fc.string({ maxLength: 6 }))
      .map(([a, c, b]) => a + c + b),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "'",
      '"',
      '%',
      '*',
      '[',
      '\\',
      '%00',
      "'; drop table cw_record; --",
      'null',
      '../',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1_000, max: 20_000 }), fc.constantFrom('a', 'é', '\u0000', '😀', '\uD800'))
      .map(([n, c]) => c.repeat(n)),
  },
);

const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...EDGE_IDS, 0.5, -0.0, 1e308, -1e308, Number.MIN_VALUE),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, with hostile strings and edge numbers. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    edgeNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), hostileString), tie('value'), { maxKeys: 4 }),
    fc.record({ id: edgeNumber }),
  ),
})).value;

/** A value for a JSON schema; `hostile` is the chance of a hostile value of any type instead. */
export function valueFor(schema: Json, components: Record<string, Json>, depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, components);
  const typed = typedValue(resolved, components, depth);
  return fc.oneof({ weight: 3, arbitrary: typed }, { weight: 1, arbitrary: hostileJson });
}

function resolve(schema: Json, components: Record<string, Json>): Json {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.split('/').pop() ?? '';
  return components[name] ?? {};
}

function typedValue(schema: Json, components: Record<string, Json>, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return fc.oneof(fc.constantFrom(...(schema.enum as unknown[])), hostileString);
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (Array.isArray(union) && union.length > 0)
    return fc.oneof(...union.map((s) => typedValue(resolve(s, components), components, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return fc.oneof(fc.string({ maxLength: 20 }), hostileString, fc.constant('2024-01-31T09:30:00Z'));
    case 'integer':
    case 'number':
      return fc.oneof(edgeNumber, fc.integer({ min: 1, max: 10 }));
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth > 2) return fc.constant([]);
      const items = (schema.items ?? {}) as Json;
      return fc.array(valueFor(items, components, depth + 1), { maxLength: 3 });
    }
    case 'object':
    case undefined: {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const names = Object.keys(properties);
      if (names.length === 0 || depth > 2) return depth > 2 ? fc.record({ id: edgeNumber }) : hostileJson;
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const name of names.slice(0, 60)) shape[name] = valueFor(properties[name]!, components, depth + 1);
      return fc.record(shape, { requiredKeys: [] });
    }
    default:
      return hostileJson;
  }
}

// ---------------------------------------------------------------------------------------------
// Query parameters

const FIELDS = [
  'id',
  'name',
  'identifier',
  'summary',
  'company/id',
  'company/name',
  'status/id',
  'board/name',
  'types/id',
  'closedFlag',
  'dateEntered',
  '_info/lastUpdated',
  'caption',
  'value',
  'noSuchField',
];
const OPS = ['=', '!=', '<', '>=', 'like', 'not like', 'contains', 'in', 'not in'];

const literal: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_IDS.map(String), '99999999999', 'true', 'null', '[2024-01-31T09:30:00Z]'),
  hostileString.map((s) => `"${s.replaceAll('"', '""')}"`),
  fc.array(fc.constantFrom(...EDGE_IDS), { minLength: 1, maxLength: 6 }).map((ids) => `(${ids.join(',')})`),
);

const comparison = fc
  .tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...OPS), literal)
  .map(([f, o, v]) => `${f} ${o} ${v}`);

/** conditions-like text: short and random, or long chains (hundreds of terms), or garbage. */
export const conditionsText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(comparison, { minLength: 1, maxLength: 4 }).map((c) => c.join(' and ')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(comparison, fc.integer({ min: 150, max: 600 }), fc.constantFrom(' and ', ' or '))
      .map(([c, n, j]) => Array.from({ length: n }, () => c).join(j)),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 500, max: 1200 })
      .map((n) => `id in (${Array.from({ length: n }, (_, i) => i).join(',')})`),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 10, max: 200 }).map((n) => `${'('.repeat(n)}id = 1${')'.repeat(n)}`),
  },
  { weight: 2, arbitrary: hostileString },
);

const orderByText: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom('', ' asc', ' desc')), { maxLength: 40 })
    .map((t) => t.map(([f, d]) => f + d).join(',')),
  hostileString,
);

/** A value for a query parameter, shaped by its name. */
export function queryValue(name: string): fc.Arbitrary<string> {
  if (/conditions$/i.test(name)) return conditionsText;
  if (/^(orderBy|fields)$/i.test(name)) return orderByText;
  return fc.oneof(fc.constantFrom(...EDGE_ID_TEXT), hostileString);
}

/**
 * Path parameter values: edge ids, ids that exist (`known`, and only those: the fuzz's own user,
 * token and member stay out of reach), and text that is no id at all.
 */
export function pathValue(known: number[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...EDGE_ID_TEXT.filter((t) => t !== '')) },
    { weight: 4, arbitrary: fc.constantFrom(...known.map(String)) },
    { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 200 && !/^\d+$/.test(s)) },
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies

const patchOperation = (fields: string[]) =>
  fc.record(
    {
      op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'move', 'copy', 'test'), hostileString),
      path: fc.oneof(
        fc.constantFrom(...fields, '', '/', '/summary', 'company/id', '~1', 'id'),
        hostileString,
      ),
      value: hostileJson,
    },
    { requiredKeys: [] },
  );

/** JSON Patch bodies: plausible, malformed (not an array, bad ops), and very long. */
export function patchBody(fields: string[]): fc.Arbitrary<unknown> {
  const op = patchOperation(fields.length ? fields : ['summary']);
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(op, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(op, { minLength: 100, maxLength: 400 }) },
    { weight: 2, arbitrary: hostileJson },
    { weight: 1, arbitrary: fc.array(hostileJson, { maxLength: 3 }) },
  );
}

/** Text that is not the JSON it claims to be, or JSON nested deeper than any parser should recurse. */
export const brokenJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '{"a":', 'nul', '[1,]', "{'a':1}", '', '\u0000', '"\\ud800"', '{"a":"\\u0000"}'),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1_000, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
);

/** Percent-encodes text for a URL; text encodeURIComponent refuses (lone surrogates) goes as WTF-8. */
export function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    let out = '';
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (c >= 0xd800 && c <= 0xdfff) {
        const hex = (b: number) => `%${b.toString(16).toUpperCase()}`;
        out += hex(0xe0 | (c >> 12)) + hex(0x80 | ((c >> 6) & 0x3f)) + hex(0x80 | (c & 0x3f));
      } else out += encodeURIComponent(ch);
    }
    return out;
  }
}
