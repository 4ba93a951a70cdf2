// Billing reconciliation (issue 17), the console's side of it: billing settings and per-customer
// agreement overrides (audited), what a seat is per customer (configured seats, distinct roaming
// computers and AD users seen in the last N days, or the larger), the preview (reads the PSA, writes
// nothing) and the run, which enqueues one 'billing.reconcile' outbox item per mapped customer in one
// transaction. The preview and the effect decide with the same reads and the same table.
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db-types.js';
import {
  type BillingSettings,
  billingSettingsSchema,
  DEFAULT_BILLING_SETTINGS,
  decide,
  reasonOf,
  SEAT_IDENTITY_TYPES,
  type SeatCount,
  type Situation,
  seatCount,
} from '../billing/index.js';
import type { OutboxItemInput } from '../engine/types.js';
import { type ConnectWiseApi, ConnectWiseError } from '../psa-client/types.js';
import { parse } from '../service/accounts.js';
import { ConsoleError, notFound } from '../service/errors.js';
import type { ConsoleStore } from '../store/console-store.js';
import { AGREEMENTS, type CwAgreement, catalogItem, observe } from './billing-psa.js';
import {
  BILLING_RECONCILE,
  type BillingCustomerState,
  billingSubject,
  type ReconcilePayload,
  toState,
  writeCustomerState,
} from './billing-state.js';
import type { OutboxWriter } from './config-sync.js';

const DAY_MS = 86_400_000;
const CHUNK = 500;

export const REASON_UNMAPPED = 'Not mapped to a PSA company: map the customer to bill its seats.';
export const REASON_MISSING =
  'The PSA company this customer was mapped to no longer exists: map the customer again to bill its seats.';

export interface BillingPreviewRow {
  customerId: number;
  name: string;
  /** The line's quantity in the PSA (null when the customer cannot be billed). */
  psaQuantity: number | null;
  quantity: number;
  difference: number;
  reason: string;
  monthlyChange: number;
  action: 'create' | 'patch' | 'none' | 'report';
  situation: Situation | 'unmapped' | 'psa-refused';
  agreementId: number | null;
  seats: SeatCount;
}

export interface BillingPreview {
  settings: BillingSettings;
  /** The catalogue's price of the product (new lines), or null when the PSA's catalogue lacks it. */
  productPrice: number | null;
  productFound: boolean;
  /** Why the catalogue could not be read, when it could not. */
  catalogProblem: string | null;
  rows: BillingPreviewRow[];
  totals: { writes: number; difference: number; monthlyChange: number; problems: number };
}

export interface BillingRunSummary {
  enqueued: number;
  notBilled: Array<{ customerId: number; reason: string }>;
  itemIds: number[];
}

export interface BillingCustomerStatus extends BillingCustomerState {
  customerId: number;
  name: string;
  mappingState: string;
}

interface Customer {
  id: number;
  name: string;
  seats: number;
  mappingState: string;
  psaCompanyId: number | null;
}

