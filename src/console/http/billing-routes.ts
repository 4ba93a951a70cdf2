// Console API routes of billing reconciliation (issue 17): settings, the per-customer agreement
// override (picked from the PSA's list), the preview, a run on demand and each customer's billing
// state. Part of THE console route table (routes.ts appends them), with the role each route needs.
import { z } from 'zod';
import { billingOverrideSchema, billingSettingsSchema } from '../billing/index.js';
import { delivery } from '../delivery/index.js';
import { parse } from '../service/accounts.js';
import { actor, type ConsoleRoute, id, provider } from './route-kit.js';

const customersBody = z
  .object({ customerIds: z.array(z.number().int().min(1).max(2_147_483_647)).min(1).max(10_000).optional() })
  .strict();

const only = (body: unknown) => {
  const b = parse(customersBody, body ?? {}, 'billing request');
  return b.customerIds ? { customerIds: b.customerIds } : {};
};

export const BILLING_ROUTES: readonly ConsoleRoute[] = [
  {
    method: 'GET',
    path: '/api/v1/billing',
    summary: 'Billing: the settings and each customer’s agreement override, last reconciliation and problem',
    access: 'user',
    handler: (c) => delivery(c.services).billing.status(provider(c)),
  },
  {
    method: 'PUT',
    path: '/api/v1/billing/settings',
    summary: 'Billing settings: off / preview / on, the product, the agreement type, what a seat is',
    access: 'admin',
    body: billingSettingsSchema,
    handler: (c) => delivery(c.services).billing.saveSettings(provider(c), c.body, actor(c)),
  },
  {
    method: 'POST',
    path: '/api/v1/billing/preview',
    summary:
      'Per customer: the PSA’s quantity, Parasol’s, the difference, its reason and the monthly amount it changes; writes nothing',
    access: 'user',
    body: customersBody,
    handler: (c) => delivery(c.services).billing.preview(provider(c), only(c.body)),
  },
  {
    method: 'POST',
    path: '/api/v1/billing/run',
    summary:
      'Reconcile now (billing must be on): one outbox write per mapped customer whose quantity differs',
    access: 'admin',
    body: customersBody,
    handler: async (c) => {
      const d = delivery(c.services);
      const summary = await d.billing.run(provider(c), only(c.body));
      d.wake();
      await c.services.store.audit({
        providerId: provider(c),
        at: c.services.clock.now().toISOString(),
        actor: actor(c),
        action: 'billing.run',
        detail: `${summary.enqueued} customer(s) queued`,
      });
      return summary;
    },
  },
  {
    method: 'GET',
    path: '/api/v1/customers/:id/billing-agreements',
    summary: 'The mapped company’s agreements in the PSA (for the override picker)',
    access: 'user',
    handler: (c) => delivery(c.services).billing.agreementsOf(provider(c), id(c)),
  },
  {
    method: 'PUT',
    path: '/api/v1/customers/:id/billing-agreement',
    summary: 'Pick the agreement that receives this customer’s line (null: by agreement type)',
    access: 'admin',
    body: billingOverrideSchema,
    handler: (c) => {
      const body = parse(billingOverrideSchema, c.body, 'billing override');
      return delivery(c.services).billing.setOverride(provider(c), id(c), body.agreementId, actor(c));
    },
  },
];
