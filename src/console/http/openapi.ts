// The console API's OpenAPI 3.1 document, generated from the route table and the same zod schemas
// the services validate with, so the document cannot drift from what the API accepts.
import { zodToJsonSchema } from 'zod-to-json-schema';
import { CONSOLE_ROUTES, type ConsoleRoute, SESSION_COOKIE } from './routes.js';

export function consoleOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of CONSOLE_ROUTES) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: m[1] === 'token' ? { type: 'string' } : { type: 'integer', minimum: 1 },
    }));
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = operation(r, params);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parasol console API',
      version,
      description:
        'The MSP/MSSP security console: providers, users, customers, company mapping and PSA Integration Details. ' +
        `Sign in with POST /api/v1/session; send the session cookie (${SESSION_COOKIE}) and, on every change, the ` +
        'CSRF token in the x-csrf-token header.',
    },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        ingestToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An ingest token (POST /api/v1/ingest-tokens)',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    paths,
  };
}

function operation(r: ConsoleRoute, parameters: unknown[]): Record<string, unknown> {
  const unsafe = r.method !== 'GET';
  const op: Record<string, unknown> = {
    summary: r.summary,
    operationId: `${r.method.toLowerCase()}${r.path.replace(/[/:.](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
    parameters,
    'x-required-role': r.access,
    security:
      r.access === 'public'
        ? []
        : r.access === 'ingest-token'
          ? [{ ingestToken: [] }]
          : unsafe
            ? [{ session: [], csrf: [] }]
            : [{ session: [] }],
    responses: {
      [String(r.status ?? 200)]: {
        description: 'Success',
        ...(r.status === 204 ? {} : { content: { [r.produces ?? 'application/json']: {} } }),
      },
      '400': {
        description: 'Invalid input',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
      ...(r.access === 'public'
        ? {}
        : { '401': { description: 'Not signed in' }, '403': { description: 'Role or CSRF token missing' } }),
      '404': { description: 'Not found (also: another provider’s ids)' },
    },
  };
  if (r.body) {
    // OpenAPI 3.1 schemas are JSON Schema 2020-12: null is a type (the 3.0 target's `nullable: true`
    // is not a keyword there, so a 3.1 reader would refuse the null that unmaps a customer).
    const { $schema: _dialect, ...schema } = zodToJsonSchema(r.body, {
      target: 'jsonSchema2019-09',
      $refStrategy: 'none',
    }) as Record<string, unknown>;
    op.requestBody = { required: true, content: { 'application/json': { schema } } };
  } else if (r.bodyContentType) {
    op.requestBody = { required: true, content: { [r.bodyContentType]: { schema: { type: 'string' } } } };
  }
  return op;
}
