// Billing reconciliation (issue 17) as a checked state table: what the console found in the PSA for a
// customer (its agreement, the addition lines for the product on it) decides the one thing it does —
// create the line, PATCH its quantity, nothing, or report a problem without writing. The preview and
// the outbox effect (console/delivery/billing-effects.ts) both call `decide`, so the preview shows
// exactly what "on" writes.
import type { SeatBasis } from './settings.js';

/**
 * What the agreement lookup found:
 *   active         the agreement that receives the line
 *   none           the company has no agreement of the configured type
 *   ambiguous      several active agreements of the type: the MSP picks one (override)
 *   cancelled      the agreement is cancelled (or expired / inactive)
 *   missing        the agreement picked (override, or remembered) no longer exists
 *   other-company  the override names an agreement of another company
 */
export type AgreementFinding =
  | { kind: 'active'; agreementId: number; name: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; agreementIds: readonly number[] }
  | { kind: 'cancelled'; agreementId: number; name: string }
  | { kind: 'missing'; agreementId: number }
  | { kind: 'other-company'; agreementId: number };

/** An addition line for the product on the agreement (only what reconciliation needs). */
export interface Line {
  id: number;
  quantity: number;
  lessIncluded: number;
  unitPrice: number;
}

export const SITUATIONS = [
  'no-agreement',
  'agreement-ambiguous',
  'agreement-cancelled',
  'agreement-missing',
  'agreement-other-company',
  'line-missing',
  'line-equal',
  'line-different',
  'line-duplicate',
] as const;
export type Situation = (typeof SITUATIONS)[number];

/** create: POST the addition; patch: PATCH its quantity; none: nothing; report: a health message, no write. */
export type Action = 'create' | 'patch' | 'none' | 'report';

interface Row {
  action: Action;
  /** Health message (shown per customer, kept until a run without problem); null when all is well. */
  problem: ((f: Facts) => string) | null;
}

interface Facts {
  agreementType: string;
  productIdentifier: string;
  agreement: AgreementFinding;
  lines: readonly Line[];
}

const agreementId = (f: Facts) => ('agreementId' in f.agreement ? f.agreement.agreementId : 0);

export const BILLING_TABLE: Readonly<Record<Situation, Row>> = {
  'no-agreement': {
    action: 'report',
    problem: (f) =>
      `No agreement of type "${f.agreementType}" for this company: add one in the PSA, or pick the agreement for this customer.`,
  },
  'agreement-ambiguous': {
    action: 'report',
    problem: (f) =>
      `Several active agreements of type "${f.agreementType}" (${f.agreement.kind === 'ambiguous' ? f.agreement.agreementIds.join(', ') : ''}): pick the agreement for this customer.`,
  },
  'agreement-cancelled': {
    action: 'report',
    problem: (f) =>
      `Agreement ${agreementId(f)} is cancelled: pick another agreement for this customer; nothing was written.`,
  },
  'agreement-missing': {
    action: 'report',
    problem: (f) =>
      `Agreement ${agreementId(f)} no longer exists in the PSA: pick another agreement for this customer; nothing was written.`,
  },
  'agreement-other-company': {
    action: 'report',
    problem: (f) =>
      `Agreement ${agreementId(f)} belongs to another company than the one this customer is mapped to: pick one of its own.`,
  },
  'line-missing': { action: 'create', problem: null },
  'line-equal': { action: 'none', problem: null },
  'line-different': { action: 'patch', problem: null },
  'line-duplicate': {
    action: 'report',
    problem: (f) =>
      `Agreement ${agreementId(f)} has ${f.lines.length} lines for ${f.productIdentifier} (${f.lines.map((l) => l.id).join(', ')}): remove all but one in the PSA; nothing was written.`,
  },
};

// A module-load check: every situation has exactly one row, and only known situations have rows.
{
  const keys = Object.keys(BILLING_TABLE).sort();
  const want = [...SITUATIONS].sort();
  if (keys.length !== want.length || keys.some((k, i) => k !== want[i]))
    throw new Error(`billing table rows ${keys.join(', ')} do not match situations ${want.join(', ')}`);
}