export class BillingService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: ConsoleStore,
    private readonly clock: Clock,
    private readonly outbox: OutboxWriter,
    private readonly clientFor: (providerId: number) => Promise<ConnectWiseApi>,
  ) {}

  async settings(providerId: number): Promise<BillingSettings> {
    const r = await this.db
      .selectFrom('con_billing_settings')
      .selectAll()
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    if (!r) return { ...DEFAULT_BILLING_SETTINGS };
    return {
      mode: r.mode,
      productIdentifier: r.product_identifier,
      agreementType: r.agreement_type,
      seatBasis: r.seat_basis,
      identityDays: Number(r.identity_days),
    };
  }

  async saveSettings(providerId: number, input: unknown, actor: string): Promise<BillingSettings> {
    const next = parse(billingSettingsSchema, input, 'billing settings');
    const before = await this.settings(providerId);
    const at = this.clock.now().toISOString();
    const row = {
      mode: next.mode,
      product_identifier: next.productIdentifier,
      agreement_type: next.agreementType,
      seat_basis: next.seatBasis,
      identity_days: next.identityDays,
      updated_at: at,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('con_billing_settings')
        .values({ provider_id: providerId, ...row })
        .onConflict((oc) => oc.column('provider_id').doUpdateSet(row))
        .execute();
      // Another type or product: the remembered agreements and lines are for the old one.
      if (
        before.agreementType !== next.agreementType ||
        before.productIdentifier.toLowerCase() !== next.productIdentifier.toLowerCase()
      )
        await trx
          .updateTable('con_billing_customer')
          .set({ psa_company_id: null, psa_agreement_id: null, psa_addition_id: null, updated_at: at })
          .where('provider_id', '=', providerId)
          .execute();
      await this.store.audit(
        {
          providerId,
          at,
          actor,
          action: 'billing.settings',
          detail: `${next.mode}; ${next.productIdentifier}; agreement type ${next.agreementType}; seats ${next.seatBasis} (${next.identityDays} days)`,
        },
        trx,
      );
    });
    return next;
  }

  private async customers(providerId: number, customerIds?: readonly number[]): Promise<Customer[]> {
    let q = this.db
      .selectFrom('con_customer')
      .select(['id', 'name', 'seats', 'mapping_state', 'psa_company_id'])
      .where('provider_id', '=', providerId);
    if (customerIds !== undefined) {
      const wanted = [...new Set(customerIds)];
      if (wanted.length === 0)
        throw new ConsoleError('invalid', 'customerIds must name at least one customer');
      q = q.where('id', 'in', wanted);
    }
    const rows = (await q.orderBy('name').orderBy('id').execute()).map((r) => ({
      id: Number(r.id),
      name: r.name,
      seats: Number(r.seats),
      mappingState: r.mapping_state,
      psaCompanyId: r.psa_company_id === null ? null : Number(r.psa_company_id),
    }));
    if (customerIds !== undefined) {
      const known = new Set(rows.map((c) => c.id));
      const unknown = [...new Set(customerIds)].filter((id) => !known.has(id));
      if (unknown.length > 0) throw notFound(`customer ${unknown.join(', ')}`);
    }
    return rows;
  }

  private async customerOf(providerId: number, customerId: number): Promise<Customer> {
    const found = (await this.customers(providerId)).find((c) => c.id === customerId);
    // The same answer for another provider's customer as for one that does not exist.
    if (!found) throw notFound('customer');
    return found;
  }

  /** Distinct roaming computers and AD users per customer seen since now − days (networks excluded). */
  async identitiesSeen(
    providerId: number,
    customerIds: readonly number[],
    days: number,
  ): Promise<Map<number, number>> {
    const since = new Date(this.clock.now().getTime() - days * DAY_MS).toISOString();
    const out = new Map<number, number>();
    for (let i = 0; i < customerIds.length; i += CHUNK) {
      const ids = customerIds.slice(i, i + CHUNK);
      const rows = await this.db
        .selectFrom('con_agg_identity')
        .select(['customer_id', (eb) => eb.fn.countAll().as('n')])
        .where('provider_id', '=', providerId)
        .where('customer_id', 'in', ids)
        .where('type', 'in', [...SEAT_IDENTITY_TYPES])
        .where('last_seen', '>=', since)
        .groupBy('customer_id')
        .execute();
      for (const r of rows) out.set(Number(r.customer_id), Number(r.n));
    }
    return out;
  }

  private async seatsOf(providerId: number, settings: BillingSettings, customers: readonly Customer[]) {
    const seen =
      settings.seatBasis === 'configured' || customers.length === 0
        ? new Map<number, number>()
        : await this.identitiesSeen(
            providerId,
            customers.map((c) => c.id),
            settings.identityDays,
          );
    return new Map(
      customers.map((c) => [
        c.id,
        seatCount(settings.seatBasis, c.seats, seen.get(c.id) ?? 0, settings.identityDays),
      ]),
    );
  }

  private async states(providerId: number): Promise<Map<number, BillingCustomerState>> {
    const rows = await this.db
      .selectFrom('con_billing_customer')
      .selectAll()
      .where('provider_id', '=', providerId)
      .execute();
    return new Map(rows.map((r) => [Number(r.customer_id), toState(r)]));
  }

  /** Picks the agreement of one customer (an id from the PSA's list), or null to go back to "by type". */
  async setOverride(providerId: number, customerId: number, agreementId: number | null, actor: string) {
    const customer = await this.customerOf(providerId, customerId);
    const at = this.clock.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await writeCustomerState(
        trx,
        providerId,
        customer.id,
        {
          agreement_override_id: agreementId,
          psa_agreement_id: null,
          psa_addition_id: null,
          psa_company_id: null,
        },
        at,
      );
      await this.store.audit(
        {
          providerId,
          at,
          actor,
          action: 'billing.override',
          detail: `${customer.name}: ${agreementId === null ? 'agreement by type' : `agreement ${agreementId}`}`,
        },
        trx,
      );
    });
    return { customerId: customer.id, agreementId };
  }

  /** The mapped company's agreements in the PSA, for the override picker. */
  async agreementsOf(providerId: number, customerId: number) {
    const customer = await this.customerOf(providerId, customerId);
    // An unmapped customer has no company, so no agreement to pick from.
    if (customer.mappingState !== 'mapped' || customer.psaCompanyId === null) return [];
    const api = await this.clientFor(providerId);
    const rows = await api.listAll<CwAgreement>(AGREEMENTS, {
      conditions: `company/id=${customer.psaCompanyId}`,
      orderBy: 'name asc',
      pageSize: 1000,
    });
    return rows.map((a) => ({
      id: a.id,
      name: a.name ?? '',
      type: a.type?.name ?? null,
      status: a.cancelledFlag === true ? 'Cancelled' : (a.agreementStatus ?? 'Active'),
    }));
  }

  /** Per customer: the billing state and its last problem (health). */
  async status(
    providerId: number,
  ): Promise<{ settings: BillingSettings; customers: BillingCustomerStatus[] }> {
    const [settings, customers, states] = await Promise.all([
      this.settings(providerId),
      this.customers(providerId),
      this.states(providerId),
    ]);
    return {
      settings,
      customers: customers.map((c) => ({
        customerId: c.id,
        name: c.name,
        mappingState: c.mappingState,
        ...(states.get(c.id) ?? emptyState()),
      })),
    };
  }

  /**
   * What "on" would write, per customer, read from the PSA now; writes nothing. Works in every mode,
   * so an MSP sees the effect before turning billing on.
   */
  async preview(
    providerId: number,
    options: { customerIds?: readonly number[] } = {},
  ): Promise<BillingPreview> {
    const settings = await this.settings(providerId);
    const customers = await this.customers(providerId, options.customerIds);
    const seats = await this.seatsOf(providerId, settings, customers);
    const states = await this.states(providerId);
    const api = await this.clientFor(providerId);
    // A PSA that refuses a read (a role without the billing rows) is shown per customer, not as a failure.
    const refused = (e: unknown) => {
      if (e instanceof ConnectWiseError && e.kind === 'http') return e.message;
      throw e;
    };
    let catalogProblem: string | undefined;
    const product = await catalogItem(api, settings.productIdentifier).catch((e: unknown) => {
      catalogProblem = refused(e);
      return undefined;
    });
    const productPrice = typeof product?.price === 'number' ? product.price : 0;
    const now = this.clock.now();
    const rows: BillingPreviewRow[] = [];
    for (const c of customers) {
      const s = seats.get(c.id)!;
      if (c.mappingState !== 'mapped' || c.psaCompanyId === null) {
        rows.push({
          customerId: c.id,
          name: c.name,
          psaQuantity: null,
          quantity: s.quantity,
          difference: 0,
          reason: c.mappingState === 'missing' ? REASON_MISSING : REASON_UNMAPPED,
          monthlyChange: 0,
          action: 'report',
          situation: 'unmapped',
          agreementId: null,
          seats: s,
        });
        continue;
      }
      const state = states.get(c.id);
      let observation: Awaited<ReturnType<typeof observe>>;
      try {
        observation = await observe(api, targetOf(settings, c.psaCompanyId, state), now);
      } catch (e) {
        rows.push({
          customerId: c.id,
          name: c.name,
          psaQuantity: null,
          quantity: s.quantity,
          difference: 0,
          reason: `The PSA refused a billing read (see the preflight's billing rows): ${refused(e)}`,
          monthlyChange: 0,
          action: 'report',
          situation: 'psa-refused',
          agreementId: null,
          seats: s,
        });
        continue;
      }
      const decision = decide({
        agreementType: settings.agreementType,
        productIdentifier: settings.productIdentifier,
        agreement: observation.agreement,
        lines: observation.lines,
        quantity: s.quantity,
        productPrice,
      });
      rows.push({
        customerId: c.id,
        name: c.name,
        psaQuantity:
          decision.action === 'report' && observation.lines.length === 0 ? null : decision.psaQuantity,
        quantity: s.quantity,
        difference: decision.difference,
        reason: reasonOf(decision, s),
        monthlyChange: decision.monthlyChange,
        action: decision.action,
        situation: decision.situation,
        agreementId: decision.agreementId,
        seats: s,
      });
    }
    const writes = rows.filter((r) => r.action === 'create' || r.action === 'patch');
    return {
      settings,
      productPrice: product ? productPrice : null,
      productFound: product !== undefined,
      catalogProblem: catalogProblem ?? null,
      rows,
      totals: {
        writes: writes.length,
        difference: writes.reduce((n, r) => n + r.difference, 0),
        monthlyChange: Math.round(writes.reduce((n, r) => n + r.monthlyChange, 0) * 100) / 100,
        problems: rows.filter((r) => r.action === 'report').length,
      },
    };
  }

  /**
   * Enqueues one 'billing.reconcile' per mapped customer (all, or `customerIds`) in ONE transaction.
   * Refused unless billing is on; unmapped customers get a reason in their billing health instead.
   */
  async run(
    providerId: number,
    options: { customerIds?: readonly number[] } = {},
  ): Promise<BillingRunSummary> {
    const settings = await this.settings(providerId);
    if (settings.mode !== 'on')
      throw new ConsoleError(
        'conflict',
        `Billing is ${settings.mode} for this provider: turn it on to write to the PSA (the preview writes nothing).`,
      );
    const customers = await this.customers(providerId, options.customerIds);
    const seats = await this.seatsOf(providerId, settings, customers);
    const states = await this.states(providerId);
    const now = this.clock.now();
    const at = now.toISOString();
    const items: OutboxItemInput[] = [];
    const notBilled: BillingRunSummary['notBilled'] = [];
    for (const c of customers) {
      if (c.mappingState !== 'mapped' || c.psaCompanyId === null) {
        notBilled.push({
          customerId: c.id,
          reason: c.mappingState === 'missing' ? REASON_MISSING : REASON_UNMAPPED,
        });
        continue;
      }
      const s = seats.get(c.id)!;
      const payload: ReconcilePayload = {
        psaCompanyId: c.psaCompanyId,
        productIdentifier: settings.productIdentifier,
        agreementType: settings.agreementType,
        overrideAgreementId: states.get(c.id)?.overrideAgreementId ?? null,
        quantity: s.quantity,
        explanation: s.explanation.slice(0, 300),
      };
      items.push({
        providerId,
        customerId: c.id,
        kind: BILLING_RECONCILE,
        subject: billingSubject(c.psaCompanyId),
        payload,
      });
    }
    return this.db.transaction().execute(async (trx) => {
      const itemIds = items.length > 0 ? await this.outbox.enqueue(trx, items, now.getTime()) : [];
      for (const n of notBilled)
        await writeCustomerState(
          trx,
          providerId,
          n.customerId,
          { last_error: n.reason, last_error_at: at },
          at,
        );
      return { enqueued: items.length, notBilled, itemIds };
    });
  }

  /** Providers whose billing is on (the daily schedule runs these). */
  async providersOn(): Promise<number[]> {
    const rows = await this.db
      .selectFrom('con_billing_settings')
      .select('provider_id')
      .where('mode', '=', 'on')
      .execute();
    return rows.map((r) => Number(r.provider_id));
  }
}

function emptyState(): BillingCustomerState {
  return {
    overrideAgreementId: null,
    psaCompanyId: null,
    psaAgreementId: null,
    psaAdditionId: null,
    psaQuantity: null,
    quantity: null,
    lastRunAt: null,
    lastError: null,
    lastErrorAt: null,
  };
}

function targetOf(settings: BillingSettings, psaCompanyId: number, state: BillingCustomerState | undefined) {
  return {
    psaCompanyId,
    agreementType: settings.agreementType,
    productIdentifier: settings.productIdentifier,
    overrideAgreementId: state?.overrideAgreementId ?? null,
    remembered:
      state?.psaAgreementId != null && state.psaCompanyId != null
        ? { companyId: state.psaCompanyId, agreementId: state.psaAgreementId }
        : null,
  };
}
