// Billing reconciliation (issue 17): the outbox item's kind, subject and payload, and the per-customer
// state (con_billing_customer) the effect remembers — the agreement and line it wrote to, the
// quantities, and the last problem shown in the customer's health.
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { ConBillingCustomerTable, Database } from '../../platform/db-types.js';

type Db = Kysely<Database> | Transaction<Database>;

export const BILLING_RECONCILE = 'billing.reconcile';

/**
 * One subject per PSA company: two customers mapped to the same company, a remapping and a retry all
 * reconcile that company's agreement one at a time, each reading the lines before writing.
 */
export const billingSubject = (psaCompanyId: number) => `billing:company:${psaCompanyId}`;

const int = z.number().int().min(0).max(2_147_483_647);

export const reconcilePayload = z
  .object({
    psaCompanyId: int.min(1),
    productIdentifier: z.string().min(1).max(25),
    agreementType: z.string().min(1).max(50),
    overrideAgreementId: int.min(1).nullable(),
    quantity: int,
    explanation: z.string().max(300),
  })
  .strict();
export type ReconcilePayload = z.infer<typeof reconcilePayload>;

export interface BillingCustomerState {
  overrideAgreementId: number | null;
  psaCompanyId: number | null;
  psaAgreementId: number | null;
  psaAdditionId: number | null;
  psaQuantity: number | null;
  quantity: number | null;
  lastRunAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export async function readCustomerState(
  db: Db,
  providerId: number,
  customerId: number,
): Promise<BillingCustomerState | undefined> {
  const r = await db
    .selectFrom('con_billing_customer')
    .selectAll()
    .where('provider_id', '=', providerId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return r ? toState(r) : undefined;
}

/** The row's columns a state is made of (the key and the bookkeeping time aside). */
type StateColumns = Omit<ConBillingCustomerTable, 'provider_id' | 'customer_id' | 'updated_at'>;

export function toState(r: StateColumns): BillingCustomerState {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    overrideAgreementId: n(r.agreement_override_id),
    psaCompanyId: n(r.psa_company_id),
    psaAgreementId: n(r.psa_agreement_id),
    psaAdditionId: n(r.psa_addition_id),
    psaQuantity: n(r.psa_quantity),
    quantity: n(r.quantity),
    lastRunAt: r.last_run_at,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
  };
}

type StateChange = Partial<StateColumns>;

/** Insert-or-update of a customer's billing row (the row is created on first need). */
export async function writeCustomerState(
  db: Db,
  providerId: number,
  customerId: number,
  change: StateChange,
  at: string,
): Promise<void> {
  const updated = await db
    .updateTable('con_billing_customer')
    .set({ ...change, updated_at: at })
    .where('provider_id', '=', providerId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return;
  await db
    .insertInto('con_billing_customer')
    .values({ provider_id: providerId, customer_id: customerId, ...change, updated_at: at })
    .onConflict((oc) => oc.columns(['provider_id', 'customer_id']).doUpdateSet({ ...change, updated_at: at }))
    .execute();
}