export function situationOf(
  agreement: AgreementFinding,
  lines: readonly Line[],
  quantity: number,
): Situation {
  switch (agreement.kind) {
    case 'none':
      return 'no-agreement';
    case 'ambiguous':
      return 'agreement-ambiguous';
    case 'cancelled':
      return 'agreement-cancelled';
    case 'missing':
      return 'agreement-missing';
    case 'other-company':
      return 'agreement-other-company';
    case 'active':
      if (lines.length === 0) return 'line-missing';
      if (lines.length > 1) return 'line-duplicate';
      return lines[0]!.quantity === quantity ? 'line-equal' : 'line-different';
  }
}

/** The quantity a line is billed for: ConnectWise bills what exceeds the included quantity. */
export function billable(quantity: number, lessIncluded: number): number {
  return Math.max(0, quantity - lessIncluded);
}

export interface Decision {
  situation: Situation;
  action: Action;
  /** The PSA's quantity (the single line's; 0 when there is none; the sum when duplicated). */
  psaQuantity: number;
  /** Parasol's quantity. */
  quantity: number;
  /** quantity − psaQuantity (0 when nothing would be written). */
  difference: number;
  /** Change of the monthly amount the write causes, in the line's (or product's) currency units. */
  monthlyChange: number;
  /** The line written to (patch), when there is one. */
  lineId: number | null;
  agreementId: number | null;
  problem: string | null;
}

export interface DecideInput extends Facts {
  quantity: number;
  /** Unit price of a new line (the catalogue product's price); 0 when unknown. */
  productPrice: number;
}

export function decide(input: DecideInput): Decision {
  const situation = situationOf(input.agreement, input.lines, input.quantity);
  const row = BILLING_TABLE[situation];
  const psaQuantity = input.lines.reduce((sum, l) => sum + l.quantity, 0);
  const line = input.lines.length === 1 ? input.lines[0]! : undefined;
  const writes = row.action === 'create' || row.action === 'patch';
  const price = line?.unitPrice ?? input.productPrice;
  const less = line?.lessIncluded ?? 0;
  const monthlyChange = writes
    ? round2(price * (billable(input.quantity, less) - billable(line?.quantity ?? 0, less)))
    : 0;
  return {
    situation,
    action: row.action,
    psaQuantity,
    quantity: input.quantity,
    difference: writes ? input.quantity - psaQuantity : 0,
    monthlyChange,
    lineId: row.action === 'patch' ? (line?.id ?? null) : null,
    agreementId: input.agreement.kind === 'active' ? input.agreement.agreementId : null,
    problem: row.problem ? row.problem(input) : null,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export interface SeatCount {
  quantity: number;
  configured: number;
  identities: number;
  basis: SeatBasis;
  /** Why this number: "12 identities seen in the last 30 days (configured: 10)". */
  explanation: string;
}

/** What a seat is, per the provider's setting. */
export function seatCount(basis: SeatBasis, configured: number, identities: number, days: number): SeatCount {
  const seen = `${identities} ${identities === 1 ? 'identity' : 'identities'} seen in the last ${days} days`;
  const conf = `${configured} configured ${configured === 1 ? 'seat' : 'seats'}`;
  switch (basis) {
    case 'configured':
      return { quantity: configured, configured, identities, basis, explanation: conf };
    case 'identities':
      return { quantity: identities, configured, identities, basis, explanation: seen };
    case 'larger':
      return identities > configured
        ? { quantity: identities, configured, identities, basis, explanation: `${seen} (more than ${conf})` }
        : { quantity: configured, configured, identities, basis, explanation: `${conf} (${seen})` };
  }
}

/** The reason shown beside a difference in the preview. */
export function reasonOf(decision: Decision, seats: SeatCount): string {
  switch (decision.action) {
    case 'create':
      return `No line for the product yet: ${seats.explanation}.`;
    case 'patch':
      return `${Math.abs(decision.difference)} ${decision.difference > 0 ? 'more' : 'fewer'}: ${seats.explanation}.`;
    case 'none':
      return `Up to date: ${seats.explanation}.`;
    case 'report':
      return decision.problem ?? '';
  }
}
