// The PSA's OpenAPI 3.1 document, generated from THE endpoint table (endpoints.ts) and the
// ConnectWise record schemas: every REST route Parasol serves, with its query parameters, bodies,
// answers, and the security-role permission it needs (in words and as `x-parasol-permission`).
import type { FastifyInstance } from 'fastify';
import { findFunction, moduleOf } from '../catalog/index.js';
import { getSchema } from '../model/schema.js';
import type { FieldSpec } from '../model/schema-types.js';
import { REGISTRY } from '../service/resources.js';
import type { PsaServices } from '../service/services.js';
import { ENDPOINTS, type Endpoint } from './endpoints.js';
import { API_VERSION } from './version.js';

type Json = Record<string, unknown>;

const ACTION_WORD = { inquire: 'Inquire', add: 'Add', edit: 'Edit', delete: 'Delete' } as const;

const LIST_PARAMETERS: Json[] = [
  ['conditions', 'Filter, e.g. `summary like "DNS%" and closedFlag = false`'],
  ['childConditions', 'Filter on child collections, e.g. `communicationItems/value like "%@acme.test"`'],
  ['customFieldConditions', 'Filter on custom fields, e.g. `caption = "Site" and value = "HQ"`'],
  ['orderBy', 'Sort, e.g. `id desc`'],
  ['fields', 'Comma-separated fields to return, e.g. `id,summary,board/name`'],
].map(([name, description]) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'string' },
}));

const PAGING_PARAMETERS: Json[] = [
  { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
  { name: 'pageSize', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  {
    name: 'pageId',
    in: 'query',
    required: false,
    description: 'Forward-only paging by id (with a Link header)',
    schema: { type: 'integer' },
  },
];

const CLIENT_ID: Json = {
  name: 'clientId',
  in: 'header',
  required: true,
  description: "The integration's clientId (a GUID)",
  schema: { type: 'string', format: 'uuid' },
};

function fieldSchema(spec: FieldSpec, refs: Set<string>): Json {
  const out: Json = {};
  switch (spec.type) {
    case 'datetime':
      Object.assign(out, { type: 'string', format: 'date-time' });
      break;
    case 'uuid':
      Object.assign(out, { type: 'string', format: 'uuid' });
      break;
    case 'object':
      if (spec.schema) {
        refs.add(spec.schema);
        return { $ref: `#/components/schemas/${componentName(spec.schema)}` };
      }
      out.type = 'object';
      break;
    case 'array':
      Object.assign(out, { type: 'array', items: spec.items ? fieldSchema(spec.items, refs) : {} });
      break;
    case 'any':
      break;
    default:
      out.type = spec.type;
  }
  if (spec.maxLength !== undefined) out.maxLength = spec.maxLength;
  if (spec.enum) out.enum = spec.enum;
  if (spec.readOnly) out.readOnly = true;
  return out;
}

/** Component names may not contain dots in every tool: 'Company.Configuration' → 'Company_Configuration'. */
const componentName = (schema: string) => schema.replace(/[^A-Za-z0-9_]/g, '_');

function components(roots: Iterable<string>): Record<string, Json> {
  const out: Record<string, Json> = {};
  const todo = [...roots];
  while (todo.length > 0) {
    const name = todo.pop()!;
    const key = componentName(name);
    if (out[key]) continue;
    const refs = new Set<string>();
    try {
      const spec = getSchema(name);
      const properties: Record<string, Json> = {};
      const required: string[] = [];
      for (const [field, f] of Object.entries(spec.fields)) {
        properties[field] = fieldSchema(f, refs);
        if (f.required) required.push(field);
      }
      out[key] = { type: 'object', properties, ...(required.length ? { required } : {}) };
    } catch {
      // A reference to a schema the generated spec does not describe: any object.
      out[key] = { type: 'object', description: `ConnectWise ${name}` };
    }
    todo.push(...refs);
  }
  return out;
}

function permissionText(e: Endpoint): string {
  if (e.access.kind === 'authenticated') return 'Any API member or member with a valid key.';
  const fn = findFunction(e.access.function);
  const mod = moduleOf(e.access.function);
  const where = `${mod?.name ?? e.access.function} → ${fn?.name ?? e.access.function}`;
  const table = e.access.tableSetupItem ? ` with "${e.access.tableSetupItem}" in its allow-list` : '';
  return `Security role: ${where}, ${ACTION_WORD[e.access.action]} level not None${table}.`;
}

function operation(e: Endpoint, roots: Set<string>): Json {
  const op = e.operation;
  const def = op.kind === 'resource' ? REGISTRY.get(op.resource) : undefined;
  const schemaRef = def ? { $ref: `#/components/schemas/${componentName(def.schema)}` } : undefined;
  if (def) roots.add(def.schema);
  const pathParams = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'integer' },
  }));
  const parameters: Json[] = [CLIENT_ID, ...pathParams];
  let body: Json | undefined;
  let ok: Json = { description: 'OK', content: { 'application/json': { schema: {} } } };
  const method = op.kind === 'resource' ? op.method : undefined;
  if (method === 'list' || method === 'search') {
    parameters.push(...LIST_PARAMETERS, ...PAGING_PARAMETERS);
    ok = {
      description: 'A page of records',
      content: { 'application/json': { schema: { type: 'array', items: schemaRef ?? {} } } },
    };
  } else if (method === 'count') {
    parameters.push(...LIST_PARAMETERS.slice(0, 3));
    ok = {
      description: 'How many records match',
      content: {
        'application/json': { schema: { type: 'object', properties: { count: { type: 'integer' } } } },
      },
    };
  } else if (method === 'get') {
    parameters.push(LIST_PARAMETERS[4]!);
    ok = { description: 'The record', content: { 'application/json': { schema: schemaRef ?? {} } } };
  } else if (method === 'create' || method === 'replace') {
    body = { required: true, content: { 'application/json': { schema: schemaRef ?? {} } } };
    ok = {
      description: 'The record as stored',
      content: { 'application/json': { schema: schemaRef ?? {} } },
    };
  } else if (method === 'patch') {
    body = {
      required: true,
      content: {
        'application/json': {
          schema: { type: 'array', items: { $ref: '#/components/schemas/PatchOperation' } },
        },
      },
    };
    ok = {
      description: 'The record as stored',
      content: { 'application/json': { schema: schemaRef ?? {} } },
    };
  } else if (method === 'delete') {
    ok = { description: 'Deleted' };
  }
  const error = { $ref: '#/components/responses/Error' };
  const responses: Json = {
    [method === 'create' ? '201' : method === 'delete' ? '204' : '200']: ok,
    '400': error,
    '401': error,
    '403': error,
    ...(method && method !== 'list' && method !== 'count' && method !== 'create' ? { '404': error } : {}),
    '429': error,
  };
  const label = def?.label ?? (op.kind === 'special' ? op.name : '');
  return {
    operationId: op.kind === 'resource' ? `${op.resource}.${op.method}` : op.name,
    summary: op.kind === 'resource' ? `${op.method} ${label}` : op.name,
    description: permissionText(e),
    tags: [e.path.split('/')[1] ?? 'system'],
    parameters,
    ...(body ? { requestBody: body } : {}),
    responses,
    'x-parasol-permission': e.access,
  };
}

