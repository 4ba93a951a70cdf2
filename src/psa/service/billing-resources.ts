// The ConnectWise collections per-seat billing reads and writes (issue 17, docs/billing.md): agreement
// types (a Table Setup table), the product catalog, agreements and their additions, with the rules
// ConnectWise applies that a billing integration relies on (computed billedQuantity, agreementStatus).
import { FN, TABLE } from '../catalog/index.js';
import { invalidObject, type PsaError } from '../model/errors.js';
import type { Doc } from '../store/records.js';
import type { ResourceDef } from './resource-def.js';
import { ALL_METHODS } from './resource-def.js';

function invalid(resource: string, field: string, code: string, message: string): PsaError {
  return invalidObject(resource, [{ code, message, resource, field }]);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** Money and quantities as ConnectWise shows them: no binary-float tails (0.1 * 3 = 0.3). */
const round = (n: number, places = 4): number => Math.round(n * 10 ** places) / 10 ** places;
const today = (now: string): string => now.slice(0, 10);
const dateOf = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 10) : undefined);

export const agreementType: ResourceDef = {
  key: 'agreementType',
  entity: 'agreementType',
  schema: 'AgreementType',
  label: 'Agreement type',
  resource: 'agreementType',
  path: '/finance/agreements/types',
  permission: { function: FN.tableSetup, tableSetupItem: TABLE.agreementType },
  methods: ALL_METHODS,
  lookup: { name: 'name' },
  toRef: (d) => ({ id: d.id, name: d.name }),
  unique: ['name'],
  exclusiveDefault: true,
  // ConnectWise requires these six on create; its Agreement Type screen pre-fills the same values.
  defaults: {
    defaultFlag: false,
    inactiveFlag: false,
    prePaymentFlag: false,
    employeeCompRate: 'Actual',
    employeeCompNotExceed: 'Billing',
    invoicingCycle: 'ContractYear',
    billTime: 'Billable',
    billExpenses: 'Billable',
    billProducts: 'Billable',
    prorateFlag: false,
  },
  inUse: [{ resource: 'agreement', field: 'type' }],
};

export const catalogItem: ResourceDef = {
  key: 'catalogItem',
  entity: 'catalogItem',
  schema: 'CatalogItem',
  label: 'Product',
  resource: 'catalogItem',
  path: '/procurement/catalog',
  permission: { function: FN.productCatalog },
  methods: ALL_METHODS,
  lookup: { identifier: 'identifier' },
  // An addition's `product` is an IvItemReference: {id, identifier}.
  toRef: (d) => ({ id: d.id, identifier: d.identifier }),
  unique: ['identifier'],
  defaults: {
    inactiveFlag: false,
    productClass: 'NonInventory',
    serializedFlag: false,
    serializedCostFlag: false,
    phaseProductFlag: false,
    taxableFlag: false,
    dropShipFlag: false,
    specialOrderFlag: false,
    recurringFlag: false,
  },
  inUse: [{ resource: 'addition', field: 'product' }],
  beforeSave(record, args) {
    record.dateEntered = args.previous?.data.dateEntered ?? args.ctx.now;
    for (const f of ['price', 'cost'] as const) {
      const v = num(record[f]);
      if (v !== undefined && v < 0)
        throw invalid('catalogItem', f, 'InvalidField', `${f} may not be negative.`);
    }
  },
};

/** Active, Cancelled or Expired, as ConnectWise derives it from the cancel flag and the end date. */
export function agreementStatusOf(record: Doc, now: string): 'Active' | 'Cancelled' | 'Expired' {
  if (record.cancelledFlag === true) return 'Cancelled';
  const end = dateOf(record.endDate);
  if (record.noEndingDateFlag !== true && end !== undefined && end < today(now)) return 'Expired';
  return 'Active';
}

export const agreement: ResourceDef = {
  key: 'agreement',
  entity: 'agreement',
  schema: 'Agreement',
  label: 'Agreement',
  resource: 'agreement',
  path: '/finance/agreements',
  permission: { function: FN.agreements },
  methods: ALL_METHODS,
  refs: {
    company: { target: 'company' },
    type: { target: 'agreementType' },
    billToCompany: { target: 'company' },
    parentAgreement: { target: 'agreement' },
  },
  lookup: { name: 'name' },
  // AgreementReference: {id, name, type} where type is the agreement type's name.
  toRef: (d) => ({ id: d.id, name: d.name, type: (d.type as Doc | undefined)?.name }),
  childHrefs: { additions_href: 'additions' },
  defaults: { cancelledFlag: false, noEndingDateFlag: true, prorateFlag: false },
  // Its additions go with it (children); a ticket billed to it blocks the delete.
  inUse: [{ resource: 'ticket', field: 'agreement' }],
  beforeSave(record, args) {
    if (!record.type) throw invalid('agreement', 'type', 'NullValue', 'type is required.');
    if (!record.company) throw invalid('agreement', 'company', 'NullValue', 'company is required.');
    record.billToCompany ??= record.company;
    const start = dateOf(record.startDate);
    const end = dateOf(record.endDate);
    if (start && end && end < start)
      throw invalid('agreement', 'endDate', 'InvalidField', 'endDate may not be before startDate.');
    if (record.endDate) record.noEndingDateFlag = false;
    const wasCancelled = args.previous?.data.cancelledFlag === true;
    if (record.cancelledFlag === true && !wasCancelled) record.dateCancelled ??= args.ctx.now;
    if (record.cancelledFlag !== true) {
      delete record.dateCancelled;
      delete record.reasonCancelled;
    }
    // Derived on every save from the flags and dates (a client's value is ignored).
    record.agreementStatus = agreementStatusOf(record, args.ctx.now);
  },
};

