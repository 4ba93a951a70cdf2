// Turns what the PSA said into one verdict per requirement row: the member's effective security as
// ConnectWise reports it (/system/mySecurity and its customizeItems) and the outcomes of the probes.
// Pure: no I/O, no clock.
import {
  type ActionName,
  type AllowRequirement,
  REQUIREMENTS as ARTICLE_REQUIREMENTS,
  type LevelRequirement,
  PROBES,
  type Probe,
  probeRequest,
  type Requirement,
  type RequirementId,
} from './requirements.js';

/** What a probe's request came back with, as seen by the preflight. */
export type ProbeOutcome =
  /** The request got past the permission check (2xx, or a validation/not-found answer for writes). */
  | { probe: string; result: 'permitted'; status: number }
  /** 403: at least one of the probe's rows is missing. */
  | { probe: string; result: 'refused'; message?: string }
  /** Anything else (5xx, 401, network …): says nothing about the role. */
  | { probe: string; result: 'inconclusive'; status?: number; message: string };

export interface DiagnoseInput {
  /** The rows of `GET /system/mySecurity`, or null when the PSA would not say (403/404 on some PSAs). */
  mySecurity: readonly unknown[] | null;
  /** The rows of `GET /system/mySecurity/customizeItems`, or null when unreadable. */
  customizeItems: readonly unknown[] | null;
  /** One outcome per probe that was sent. */
  probes: readonly ProbeOutcome[];
  /** The rows judged; defaults to REQUIREMENTS (the billing group passes BILLING_REQUIREMENTS). */
  requirements?: readonly Requirement[];
  /** Defaults to PROBES; tests may pass their own. */
  probeDefs?: readonly Probe[];
}

/**
 * - pass: the row is set as needed;
 * - fail: the row (or, for a joint finding, one of the rows named in `fix`) must be changed;
 * - unchecked: nothing the PSA said shows either way (summary unreadable and the probes inconclusive
 *   or blocked by another missing row).
 */
export interface RowVerdict {
  id: RequirementId;
  status: 'pass' | 'fail' | 'unchecked';
  fix?: string;
  detail?: string;
}

/** One thing to change. `rows.length > 1` only when the PSA refused a request and which row it lacks is unknown. */
export interface Finding {
  rows: RequirementId[];
  fix: string;
  detail: string;
}

export interface Diagnosis {
  /** In REQUIREMENTS order. */
  rows: RowVerdict[];
  findings: Finding[];
}

type Level = 'All' | 'My' | 'None';

/** What the security summary says about one row. */
type Summary =
  | { state: 'ok'; level?: Level }
  | { state: 'missing'; level?: Level }
  | { state: 'unknown'; why: string };

const squash = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
/** For allow-list items: case, spaces and '/' do not matter ('Service/ServiceBoard' = 'Service / Service Board'). */
const compact = (s: string) => s.toLowerCase().replace(/[\s/]+/g, '');

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseLevel(value: unknown): Level | undefined {
  const s = str(value)?.trim().toLowerCase();
  if (s === 'all') return 'All';
  if (s === 'my' || s === 'mine') return 'My';
  if (s === 'none') return 'None';
  return undefined;
}

const LEVEL_FIELD: Record<ActionName, string> = {
  Add: 'addLevel',
  Edit: 'editLevel',
  Inquire: 'inquireLevel',
};

function levelSummary(rows: readonly unknown[] | null, r: LevelRequirement): Summary {
  if (rows === null)
    return { state: 'unknown', why: 'the security summary (/system/mySecurity) could not be read' };
  const row = rows.find((x): x is Record<string, unknown> => {
    if (typeof x !== 'object' || x === null) return false;
    const o = x as Record<string, unknown>;
    return (
      squash(str(o.moduleName) ?? '') === squash(r.module) &&
      squash(str(o.moduleFunctionName) ?? '') === squash(r.function)
    );
  });
  if (!row)
    return { state: 'unknown', why: `the security summary does not list ${r.module} → ${r.function}` };
  const level = parseLevel(row[LEVEL_FIELD[r.action]]);
  if (level === undefined)
    return {
      state: 'unknown',
      why: `the security summary shows no usable ${r.action} level for ${r.function}`,
    };
  return level === 'All' ? { state: 'ok', level } : { state: 'missing', level };
}

const TABLE_SETUP_LISTS = new Set(['systemtablesetup', 'tablesetup']);

