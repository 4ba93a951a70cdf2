// THE console API table: every route with its required role, input schemas and handler. The
// server, the OpenAPI document and the tenant-isolation test all read this one table. Handlers get
// the signed-in user's provider id and pass it to every service call (tenant isolation).

import { clientOf } from '../../platform/sign-in-guard.js';
import { ingestion } from '../ingest/index.js';
import { bindingSchema } from '../ingest/service.js';
import {
  customerCreateSchema,
  customerUpdateSchema,
  integrationSchema,
  mappingSchema,
  providerUpdateSchema,
  signInSchema,
  userCreateSchema,
  userUpdateSchema,
} from '../model/validation.js';
import { parse, publicUser } from '../service/accounts.js';
import { SESSION_ABSOLUTE_MS } from '../service/auth.js';
import { ConsoleError } from '../service/errors.js';
import { readSetup } from '../service/setup.js';
import { ingestCallerOf, remoteSources } from '../sources-remote/index.js';
import { ingestTokenCreateSchema } from '../sources-remote/ingest-tokens.js';
import { ingestNdjson, NDJSON_CONTENT_TYPE } from '../sources-remote/ndjson-endpoint.js';
import { umbrellaSettingsSchema } from '../sources-remote/umbrella-settings.js';
import { BILLING_ROUTES } from './billing-routes.js';
import { DELIVERY_ROUTES } from './delivery-routes.js';
import { actor, type ConsoleRoute, header, id, provider, queryNumber, SESSION_COOKIE } from './route-kit.js';

export { type Access, type ConsoleRoute, type RouteContext, SESSION_COOKIE } from './route-kit.js';

