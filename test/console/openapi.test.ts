// The console's OpenAPI document, fetched from GET /api/v1/openapi.json of the console app: an
// OpenAPI 3.1 document (JSON Schema 2020-12 schemas, no 3.0-only keywords) that lists every route of
// CONSOLE_ROUTES with its method, parameters, role, security, body and responses, and whose body
// schemas agree with the zod schemas the API validates with (required and nullable fields).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodObject, type ZodTypeAny } from 'zod';
import { CONSOLE_ROUTES } from '../../src/console/http/routes.js';
import { buildConsoleApp } from '../../src/console/http/server.js';
import type { ConsoleServices } from '../../src/console/service/services.js';
import { createLogger } from '../../src/platform/logger.js';
import { createMetrics } from '../../src/platform/metrics.js';

type Json = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const PATH_ITEM_KEYS = new Set([...HTTP_METHODS, '$ref', 'summary', 'description', 'servers', 'parameters']);
const OPERATION_KEYS = new Set([
  'tags',
  'summary',
  'description',
  'externalDocs',
  'operationId',
  'parameters',
  'requestBody',
  'responses',
  'callbacks',
  'deprecated',
  'security',
  'servers',
]);
/** JSON Schema 2020-12 keywords plus the OpenAPI 3.1 additions; `nullable` (3.0 only) is not one. */
const SCHEMA_KEYWORDS = new Set([
  '$schema',
  '$id',
  '$ref',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$vocabulary',
  '$comment',
  '$defs',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'prefixItems',
  'items',
  'contains',
  'properties',
  'patternProperties',
  'additionalProperties',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'type',
  'enum',
  'const',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxContains',
  'minContains',
  'maxProperties',
  'minProperties',
  'required',
  'dependentRequired',
  'title',
  'description',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  'examples',
  'format',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  'discriminator',
  'xml',
  'externalDocs',
  'example',
]);
const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'string', 'integer']);

/** Problems of one schema and its subschemas, each with its JSON pointer. */
function schemaProblems(schema: unknown, at: string): string[] {
  if (typeof schema === 'boolean') return [];
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return [`${at}: not a schema`];
  const s = schema as Json;
  const out: string[] = [];
  for (const k of Object.keys(s)) {
    if (!SCHEMA_KEYWORDS.has(k) && !k.startsWith('x-')) out.push(`${at}: '${k}' is not a 3.1 schema keyword`);
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.length === 0 || types.some((t) => !TYPES.has(t as string))) out.push(`${at}: bad type`);
  }
  for (const k of ['exclusiveMinimum', 'exclusiveMaximum', 'minimum', 'maximum', 'minLength', 'maxLength'])
    if (s[k] !== undefined && typeof s[k] !== 'number') out.push(`${at}: ${k} must be a number in 3.1`);
  if (
    s.required !== undefined &&
    !(Array.isArray(s.required) && s.required.every((r) => typeof r === 'string'))
  )
    out.push(`${at}: required must be a list of names`);
  for (const k of ['properties', 'patternProperties', '$defs', 'dependentSchemas']) {
    for (const [name, sub] of Object.entries((s[k] as Json | undefined) ?? {}))
      out.push(...schemaProblems(sub, `${at}/${k}/${name}`));
  }
  for (const k of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
    if (s[k] === undefined) continue;
    if (!Array.isArray(s[k])) out.push(`${at}: ${k} must be a list`);
    else
      for (const [i, sub] of (s[k] as unknown[]).entries())
        out.push(...schemaProblems(sub, `${at}/${k}/${i}`));
  }
  for (const k of [
    'not',
    'if',
    'then',
    'else',
    'items',
    'contains',
    'additionalProperties',
    'propertyNames',
    'unevaluatedItems',
    'unevaluatedProperties',
    'contentSchema',
  ]) {
    if (s[k] !== undefined) out.push(...schemaProblems(s[k], `${at}/${k}`));
  }
  return out;
}

/** Whether a (JSON Schema 2020-12) schema admits null at its top level. */
function allowsNull(schema: Json): boolean {
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (types.includes('null')) return true;
  if (schema.const === null || (Array.isArray(schema.enum) && schema.enum.includes(null))) return true;
  return ['anyOf', 'oneOf'].some((k) => Array.isArray(schema[k]) && (schema[k] as Json[]).some(allowsNull));
}

function resolve(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, found);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