/**
 * ConnectWise's exact item identifiers are undocumented (Parasol's are 'Service/Priority'), so an item
 * matches the table 'Service / Priority' as 'Service/Priority', 'ServicePriority', 'service / priority'
 * or the table name alone ('Priority').
 */
export function customizeItemMatches(itemIdentifier: string, table: string): boolean {
  const item = compact(itemIdentifier);
  if (item === '') return false;
  const [area, name] = table.split('/').map((p) => p.trim());
  return item === compact(table) || (name !== undefined && area !== undefined && item === compact(name));
}

function allowSummary(items: readonly unknown[] | null, r: AllowRequirement): Summary {
  if (items === null)
    return { state: 'unknown', why: 'the allow-lists (/system/mySecurity/customizeItems) could not be read' };
  const found = items.some((x) => {
    if (typeof x !== 'object' || x === null) return false;
    const o = x as Record<string, unknown>;
    const list = str(o.customizeIdentifier);
    const item = str(o.itemIdentifier);
    return (
      list !== undefined &&
      TABLE_SETUP_LISTS.has(compact(list)) &&
      item !== undefined &&
      customizeItemMatches(item, r.table)
    );
  });
  return found ? { state: 'ok' } : { state: 'missing' };
}

function summaryOf(input: DiagnoseInput, r: Requirement): Summary {
  return r.kind === 'level' ? levelSummary(input.mySecurity, r) : allowSummary(input.customizeItems, r);
}

function summaryEvidence(r: Requirement, s: Summary): string {
  if (r.kind === 'level')
    return `ConnectWise's security summary (/system/mySecurity) shows ${r.module} → ${r.function} ${r.action} ${s.state === 'unknown' ? '?' : (s.level ?? '?')}`;
  return `${r.table} is not in the Table Setup allow-list ConnectWise reports (/system/mySecurity/customizeItems)`;
}

function refusal(p: Probe, o: ProbeOutcome | undefined): string {
  const msg = o?.result === 'refused' && o.message ? `: ${o.message.trim().replace(/\.+$/, '')}` : '';
  return `the PSA refused ${probeRequest(p)} (403)${msg}`;
}