export const CONSOLE_ROUTES: readonly ConsoleRoute[] = [
  {
    method: 'POST',
    path: '/api/v1/session',
    summary: 'Sign in; sets the session cookie and returns the CSRF token',
    access: 'public',
    body: signInSchema,
    handler: async (c) => {
      const creds = parse(signInSchema, c.body, 'sign-in');
      // The socket's address: no X-Forwarded-For is trusted (Fastify's trustProxy is off).
      const { token, session } = await c.services.auth.signIn(
        creds.email,
        creds.password,
        clientOf(c.reply.request.ip),
      );
      c.reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        secure: c.services.tls,
        sameSite: 'strict',
        path: '/',
        maxAge: SESSION_ABSOLUTE_MS / 1000,
      });
      return {
        // Just signed in from this address, so not locked out from it.
        user: publicUser(session.user, false),
        provider: session.provider,
        csrfToken: session.csrfToken,
      };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/session',
    summary: 'The signed-in user, provider and CSRF token',
    access: 'user',
    handler: async (c) => ({
      user: await c.services.accounts.getUser(provider(c), c.session!.user.id),
      provider: c.session!.provider,
      csrfToken: c.session!.csrfToken,
    }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/session',
    summary: 'Sign out',
    access: 'user',
    status: 204,
    handler: async (c) => {
      await c.services.auth.signOut(c.session!.tokenDigest);
      c.reply.clearCookie(SESSION_COOKIE, { path: '/' });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/provider',
    summary: 'The provider account (kind MSP or MSSP)',
    access: 'user',
    handler: async (c) => c.session!.provider,
  },
  {
    method: 'PATCH',
    path: '/api/v1/provider',
    summary: 'Rename the provider or change its kind',
    access: 'admin',
    body: providerUpdateSchema,
    handler: (c) => c.services.accounts.updateProvider(provider(c), c.body, actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/setup',
    summary:
      "A new provider's setup steps, each with whether it is done (PSA integration connected, a customer, a source binding), and whether DNS data has arrived",
    access: 'user',
    handler: (c) => readSetup(c.services, provider(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/users',
    summary: 'Users of the provider',
    access: 'admin',
    handler: (c) => c.services.accounts.listUsers(provider(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/users',
    summary: 'Add a user (admin or read-only)',
    access: 'admin',
    body: userCreateSchema,
    status: 201,
    handler: (c) => c.services.accounts.createUser(provider(c), c.body, actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/users/:id',
    summary: 'One user',
    access: 'admin',
    handler: (c) => c.services.accounts.getUser(provider(c), id(c)),
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/:id',
    summary: "Change a user's name, role or password (a new password ends the user's other sessions)",
    access: 'admin',
    body: userUpdateSchema,
    handler: (c) =>
      c.services.accounts.updateUser(provider(c), id(c), c.body, actor(c), c.session!.tokenDigest),
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:id',
    summary: 'Remove a user (not the last admin)',
    access: 'admin',
    status: 204,
    handler: (c) => c.services.accounts.deleteUser(provider(c), id(c), actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/customers',
    summary: 'Customers with their mapping state',
    access: 'user',
    handler: (c) => c.services.accounts.listCustomers(provider(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/customers',
    summary: 'Add a customer (organization)',
    access: 'admin',
    body: customerCreateSchema,
    status: 201,
    handler: (c) => c.services.accounts.createCustomer(provider(c), c.body, actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id',
    summary: 'One customer',
    access: 'user',
    handler: (c) => c.services.accounts.getCustomer(provider(c), id(c)),
  },
  {
    method: 'PATCH',
    path: '/api/v1/customers/:id',
    summary: "Change a customer's name or seats",
    access: 'admin',
    body: customerUpdateSchema,
    handler: (c) => c.services.accounts.updateCustomer(provider(c), id(c), c.body, actor(c)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/customers/:id',
    summary: 'Remove a customer',
    access: 'admin',
    status: 204,
    handler: (c) => c.services.accounts.deleteCustomer(provider(c), id(c), actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id/suggestions',
    summary: 'PSA companies ranked by similarity to the customer name',
    access: 'user',
    handler: (c) => c.services.mapping.suggestions(provider(c), id(c)),
  },
  {
    method: 'PUT',
    path: '/api/v1/customers/:id/mapping',
    summary: 'Map the customer to a PSA company identifier (null unmaps)',
    access: 'admin',
    body: mappingSchema,
    handler: (c) => c.services.mapping.setMapping(provider(c), id(c), c.body, actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id/bindings',
    summary: "The customer's source bindings (Umbrella org ids, folder prefixes, …) that route events to it",
    access: 'user',
    handler: (c) => ingestion(c.services).listBindings(provider(c), id(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/customers/:id/bindings',
    summary: 'Bind a source to the customer (a value is bound to one customer of the provider at most)',
    access: 'admin',
    body: bindingSchema,
    status: 201,
    handler: (c) => ingestion(c.services).addBinding(provider(c), id(c), c.body, actor(c)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/customers/:id/bindings/:bindingId',
    summary: 'Remove a source binding (events already counted stay counted)',
    access: 'admin',
    status: 204,
    handler: (c) => ingestion(c.services).deleteBinding(provider(c), id(c), id(c, 'bindingId'), actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id/daily',
    summary: 'Daily totals (requests, allowed, blocked, per security category); ?from=&to= days YYYY-MM-DD',
    access: 'user',
    handler: (c) => ingestion(c.services).daily(provider(c), id(c), { from: c.query.from, to: c.query.to }),
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id/top-domains',
    summary: 'Top domains of a day per action; ?day= (default: latest), ?action=allowed|blocked, ?limit=',
    access: 'user',
    handler: (c) =>
      ingestion(c.services).topDomains(provider(c), id(c), {
        day: c.query.day,
        action: c.query.action,
        limit: c.query.limit,
      }),
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id/identities',
    summary: 'Identities seen (first and last seen, requests), busiest first',
    access: 'user',
    handler: (c) => ingestion(c.services).identities(provider(c), id(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id/windows',
    summary:
      "Per identity × category × window counts (blocked, total); ?category= (a security category or '*'), ?from=&to= instants",
    access: 'user',
    handler: (c) =>
      ingestion(c.services).windows(provider(c), id(c), {
        category: c.query.category,
        from: c.query.from,
        to: c.query.to,
      }),
  },
  {
    method: 'GET',
    path: '/api/v1/mappings.csv',
    summary: 'All mappings as CSV',
    access: 'user',
    produces: 'text/csv',
    handler: async (c) => {
      c.reply.header('content-type', 'text/csv; charset=utf-8');
      c.reply.header('content-disposition', 'attachment; filename="mappings.csv"');
      return c.services.mapping.exportCsv(provider(c));
    },
  },
  {
    method: 'POST',
    path: '/api/v1/mappings.csv',
    summary: 'Import mappings from CSV (bad lines are reported, the rest applied)',
    access: 'admin',
    bodyContentType: 'text/csv',
    handler: async (c) => {
      if (typeof c.body !== 'string') throw new ConsoleError('invalid', 'send the CSV as text/csv');
      return c.services.mapping.importCsv(provider(c), c.body, actor(c));
    },
  },
  {
    method: 'POST',
    path: '/api/v1/mappings/check',
    summary: 'Refresh PSA companies and mark mappings whose company disappeared',
    access: 'admin',
    handler: async (c) => ({ missing: await c.services.mapping.checkMappings(provider(c), actor(c)) }),
  },
  {
    method: 'GET',
    path: '/api/v1/psa/reference',
    summary:
      'Cached PSA reference data (companies, boards with statuses/types/subtypes/items, priorities, sources)',
    access: 'user',
    handler: (c) => c.services.mapping.reference(provider(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/psa/reference/refresh',
    summary: 'Read the reference data from the PSA again',
    access: 'admin',
    handler: (c) => c.services.mapping.refreshReference(provider(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/psa-integration',
    summary: 'PSA Integration Details (keys only as masked hints) and the last preflight',
    access: 'user',
    handler: (c) => c.services.integration.get(provider(c)),
  },
  {
    method: 'PUT',
    path: '/api/v1/psa-integration',
    summary: 'Save PSA Integration Details; runs the preflight when enabled',
    access: 'admin',
    body: integrationSchema,
    handler: (c) => c.services.integration.save(provider(c), c.body, actor(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/psa-integration/preflight',
    summary: 'Run the preflight again',
    access: 'admin',
    handler: (c) => c.services.integration.runPreflight(provider(c), actor(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/ingest-tokens',
    summary: 'Ingest tokens of the NDJSON endpoint (masked hints only)',
    access: 'admin',
    handler: (c) => remoteSources(c.services).tokens.list(provider(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/ingest-tokens',
    summary: 'Create an ingest token; its value is returned only in this answer',
    access: 'admin',
    body: ingestTokenCreateSchema,
    status: 201,
    handler: (c) => remoteSources(c.services).tokens.create(provider(c), c.body, actor(c)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/ingest-tokens/:id',
    summary: 'Revoke an ingest token (at once)',
    access: 'admin',
    status: 204,
    handler: (c) => remoteSources(c.services).tokens.revoke(provider(c), id(c), actor(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/ingest/events',
    summary:
      'Ingest DNS events: NDJSON, optionally gzip, at most 10 MiB; bad lines are reported, the rest ingested; Idempotency-Key makes a retry a no-op',
    access: 'ingest-token',
    bodyContentType: NDJSON_CONTENT_TYPE,
    handler: async (c) => {
      const type = (header(c, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== NDJSON_CONTENT_TYPE)
        throw new ConsoleError(
          'invalid',
          `Send the events as ${NDJSON_CONTENT_TYPE}, one JSON object per line.`,
        );
      return ingestNdjson(remoteSources(c.services).sink, ingestCallerOf(c.reply.request).providerId, {
        body: c.body as AsyncIterable<Buffer>,
        contentLength: header(c, 'content-length'),
        contentEncoding: header(c, 'content-encoding'),
        idempotencyKey: header(c, 'idempotency-key'),
      });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/umbrella-api',
    summary: 'Umbrella Reporting API settings (key and secret only as masked hints)',
    access: 'user',
    handler: (c) => remoteSources(c.services).umbrella.get(provider(c)),
  },
  {
    method: 'PUT',
    path: '/api/v1/umbrella-api',
    summary: 'Save the Umbrella Reporting API key, secret and base URL (sealed); omitted keys are kept',
    access: 'admin',
    body: umbrellaSettingsSchema,
    handler: (c) => remoteSources(c.services).umbrella.save(provider(c), c.body, actor(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/umbrella-api/poll',
    summary: "Read the Reporting API now for every organization bound to a customer ('umbrella-org')",
    access: 'admin',
    handler: async (c) => ({
      // At most 3 hours of 5-minute windows per organization and request; call again to catch up.
      organizations: await remoteSources(c.services).pollUmbrella(provider(c), {
        ingest: { maxWindowsPerRun: 36 },
      }),
    }),
  },
  {
    method: 'GET',
    path: '/api/v1/audit',
    summary: 'Admin audit log',
    access: 'admin',
    handler: async (c) =>
      c.services.store.listAudit(provider(c), Math.min(queryNumber(c, 'limit') ?? 200, 1000)),
  },
  ...DELIVERY_ROUTES,
  ...BILLING_ROUTES,
];
