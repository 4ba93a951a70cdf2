// Console API routes of ticketing, configuration sync, activity and health (CON-7 … CON-11): part
// of THE console route table (routes.ts appends them), with the role each route needs.
import { z } from 'zod';
import { MAX_ID } from '../../platform/input-guard.js';
import { delivery } from '../delivery/index.js';
import { ruleCreateSchema, ruleOverrideSchema, ruleUpdateSchema } from '../delivery/ticket-rules.js';
import { simulateSchema } from '../delivery/ticket-simulator.js';
import { ConsoleError } from '../service/errors.js';
import { actor, type ConsoleRoute, id, provider, queryNumber } from './route-kit.js';

const customerId = z.number().int().min(1).max(MAX_ID);
const syncBody = z.object({ customerIds: z.array(customerId).max(10_000).optional() }).strict();
const retryBody = z.object({ customerId: customerId.optional() }).strict();

export const DELIVERY_ROUTES: readonly ConsoleRoute[] = [
  {
    method: 'GET',
    path: '/api/v1/ticket-rules',
    summary: "The provider's ticket rules (Umbrella's default rule is created on first read)",
    access: 'user',
    handler: (c) => delivery(c.services).rules.listRules(provider(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/ticket-rules',
    summary: 'Create a ticket rule (settings omitted take the default rule values)',
    access: 'admin',
    body: ruleCreateSchema,
    status: 201,
    handler: (c) => delivery(c.services).rules.createRule(provider(c), c.body, actor(c)),
  },
  {
    method: 'PATCH',
    path: '/api/v1/ticket-rules/:id',
    summary: "Change a rule's name, enabled flag or settings",
    access: 'admin',
    body: ruleUpdateSchema,
    handler: (c) => delivery(c.services).rules.updateRule(provider(c), id(c), c.body, actor(c)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/ticket-rules/:id',
    summary: 'Delete a rule and its overrides (tickets already raised stay in the PSA)',
    access: 'admin',
    status: 204,
    handler: (c) => delivery(c.services).rules.deleteRule(provider(c), id(c), actor(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/ticket-rules/simulate',
    summary:
      'Threshold simulator: tickets a proposed rule (a saved rule with changes, or the default) would have raised per customer and day, replaying stored counts; nothing is saved',
    access: 'user',
    body: simulateSchema,
    handler: (c) => delivery(c.services).simulator.simulate(provider(c), c.body),
  },
  {
    method: 'GET',
    path: '/api/v1/ticket-rules/:id/overrides',
    summary: "The rule's per-customer overrides",
    access: 'user',
    handler: async (c) => {
      await delivery(c.services).rules.getRule(provider(c), id(c));
      return delivery(c.services).rules.listOverrides(provider(c), id(c));
    },
  },
  {
    method: 'PUT',
    path: '/api/v1/ticket-rules/:id/overrides/:customerId',
    summary: "Set a customer's override of the rule",
    access: 'admin',
    body: ruleOverrideSchema,
    handler: (c) =>
      delivery(c.services).rules.setOverride(provider(c), id(c), id(c, 'customerId'), c.body ?? {}, actor(c)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/ticket-rules/:id/overrides/:customerId',
    summary: "Remove a customer's override (the rule applies as it is)",
    access: 'admin',
    status: 204,
    handler: async (c) => {
      await delivery(c.services).rules.setOverride(provider(c), id(c), id(c, 'customerId'), null, actor(c));
    },
  },
  {
    method: 'GET',
    path: '/api/v1/tickets',
    summary: 'Tracked tickets (state, PSA ticket id, identity, reason); ?customerId=&state=',
    access: 'user',
    handler: (c) =>
      delivery(c.services).tracks(provider(c), {
        customerId: queryNumber(c, 'customerId'),
        state: c.query.state,
      }),
  },
  {
    method: 'POST',
    path: '/api/v1/tickets/poll',
    summary: 'Ask the PSA now which tracked tickets were closed (otherwise polled on a schedule)',
    access: 'admin',
    handler: (c) => delivery(c.services).ticketStatus.pollProvider(provider(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/config-sync',
    summary: 'Configuration sync: the configuration type and each customer’s last sync',
    access: 'user',
    handler: (c) => delivery(c.services).configSyncStatus(provider(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/config-sync/run',
    summary: 'Sync configurations now (all mapped customers, or the ones given)',
    access: 'admin',
    body: syncBody,
    handler: async (c) => {
      const body = syncBody.safeParse(c.body ?? {});
      if (!body.success) throw new ConsoleError('invalid', 'customerIds must be a list of customer ids');
      const d = delivery(c.services);
      const summary = await d.configSync.syncProvider(
        provider(c),
        body.data.customerIds ? { customerIds: body.data.customerIds } : {},
      );
      d.wake();
      await c.services.store.audit({
        providerId: provider(c),
        at: new Date(c.services.clock.now()).toISOString(),
        actor: actor(c),
        action: 'config-sync.run',
        detail: `${summary.enqueued} customer(s) queued`,
      });
      return summary;
    },
  },
  {
    method: 'GET',
    path: '/api/v1/activity/customers',
    summary: 'Per customer: mapping state, last configuration sync, last ticket, last error, pending writes',
    access: 'user',
    handler: (c) => delivery(c.services).activity.customers(provider(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/activity/integration',
    summary: "The PSA integration's health: circuit (closed/open and why), last success, queue",
    access: 'user',
    handler: (c) => delivery(c.services).activity.integration(provider(c)),
  },
  {
    method: 'GET',
    path: '/api/v1/activity/psa-writes',
    summary:
      'The log of PSA writes, newest first (method, path, status, outcome); ?customerId=&beforeId=&limit=',
    access: 'user',
    handler: (c) =>
      delivery(c.services).activity.writeLog(provider(c), {
        customerId: queryNumber(c, 'customerId'),
        beforeId: queryNumber(c, 'beforeId'),
        limit: queryNumber(c, 'limit'),
      }),
  },
  {
    method: 'POST',
    path: '/api/v1/activity/retry',
    summary: 'Retry failed PSA writes (of one customer, or all)',
    access: 'admin',
    body: retryBody,
    handler: async (c) => {
      const body = retryBody.safeParse(c.body ?? {});
      if (!body.success) throw new ConsoleError('invalid', 'customerId must be a customer id');
      const retried = await delivery(c.services).retry(provider(c), body.data.customerId);
      await c.services.store.audit({
        providerId: provider(c),
        at: new Date(c.services.clock.now()).toISOString(),
        actor: actor(c),
        action: 'psa-writes.retry',
        detail: `${retried} write(s)${body.data.customerId ? ` of customer ${body.data.customerId}` : ''}`,
      });
      return { retried };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/psa-callbacks/:id/:token',
    summary:
      'Where the PSA posts ticket callbacks (registered by the console; the token in the path authenticates it)',
    access: 'public',
    handler: async (c) => {
      const token = c.params.token ?? '';
      const outcome = await delivery(c.services).ticketStatus.handleCallback(id(c), token, c.body, c.query);
      if (outcome.outcome === 'refused') throw new ConsoleError('forbidden', 'unknown callback');
      return { outcome: outcome.outcome };
    },
  },
];