describe('GET /api/v1/openapi.json', () => {
  let app: FastifyInstance;
  let doc: Json;
  let contentType: string | undefined;

  beforeAll(async () => {
    // The document needs no storage: the app is built with only what it uses to serve it.
    const services = {
      logger: createLogger('silent'),
      metrics: createMetrics(),
      tls: false,
    } as unknown as ConsoleServices;
    app = await buildConsoleApp(services, { version: '9.8.7' });
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    contentType = res.headers['content-type'] as string | undefined;
    doc = JSON.parse(res.body) as Json;
  });
  afterAll(async () => app?.close());

  const operations = () =>
    Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => HTTP_METHODS.includes(m))
        .map(([method, op]) => ({ path, method, op: op as Json })),
    );
  const operationOf = (method: string, path: string) =>
    (doc.paths as Record<string, Record<string, Json>>)[path.replace(/:(\w+)/g, '{$1}')]?.[
      method.toLowerCase()
    ];

  it('is an OpenAPI 3.1 document in JSON', () => {
    expect(contentType).toMatch(/^application\/json/);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(info.version).toBe('9.8.7');
    for (const k of Object.keys(doc)) {
      expect([
        'openapi',
        'info',
        'jsonSchemaDialect',
        'servers',
        'paths',
        'webhooks',
        'components',
        'security',
        'tags',
        'externalDocs',
      ]).toContain(k);
    }
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      expect(path).toMatch(/^\//);
      for (const k of Object.keys(item))
        expect(PATH_ITEM_KEYS.has(k) || k.startsWith('x-'), `${path} ${k}`).toBe(true);
    }
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      for (const k of Object.keys(op))
        expect(OPERATION_KEYS.has(k) || k.startsWith('x-'), `${where} ${k}`).toBe(true);
      const responses = op.responses as Record<string, Json>;
      expect(
        Object.keys(responses).some((c) => /^2\d\d$/.test(c)),
        where,
      ).toBe(true);
      for (const [code, response] of Object.entries(responses)) {
        expect(code, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description, `${where} ${code}`).toBe('string');
      }
      // Every {param} of the path is declared once, in: path, required.
      const declared = ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path');
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.map((p) => p.name).sort(), where).toEqual(templated.sort());
      for (const p of declared) {
        expect(p.required, where).toBe(true);
        expect(schemaProblems(p.schema, `${where} parameter ${String(p.name)}`)).toEqual([]);
      }
      // Security requirements name declared schemes.
      for (const requirement of (op.security as Json[] | undefined) ?? []) {
        for (const name of Object.keys(requirement))
          expect(Object.keys((doc.components as Json).securitySchemes as Json), where).toContain(name);
      }
    }
    const ids = operations().map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const scheme of Object.values((doc.components as Json).securitySchemes as Record<string, Json>)) {
      expect(['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect']).toContain(scheme.type);
      if (scheme.type === 'apiKey') {
        expect(scheme.name).toEqual(expect.any(String));
        expect(['query', 'header', 'cookie']).toContain(scheme.in);
      }
      if (scheme.type === 'http') expect(scheme.scheme).toEqual(expect.any(String));
    }
    // The console's own schemes: the session cookie and the CSRF header.
    expect((doc.components as Json).securitySchemes).toMatchObject({
      session: { type: 'apiKey', in: 'cookie', name: 'parasol_session' },
      csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
    });
    for (const ref of refs(doc)) expect(resolve(doc, ref), ref).toBeDefined();
  });

  it('uses only JSON Schema 2020-12 keywords in every schema (no 3.0 `nullable`)', () => {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries(((doc.components as Json).schemas as Json) ?? {}))
      problems.push(...schemaProblems(schema, `#/components/schemas/${name}`));
    for (const { path, method, op } of operations()) {
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
      for (const [type, media] of Object.entries(content))
        problems.push(...schemaProblems(media.schema, `${method} ${path} body ${type}`));
    }
    expect(problems).toEqual([]);
  });

  it('lists every route of CONSOLE_ROUTES with its method, role, security, status and body, and nothing else', () => {
    expect(operations()).toHaveLength(CONSOLE_ROUTES.length);
    for (const r of CONSOLE_ROUTES) {
      const where = `${r.method} ${r.path}`;
      const op = operationOf(r.method, r.path);
      expect(op, where).toBeDefined();
      expect(op!.summary, where).toBe(r.summary);
      expect(op!['x-required-role'], where).toBe(r.access);
      const responses = op!.responses as Record<string, Json>;
      expect(Object.keys(responses), where).toContain(String(r.status ?? 200));
      if (r.produces)
        expect(Object.keys(responses[String(r.status ?? 200)]!.content as Json)).toEqual([r.produces]);
      const schemes = ((op!.security as Json[] | undefined) ?? []).flatMap((s) => Object.keys(s));
      if (r.access === 'public') {
        expect(op!.security, where).toEqual([]);
      } else {
        expect(Object.keys(responses), where).toContain('401');
        expect(schemes.length, `${where} names how to authenticate`).toBeGreaterThan(0);
      }
      if (r.access === 'user' || r.access === 'admin') {
        expect(Object.keys(responses), where).toContain('403');
        expect(op!.security, where).toEqual([
          r.method === 'GET' ? { session: [] } : { session: [], csrf: [] },
        ]);
      }
      const body = op!.requestBody as { required?: boolean; content: Record<string, Json> } | undefined;
      if (r.body) {
        expect(body?.required, where).toBe(true);
        expect(Object.keys(body!.content), where).toEqual(['application/json']);
      } else if (r.bodyContentType) {
        expect(Object.keys(body!.content), where).toEqual([r.bodyContentType]);
      } else {
        expect(body, where).toBeUndefined();
      }
    }
  });

  it('documents each JSON body as the API validates it: required, optional and nullable fields', () => {
    for (const r of CONSOLE_ROUTES) {
      if (!r.body) continue;
      const where = `${r.method} ${r.path}`;
      const zod = r.body as ZodTypeAny;
      expect(zod, `${where}: body schema is a zod object`).toBeInstanceOf(ZodObject);
      const shape = (zod as ZodObject<Record<string, ZodTypeAny>>).shape;
      const schema = (
        operationOf(r.method, r.path)!.requestBody as { content: Record<string, { schema: Json }> }
      ).content['application/json']!.schema;
      expect(schema.type, where).toBe('object');
      expect(schema.additionalProperties, `${where}: unknown fields are refused`).toBe(false);
      const properties = schema.properties as Record<string, Json>;
      expect(Object.keys(properties).sort(), where).toEqual(Object.keys(shape).sort());
      const required = new Set((schema.required as string[] | undefined) ?? []);
      for (const [name, field] of Object.entries(shape)) {
        const optional = field.safeParse(undefined).success;
        expect(required.has(name), `${where}.${name} required`).toBe(!optional);
        expect(allowsNull(properties[name]!), `${where}.${name} admits null`).toBe(
          field.safeParse(null).success,
        );
      }
    }
  });
});