export function diagnose(input: DiagnoseInput): Diagnosis {
  const defs = input.probeDefs ?? PROBES;
  const REQUIREMENTS = input.requirements ?? ARTICLE_REQUIREMENTS;
  const outcomes = new Map(input.probes.map((o) => [o.probe, o]));
  const summaries = new Map(REQUIREMENTS.map((r) => [r.id, summaryOf(input, r)]));

  // A row is proven present when a request depending on it got past the permission check.
  const provenBy = new Map<RequirementId, Probe[]>();
  for (const p of defs) {
    if (outcomes.get(p.id)?.result !== 'permitted') continue;
    for (const id of p.rows) provenBy.set(id, [...(provenBy.get(id) ?? []), p]);
  }
  // An allow-list item the summary does not show, although the PSA served its table, is a naming
  // difference (real ConnectWise's item ids are undocumented), not a missing permission. Levels are
  // different: a permitted request cannot tell My from All, so the summary decides.
  for (const r of REQUIREMENTS) {
    if (r.kind === 'allow' && summaries.get(r.id)?.state === 'missing' && provenBy.has(r.id))
      summaries.set(r.id, { state: 'ok' });
  }

  const evidence = new Map<RequirementId, string[]>();
  const blame = (id: RequirementId, why: string) => evidence.set(id, [...(evidence.get(id) ?? []), why]);
  const failing = new Set<RequirementId>();
  for (const r of REQUIREMENTS) {
    const s = summaries.get(r.id)!;
    if (s.state === 'missing') {
      failing.add(r.id);
      blame(r.id, summaryEvidence(r, s));
    }
  }

  // Refused probes: blame the one row that can explain the refusal, repeatedly, since every row
  // blamed may explain further refusals.
  const refused = defs.filter((p) => outcomes.get(p.id)?.result === 'refused');
  const candidatesOf = (p: Probe) => p.rows.filter((id) => !provenBy.has(id));
  let changed = true;
  while (changed) {
    changed = false;
    for (const p of refused) {
      const candidates = candidatesOf(p);
      if (candidates.some((id) => failing.has(id))) continue;
      if (candidates.length === 1) {
        failing.add(candidates[0]!);
        changed = true;
      }
    }
  }
  const explainedBy = (p: Probe) => candidatesOf(p).filter((id) => failing.has(id));
  for (const p of refused) for (const id of explainedBy(p)) blame(id, refusal(p, outcomes.get(p.id)));

  const findings: Finding[] = [];
  const jointFix = new Map<RequirementId, Finding>();
  for (const r of REQUIREMENTS) {
    if (!failing.has(r.id)) continue;
    const s = summaries.get(r.id)!;
    const current = r.kind === 'level' && s.state === 'missing' && s.level ? ` (it is ${s.level})` : '';
    findings.push({ rows: [r.id], fix: `${r.fix}${current}`, detail: (evidence.get(r.id) ?? []).join('; ') });
  }
  // A refusal no blamed row explains: name every row that could explain it, together.
  for (const p of refused) {
    if (explainedBy(p).length > 0) continue;
    const open = candidatesOf(p);
    const rows = open.length > 0 ? open : [...p.rows];
    const summaryKnown = rows.every((id) => summaries.get(id)?.state === 'ok');
    const reqs = rows.map((id) => REQUIREMENTS.find((r) => r.id === id)!);
    const finding: Finding = {
      rows,
      fix:
        rows.length === 1
          ? reqs[0]!.fix
          : `one of these is missing, and the PSA does not say which: ${reqs.map((r) => r.fix).join('; or ')}`,
      detail:
        `${refusal(p, outcomes.get(p.id))}; it needs ${reqs.map((r) => r.label).join(' and ')}` +
        (summaryKnown
          ? ", although ConnectWise's security summary shows them set"
          : "; ConnectWise's security summary could not tell which one is missing"),
    };
    findings.push(finding);
    for (const id of rows) if (!jointFix.has(id)) jointFix.set(id, finding);
  }

  const rows: RowVerdict[] = REQUIREMENTS.map((r) => {
    const own = findings.find((f) => f.rows.length === 1 && f.rows[0] === r.id);
    if (own) return { id: r.id, status: 'fail', fix: own.fix, detail: own.detail };
    const joint = jointFix.get(r.id);
    if (joint) return { id: r.id, status: 'fail', fix: joint.fix, detail: joint.detail };
    const s = summaries.get(r.id)!;
    const proofs = provenBy.get(r.id) ?? [];
    const accepted = proofs.length > 0 ? `the PSA let ${proofs.map(probeRequest).join(', ')} through` : '';
    if (s.state === 'ok') return { id: r.id, status: 'pass', ...(accepted ? { detail: accepted } : {}) };
    // Only an unknown summary gets here (a missing level fails, a missing but proven item counts as ok).
    const why = s.state === 'unknown' ? s.why : 'the security summary disagrees';
    if (proofs.length > 0) {
      const caveat = r.kind === 'level' ? `; ${why}, so All cannot be told from My` : '';
      return { id: r.id, status: 'pass', detail: `${accepted}${caveat}` };
    }
    const reasons = [why];
    for (const p of defs.filter((d) => d.rows.includes(r.id))) {
      const o = outcomes.get(p.id);
      if (!o) reasons.push(`${probeRequest(p)} was not sent`);
      else if (o.result === 'inconclusive') reasons.push(`${probeRequest(p)}: ${o.message}`);
      else if (o.result === 'refused') {
        const other = explainedBy(p).filter((id) => id !== r.id);
        const names = other.map((id) => REQUIREMENTS.find((x) => x.id === id)!.label).join(', ');
        reasons.push(`${probeRequest(p)} was refused because of ${names || 'another row'}; fix that first`);
      }
    }
    return {
      id: r.id,
      status: 'unchecked',
      detail: `could not be checked: ${reasons.filter(Boolean).join('; ')}`,
    };
  });
  return { rows, findings };
}

/** How a probe's answer reads: permitted, refused (403) or inconclusive. */
export function probeOutcome(
  probe: Probe,
  answer:
    | { ok: true; status: number }
    | { ok: false; status?: number; kind: string; message: string; cwMessage?: string },
): ProbeOutcome {
  if (answer.ok) return { probe: probe.id, result: 'permitted', status: answer.status };
  const { status } = answer;
  if (answer.kind === 'http' && status === 403)
    return { probe: probe.id, result: 'refused', ...(answer.cwMessage ? { message: answer.cwMessage } : {}) };
  if (answer.kind === 'http' && status !== undefined && probe.permittedStatuses.includes(status))
    return { probe: probe.id, result: 'permitted', status };
  return {
    probe: probe.id,
    result: 'inconclusive',
    ...(status !== undefined ? { status } : {}),
    message: answer.message,
  };
}
