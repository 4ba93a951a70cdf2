// Billing reconciliation (issue 17), the PSA reads both the preview and the 'billing.reconcile' effect
// make: which agreement of the mapped company receives the line (override, remembered, or by type) and
// the addition lines for the product on it. One function for both, so the preview shows what "on"
// writes. Once steady a customer costs ONE read: the lines of the remembered agreement (a line whose
// `agreementStatus` is not Active reports the agreement cancelled); a write first confirms with a GET
// that the agreement is still the company's and active.
import type { AgreementFinding, Line } from '../billing/index.js';
import { type ConnectWiseApi, ConnectWiseError } from '../psa-client/types.js';

export const AGREEMENTS = '/finance/agreements';
export const CATALOG = '/procurement/catalog';
export const additionsPath = (agreementId: number) => `${AGREEMENTS}/${agreementId}/additions`;

export interface CwAgreement {
  id: number;
  name?: string;
  type?: { id?: number; name?: string } | null;
  company?: { id?: number; identifier?: string; name?: string } | null;
  agreementStatus?: string;
  cancelledFlag?: boolean;
}

export interface CwAddition {
  id: number;
  product?: { id?: number; identifier?: string } | null;
  quantity?: number;
  lessIncluded?: number;
  unitPrice?: number;
  cancelledDate?: string | null;
  agreementStatus?: string;
}

export interface CwCatalogItem {
  id: number;
  identifier: string;
  price?: number;
  description?: string;
}

/** Where the customer's line goes, as the console knows it before reading the PSA. */
export interface BillingTarget {
  psaCompanyId: number;
  agreementType: string;
  productIdentifier: string;
  /** The agreement picked for this customer (override), or null: by type. */
  overrideAgreementId: number | null;
  /** The agreement the last run used for this company, when there is one. */
  remembered: { companyId: number; agreementId: number } | null;
}

export interface Observation {
  agreement: AgreementFinding;
  lines: Line[];
  /** The agreement's status was read in this observation (not only remembered). */
  confirmed: boolean;
}

/** The record itself is gone — not ConnectWise's "endpoint does not exist". */
export function isNotFound(e: unknown): boolean {
  return (
    e instanceof ConnectWiseError && e.kind === 'http' && e.status === 404 && e.code !== 'ConnectWiseApi'
  );
}

const isActive = (a: { agreementStatus?: string; cancelledFlag?: boolean }) =>
  a.cancelledFlag !== true && (a.agreementStatus === undefined || a.agreementStatus === 'Active');