/** The OpenAPI document of the ConnectWise REST API below `apiBase` (…/v4_6_release/apis/3.0). */
export function psaOpenApi(options: { apiBase: string; version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const roots = new Set<string>();
  for (const e of ENDPOINTS) {
    paths[e.path] ??= {};
    paths[e.path]![e.method.toLowerCase()] = operation(e, roots);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parasol PSA — ConnectWise Manage-compatible REST API',
      version: options.version,
      description:
        'Authenticate with `Authorization: Basic base64(companyId+publicKey:privateKey)` and a `clientId` header. ' +
        'Each operation names the security-role permission it needs.',
    },
    servers: [{ url: options.apiBase }],
    security: [{ memberKey: [] }],
    paths,
    components: {
      securitySchemes: {
        memberKey: {
          type: 'http',
          scheme: 'basic',
          description: 'user: `companyId+publicKey`, password: the private key',
        },
      },
      schemas: {
        ...components(roots),
        PatchOperation: {
          type: 'object',
          required: ['op', 'path'],
          properties: {
            op: { type: 'string', enum: ['add', 'replace', 'remove'] },
            path: { type: 'string' },
            value: {},
          },
        },
        ErrorResponse: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string' },
            message: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  code: { type: 'string' },
                  message: { type: 'string' },
                  resource: { type: 'string' },
                  field: { type: 'string' },
                },
              },
            },
          },
        },
      },
      responses: {
        Error: {
          description: "An error in ConnectWise's shape",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
        },
      },
    },
  };
}

/** Serves the document at `/openapi.json`, its server URL from PSA_PUBLIC_URL or the listen address. */
export function registerPsaOpenApi(app: FastifyInstance, services: PsaServices): void {
  const byOrigin = new Map<string, Json>();
  app.get('/openapi.json', async () => {
    const origin = services.publicOrigin();
    let doc = byOrigin.get(origin);
    if (!doc) {
      doc = psaOpenApi({
        apiBase: `${origin}/${services.config.psa.codebase}/apis/3.0`,
        version: API_VERSION,
      });
      if (byOrigin.size < 16) byOrigin.set(origin, doc);
    }
    return doc;
  });
}