/**
 * Computed fields of an addition, as ConnectWise fills them: the quantity billed is the quantity less
 * what the agreement includes (never below zero), extended amounts are per billed unit.
 */
export function additionAmounts(record: Doc): Doc {
  const quantity = num(record.quantity) ?? 0;
  const lessIncluded = num(record.lessIncluded) ?? 0;
  const billedQuantity = round(Math.max(0, quantity - lessIncluded));
  const unitPrice = num(record.unitPrice) ?? 0;
  const unitCost = num(record.unitCost) ?? 0;
  const extPrice = round(billedQuantity * unitPrice, 2);
  const extCost = round(billedQuantity * unitCost, 2);
  return { billedQuantity, extPrice, extCost, margin: round(extPrice - extCost, 2) };
}

/** An addition's own status: Cancelled from its cancelledDate on, or its agreement's when not Active. */
export function additionStatusOf(record: Doc, agreementStatus: unknown, now: string): string {
  const cancelled = dateOf(record.cancelledDate);
  if (cancelled !== undefined && cancelled <= today(now)) return 'Cancelled';
  return typeof agreementStatus === 'string' && agreementStatus !== 'Active' ? agreementStatus : 'Active';
}

export const addition: ResourceDef = {
  key: 'addition',
  entity: 'addition',
  schema: 'Addition',
  label: 'Addition',
  resource: 'addition',
  path: '/finance/agreements/{parentId}/additions',
  parent: { resource: 'agreement', idField: 'agreementId' },
  permission: { function: FN.agreements },
  methods: ALL_METHODS,
  refs: { product: { target: 'catalogItem' } },
  lookup: {},
  defaults: {
    quantity: 1,
    lessIncluded: 0,
    billCustomer: 'Billable',
    taxableFlag: false,
    purchaseItemFlag: false,
    specialOrderFlag: false,
    prorateCurrentPeriodFlag: false,
  },
  async beforeSave(record, args) {
    if (!record.product) throw invalid('addition', 'product', 'NullValue', 'product is required.');
    for (const f of ['quantity', 'lessIncluded'] as const) {
      const v = num(record[f]);
      if (v !== undefined && v < 0) throw invalid('addition', f, 'InvalidField', `${f} may not be negative.`);
    }
    const effective = dateOf(record.effectiveDate);
    const cancelled = dateOf(record.cancelledDate);
    if (effective && cancelled && cancelled < effective)
      throw invalid(
        'addition',
        'cancelledDate',
        'InvalidField',
        'cancelledDate may not be before effectiveDate.',
      );
    const productId = (record.product as Doc).id as number;
    const product = await args.store.get('catalogItem', productId, args.trx);
    const changedProduct = (args.previous?.data.product as Doc | undefined)?.id !== productId;
    // Like ConnectWise, an addition takes price, cost and description from the catalog unless given.
    if (product && (changedProduct || !args.previous)) {
      record.unitPrice ??= num(product.data.price) ?? 0;
      record.unitCost ??= num(product.data.cost) ?? 0;
      record.description ??= product.data.description;
      record.invoiceDescription ??= product.data.customerDescription;
    }
    if (!args.previous) record.effectiveDate ??= `${today(args.ctx.now)}T00:00:00Z`;
    if (typeof record.uom !== 'string' && product) {
      const uom = (product.data.unitOfMeasure as Doc | undefined)?.name;
      if (typeof uom === 'string') record.uom = uom;
    }
    Object.assign(record, additionAmounts(record));
    const agreementRow = await args.store.get('agreement', args.parentIds.at(-1)!, args.trx);
    record.agreementStatus = additionStatusOf(record, agreementRow?.data.agreementStatus, args.ctx.now);
    if (record.sequenceNumber === undefined && !args.previous) {
      const siblings = await args.store.list('addition', { parentId: args.parentIds.at(-1)! }, args.trx);
      record.sequenceNumber = Math.max(0, ...siblings.map((s) => Number(s.data.sequenceNumber ?? 0))) + 1;
    }
  },
};