const num = (v: unknown, fallback = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** A line that bills today: not cancelled (a cancelled line is history, not a second line). */
function current(a: CwAddition, today: string): boolean {
  return !(typeof a.cancelledDate === 'string' && a.cancelledDate.slice(0, 10) <= today);
}

function judge(a: CwAgreement, companyId: number, checkCompany: boolean): AgreementFinding {
  if (checkCompany && a.company?.id !== undefined && a.company.id !== companyId)
    return { kind: 'other-company', agreementId: a.id };
  if (!isActive(a)) return { kind: 'cancelled', agreementId: a.id, name: a.name ?? '' };
  return { kind: 'active', agreementId: a.id, name: a.name ?? '' };
}

async function getAgreement(api: ConnectWiseApi, id: number): Promise<CwAgreement | undefined> {
  try {
    return await api.get<CwAgreement>(`${AGREEMENTS}/${id}`);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The company's agreement of the type: exactly one active one, else why not. */
export async function agreementByType(
  api: ConnectWiseApi,
  companyId: number,
  type: string,
): Promise<AgreementFinding> {
  const all = await api.list<CwAgreement>(AGREEMENTS, {
    conditions: `company/id=${companyId} and type/name="${type}"`,
    orderBy: 'id asc',
    pageSize: 100,
  });
  const active = all.filter(isActive);
  if (active.length === 1) return { kind: 'active', agreementId: active[0]!.id, name: active[0]!.name ?? '' };
  if (active.length > 1) return { kind: 'ambiguous', agreementIds: active.map((a) => a.id) };
  const last = all.at(-1);
  return last ? { kind: 'cancelled', agreementId: last.id, name: last.name ?? '' } : { kind: 'none' };
}

async function readLines(
  api: ConnectWiseApi,
  agreementId: number,
  productIdentifier: string,
  today: string,
): Promise<{ lines: Line[]; status: string | undefined } | undefined> {
  let rows: CwAddition[];
  try {
    rows = await api.listAll<CwAddition>(additionsPath(agreementId), {
      conditions: `product/identifier="${productIdentifier}"`,
      orderBy: 'id asc',
      pageSize: 1000,
    });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const wanted = productIdentifier.toLowerCase();
  const live = rows.filter(
    (a) => (a.product?.identifier ?? '').toLowerCase() === wanted && current(a, today),
  );
  return {
    lines: live.map((a) => ({
      id: a.id,
      quantity: num(a.quantity),
      lessIncluded: num(a.lessIncluded),
      unitPrice: num(a.unitPrice),
    })),
    status: live.find((a) => typeof a.agreementStatus === 'string')?.agreementStatus,
  };
}

/**
 * Reads what reconciliation decides on. The agreement is, in this order: the override (it must be the
 * mapped company's and active), the remembered one (same company, still there), else the company's
 * one active agreement of the type.
 */
export async function observe(api: ConnectWiseApi, target: BillingTarget, now: Date): Promise<Observation> {
  const today = now.toISOString().slice(0, 10);
  const { psaCompanyId, productIdentifier } = target;
  const remembered =
    target.remembered !== null &&
    target.remembered.companyId === psaCompanyId &&
    (target.overrideAgreementId === null || target.overrideAgreementId === target.remembered.agreementId)
      ? target.remembered.agreementId
      : null;

  if (remembered !== null) {
    const read = await readLines(api, remembered, productIdentifier, today);
    if (read !== undefined) {
      if (read.status !== undefined && read.status !== 'Active')
        return {
          agreement: { kind: 'cancelled', agreementId: remembered, name: '' },
          lines: [],
          confirmed: true,
        };
      // A line's agreementStatus may be as old as the line (some PSAs set it when the line is saved):
      // it can say "cancelled", but a write still confirms the agreement first.
      return {
        agreement: { kind: 'active', agreementId: remembered, name: '' },
        lines: read.lines,
        confirmed: false,
      };
    }
    if (target.overrideAgreementId !== null)
      return { agreement: { kind: 'missing', agreementId: remembered }, lines: [], confirmed: true };
    // The remembered agreement is gone: look for the company's agreement of the type again.
  }

  let agreement: AgreementFinding;
  if (target.overrideAgreementId !== null) {
    const a = await getAgreement(api, target.overrideAgreementId);
    agreement = a
      ? judge(a, psaCompanyId, true)
      : { kind: 'missing', agreementId: target.overrideAgreementId };
  } else {
    agreement = await agreementByType(api, psaCompanyId, target.agreementType);
  }
  if (agreement.kind !== 'active') return { agreement, lines: [], confirmed: true };
  const read = await readLines(api, agreement.agreementId, productIdentifier, today);
  if (read === undefined)
    return { agreement: { kind: 'missing', agreementId: agreement.agreementId }, lines: [], confirmed: true };
  return { agreement, lines: read.lines, confirmed: true };
}

/** Confirms (one GET) that an agreement known only from memory is still active before writing to it. */
export async function confirmAgreement(
  api: ConnectWiseApi,
  observation: Observation,
  psaCompanyId: number,
): Promise<AgreementFinding> {
  if (observation.confirmed || observation.agreement.kind !== 'active') return observation.agreement;
  const id = observation.agreement.agreementId;
  const a = await getAgreement(api, id);
  return a ? judge(a, psaCompanyId, true) : { kind: 'missing', agreementId: id };
}

/** The catalogue product (price for a new line and the preview's amounts), or undefined. */
export async function catalogItem(
  api: ConnectWiseApi,
  productIdentifier: string,
): Promise<CwCatalogItem | undefined> {
  const rows = await api.list<CwCatalogItem>(CATALOG, {
    conditions: `identifier="${productIdentifier}"`,
    pageSize: 2,
  });
  return rows.find((r) => r.identifier?.toLowerCase() === productIdentifier.toLowerCase()) ?? rows[0];
}
