// Billing reconciliation (issue 17), the PSA write: 'billing.reconcile' brings one customer's addition
// line for the product on its agreement to Parasol's quantity. Every attempt — first, retried or
// ambiguous — reads the lines for (agreement, product) before writing, so a retry after a timeout or a
// 500 that committed finds the line it created and PATCHes or leaves it instead of adding a second;
// a duplicate found is reported, never written to. The decision is the pure table in console/billing.
import { type AgreementFinding, decide } from '../billing/index.js';
import type { Effect, EffectDone, Effects } from '../engine/types.js';
import { additionsPath, catalogItem, confirmAgreement, observe } from './billing-psa.js';
import {
  BILLING_RECONCILE,
  readCustomerState,
  reconcilePayload,
  writeCustomerState,
} from './billing-state.js';
import { parsePayload } from './config-sync-state.js';

export class BillingProductMissingError extends Error {
  override readonly name = 'BillingProductMissingError';
  readonly permanent = true;
}

const reconcile: Effect = async (ctx) => {
  const p = parsePayload(reconcilePayload, BILLING_RECONCILE, ctx.item.payload);
  const providerId = ctx.item.providerId;
  const customerId = ctx.item.customerId;
  if (customerId === null) throw new TypeError(`${BILLING_RECONCILE} needs a customer`);
  const at = ctx.now.toISOString();
  const state = await readCustomerState(ctx.db, providerId, customerId);
  const remembered =
    state?.psaAgreementId != null && state.psaCompanyId != null
      ? { companyId: state.psaCompanyId, agreementId: state.psaAgreementId }
      : null;
  const observation = await observe(
    ctx.api,
    {
      psaCompanyId: p.psaCompanyId,
      agreementType: p.agreementType,
      productIdentifier: p.productIdentifier,
      overrideAgreementId: p.overrideAgreementId,
      remembered,
    },
    ctx.now,
  );
  const facts = (agreement: AgreementFinding) => ({
    agreementType: p.agreementType,
    productIdentifier: p.productIdentifier,
    agreement,
    lines: observation.lines,
    quantity: p.quantity,
    productPrice: 0,
  });
  let decision = decide(facts(observation.agreement));
  // Never write to an agreement known only from memory: confirm it is still the company's and active.
  if (decision.action === 'create' || decision.action === 'patch')
    decision = decide(facts(await confirmAgreement(ctx.api, observation, p.psaCompanyId)));

  const agreementId = decision.agreementId;
  let additionId = decision.lineId ?? (observation.lines.length === 1 ? observation.lines[0]!.id : null);
  let result: Record<string, unknown> = { situation: decision.situation, quantity: p.quantity };
  switch (decision.action) {
    case 'create': {
      const product = await catalogItem(ctx.api, p.productIdentifier);
      if (!product)
        throw new BillingProductMissingError(
          `Product ${p.productIdentifier} is not in the PSA's product catalog (Procurement → Product Catalog): add it, or change the billing product.`,
        );
      const path = additionsPath(agreementId!);
      const created = await ctx.api.post<{ id: number }>(path, {
        product: { id: product.id },
        quantity: p.quantity,
        billCustomer: 'Billable',
        effectiveDate: `${at.slice(0, 10)}T00:00:00Z`,
      });
      additionId = created.id;
      ctx.logWrite({
        method: 'POST',
        path,
        status: 201,
        outcome: 'ok',
        detail: `billing: added ${p.productIdentifier} × ${p.quantity} to agreement ${agreementId} (line ${created.id}; ${p.explanation})`,
      });
      result = { ...result, additionId: created.id, created: true };
      break;
    }
    case 'patch': {
      const path = `${additionsPath(agreementId!)}/${decision.lineId}`;
      await ctx.api.patch(path, [{ op: 'replace', path: 'quantity', value: p.quantity }]);
      ctx.logWrite({
        method: 'PATCH',
        path,
        status: 200,
        outcome: 'ok',
        detail: `billing: ${p.productIdentifier} ${decision.psaQuantity} → ${p.quantity} on agreement ${agreementId} (${p.explanation})`,
      });
      result = { ...result, additionId: decision.lineId, from: decision.psaQuantity };
      break;
    }
    case 'report':
      ctx.logWrite({
        method: 'GET',
        path: agreementId === null ? '/finance/agreements' : additionsPath(agreementId),
        status: 200,
        outcome: 'skipped',
        detail: `billing: nothing written — ${decision.problem}`,
      });
      result = { ...result, problem: decision.problem };
      break;
    case 'none':
      break;
  }
  const done: EffectDone = {
    result,
    apply: async (trx) => {
      const written =
        decision.action === 'create' || decision.action === 'patch' || decision.action === 'none';
      await writeCustomerState(
        trx,
        providerId,
        customerId,
        written
          ? {
              psa_company_id: p.psaCompanyId,
              psa_agreement_id: agreementId,
              psa_addition_id: additionId,
              psa_quantity: p.quantity,
              quantity: p.quantity,
              last_run_at: at,
              last_error: null,
              last_error_at: null,
            }
          : {
              // A problem forgets the remembered agreement so the next run looks it up again.
              psa_company_id: null,
              psa_agreement_id: null,
              psa_addition_id: null,
              psa_quantity: decision.psaQuantity,
              quantity: p.quantity,
              last_run_at: at,
              last_error: decision.problem,
              last_error_at: at,
            },
        at,
      );
    },
  };
  return done;
};

export const billingEffects: Effects = { [BILLING_RECONCILE]: reconcile };
