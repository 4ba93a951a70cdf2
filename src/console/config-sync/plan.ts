// Configuration sync (CON-8), pure decisions: what to change on the PSA so the configuration type has
// the console's questions (planType), and what a customer's configuration answers are (answersFor),
// with a digest that lets an unchanged write be skipped.
import { createHash } from 'node:crypto';
import { cwDate } from '../../platform/clock.js';
import { SECURITY_CATEGORIES, type SecurityCategory } from '../aggregate/types.js';
import {
  DEFAULT_TYPE_NAME,
  type EntryType,
  type FieldType,
  LAST_SYNCHRONIZED,
  QUESTIONS,
  type QuestionKey,
  type QuestionSpec,
  securityBlocksKey,
} from './questions.js';

// ---------- the type and its questions ----------

/** A ConnectWise ConfigurationType as read from the PSA (only what planning looks at). */
export interface PsaConfigurationType {
  id: number;
  name: string;
  inactiveFlag?: boolean;
}

/** A ConnectWise ConfigurationTypeQuestion as read from the PSA. */
export interface PsaQuestion {
  id: number;
  question: string;
  fieldType?: string;
  entryType?: string;
  inactiveFlag?: boolean;
}

/** Question id per key, as the console remembers them. */
export type QuestionIds = Partial<Record<QuestionKey, number>>;

/** The body of `POST /company/configurations/types/{typeId}/questions`. */
export interface QuestionBody {
  question: string;
  fieldType: FieldType;
  entryType: EntryType;
  sequenceNumber: number;
  numberOfDecimals: number;
  requiredFlag: false;
}

export type TypeOperation =
  | { op: 'create-type'; name: string }
  /** The type exists but was made inactive: configurations of an inactive type cannot be added. */
  | { op: 'activate-type'; typeId: number }
  | { op: 'create-question'; key: QuestionKey; body: QuestionBody }
  /** The question exists (found by id or text) with another field or entry type: set ours. */
  | {
      op: 'fix-question';
      key: QuestionKey;
      questionId: number;
      set: { fieldType?: FieldType; entryType?: EntryType };
    };

export interface TypePlan {
  operations: TypeOperation[];
  /** Existing questions that are the console's, by key (created ones get their ids when created). */
  matched: QuestionIds;
  /** How each matched question was recognised (renamed-by-hand questions are matched by 'id'). */
  matchedBy: Partial<Record<QuestionKey, 'id' | 'text'>>;
}

const normaliseText = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

export function questionBody(spec: QuestionSpec): QuestionBody {
  return {
    question: spec.question,
    fieldType: spec.fieldType,
    entryType: spec.entryType,
    sequenceNumber: spec.sequenceNumber,
    numberOfDecimals: spec.numberOfDecimals,
    requiredFlag: false,
  };
}

/**
 * What to do so `existingType` has every question of `questions`. Idempotent: planning again over the
 * result plans nothing. A question is the console's when it has the id remembered for its key (so a
 * question renamed by hand is kept, not duplicated), otherwise when its text matches (a lost state, a
 * new PSA); each PSA question is matched at most once. Questions nobody asked for (added by hand) are
 * left alone, and so are the texts and positions of the console's own (an admin may reword them);
 * only field and entry types are put back, since answers are written for them.
 */
export function planType(
  existingType: PsaConfigurationType | undefined,
  existingQuestions: readonly PsaQuestion[],
  knownIds: QuestionIds,
  options: { typeName?: string; questions?: readonly QuestionSpec[] } = {},
): TypePlan {
  const questions = options.questions ?? QUESTIONS;
  const operations: TypeOperation[] = [];
  const matched: QuestionIds = {};
  const matchedBy: TypePlan['matchedBy'] = {};
  if (!existingType) {
    if (existingQuestions.length > 0)
      throw new TypeError('planType: questions were given for a configuration type that does not exist');
    operations.push({ op: 'create-type', name: options.typeName ?? DEFAULT_TYPE_NAME });
    for (const spec of questions)
      operations.push({ op: 'create-question', key: spec.key, body: questionBody(spec) });
    return { operations, matched, matchedBy };
  }
  if (existingType.inactiveFlag === true) operations.push({ op: 'activate-type', typeId: existingType.id });

  const byId = new Map(existingQuestions.map((q) => [q.id, q]));
  const taken = new Set<number>();
  const found = new Map<QuestionKey, PsaQuestion>();
  // First pass: remembered ids, so a renamed question cannot be claimed by text for another key.
  for (const spec of questions) {
    const id = knownIds[spec.key];
    const q = id === undefined ? undefined : byId.get(id);
    if (q && !taken.has(q.id)) {
      found.set(spec.key, q);
      taken.add(q.id);
      matchedBy[spec.key] = 'id';
    }
  }
  // Second pass: texts, lowest id first (the oldest of two look-alikes is the original).
  const byText = new Map<string, PsaQuestion[]>();
  for (const q of [...existingQuestions].sort((a, b) => a.id - b.id)) {
    if (taken.has(q.id) || typeof q.question !== 'string') continue;
    const key = normaliseText(q.question);
    byText.set(key, [...(byText.get(key) ?? []), q]);
  }
  for (const spec of questions) {
    if (found.has(spec.key)) continue;
    const q = byText.get(normaliseText(spec.question))?.find((c) => !taken.has(c.id));
    if (q) {
      found.set(spec.key, q);
      taken.add(q.id);
      matchedBy[spec.key] = 'text';
    }
  }
  for (const spec of questions) {
    const q = found.get(spec.key);
    if (!q) {
      operations.push({ op: 'create-question', key: spec.key, body: questionBody(spec) });
      continue;
    }
    matched[spec.key] = q.id;
    const set: { fieldType?: FieldType; entryType?: EntryType } = {};
    if (q.fieldType !== spec.fieldType) set.fieldType = spec.fieldType;
    if (q.entryType !== spec.entryType) set.entryType = spec.entryType;
    if (set.fieldType !== undefined || set.entryType !== undefined)
      operations.push({ op: 'fix-question', key: spec.key, questionId: q.id, set });
  }
  return { operations, matched, matchedBy };
}

// ---------- metrics and answers ----------

export interface DomainCount {
  domain: string;
  count: number;
  /** The top-k summary may overstate the count (its error bound is positive). */
  approximate: boolean;
}

/** What a configuration shows about one customer (definitions in questions.ts). */
export interface CustomerMetrics {
  /** The UTC day the counts are for, 'YYYY-MM-DD'. */
  day: string;
  /** Newest event ever received for the customer (ISO-8601), null when none. */
  lastEventAt: string | null;
  activeIdentities: number;
  requests: number;
  blocked: number;
  /** Blocked requests per security category that day (absent: 0). */
  securityBlocks: Partial<Record<SecurityCategory, number>>;
  infectionsContained: number;
  topBlocked: DomainCount[];
  topAllowed: DomainCount[];
}

export type AnswerValue = string | number;
/** Answers by question key; a missing key is unanswered. */
export type AnswerValues = Partial<Record<QuestionKey, AnswerValue>>;

/** One element of a configuration's `questions` array as written. */
export interface CwAnswer {
  questionId: number;
  answer: AnswerValue;
}

/** A DNS event within this long counts as "Active". */
export const ACTIVE_WITHIN_MS = 24 * 60 * 60 * 1000;
export const TOP_DOMAINS_SHOWN = 10;
/** A TextArea answer is kept under this many characters. */
export const TEXT_AREA_MAX = 2000;

export const STATUS_ACTIVE = 'Active';
export const STATUS_SILENT = 'Inactive: no DNS events in the last 24 hours';
export const STATUS_NEVER = 'Not reporting: no DNS events received yet';

export function serviceStatus(lastEventAt: string | null, now: Date): string {
  if (lastEventAt === null) return STATUS_NEVER;
  const last = Date.parse(lastEventAt);
  if (!Number.isFinite(last)) throw new RangeError(`lastEventAt is not a date: '${lastEventAt}'`);
  return now.getTime() - last <= ACTIVE_WITHIN_MS ? STATUS_ACTIVE : STATUS_SILENT;
}

export function threatsPrevented(m: CustomerMetrics): number {
  let sum = 0;
  for (const c of SECURITY_CATEGORIES) sum += m.securityBlocks[c] ?? 0;
  return sum;
}

/** "domain (count)" per line, most requested first; '≈' marks an approximate count. */
export function domainLines(domains: readonly DomainCount[]): string {
  if (domains.length === 0) return 'None';
  let text = '';
  for (const d of domains.slice(0, TOP_DOMAINS_SHOWN)) {
    const line = `${d.domain} (${d.approximate ? '≈' : ''}${d.count})`;
    const next = text === '' ? line : `${text}\n${line}`;
    if (next.length > TEXT_AREA_MAX) break;
    text = next;
  }
  return text === '' ? 'None' : text;
}

function count(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`metrics: ${name} must be a count, not ${String(value)}`);
  return value;
}

/**
 * The answers of a customer's configuration, by question key — everything but "Last synchronized",
 * which the write adds (answersFor) so that it can be left out of the digest.
 */
export function answerValues(m: CustomerMetrics, now: Date): AnswerValues {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(m.day))
    throw new RangeError(`metrics: day must be YYYY-MM-DD, not '${m.day}'`);
  const values: AnswerValues = {};
  for (const c of SECURITY_CATEGORIES)
    values[securityBlocksKey(c)] = count(`securityBlocks.${c}`, m.securityBlocks[c] ?? 0);
  Object.assign(values, {
    'service-status': serviceStatus(m.lastEventAt, now),
    'counts-day': m.day,
    'active-identities': count('activeIdentities', m.activeIdentities),
    'dns-requests': count('requests', m.requests),
    'blocked-requests': count('blocked', m.blocked),
    'threats-prevented': count('threatsPrevented', threatsPrevented(m)),
    'infections-contained': count('infectionsContained', m.infectionsContained),
    'top-blocked-domains': domainLines(m.topBlocked),
    'top-allowed-domains': domainLines(m.topAllowed),
  } satisfies AnswerValues);
  if (m.lastEventAt !== null) values['last-event'] = cwDate(new Date(m.lastEventAt));
  return values;
}

/**
 * The `questions` array to write: one {questionId, answer} per answered question whose id is known,
 * in question order. Numbers stay numbers for Number questions and become text for Text questions;
 * dates are ConnectWise's 'YYYY-MM-DDTHH:MM:SSZ'.
 */
export function toQuestionAnswers(
  values: AnswerValues,
  ids: QuestionIds,
  questions: readonly QuestionSpec[] = QUESTIONS,
): CwAnswer[] {
  const out: CwAnswer[] = [];
  for (const spec of questions) {
    const id = ids[spec.key];
    const value = values[spec.key];
    if (id === undefined || value === undefined) continue;
    let answer: AnswerValue = value;
    if (spec.fieldType === 'Number' && typeof value !== 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new RangeError(`answer of '${spec.key}' is not a number: '${value}'`);
      answer = n;
    } else if (spec.fieldType !== 'Number' && typeof value === 'number') answer = String(value);
    out.push({ questionId: id, answer });
  }
  return out;
}

/** The full `questions` array of a write at `now`: the metrics' answers and "Last synchronized". */
export function answersFor(metrics: CustomerMetrics, ids: QuestionIds, now: Date): CwAnswer[] {
  return toQuestionAnswers({ ...answerValues(metrics, now), [LAST_SYNCHRONIZED]: cwDate(now) }, ids);
}

/**
 * A fingerprint of a write: the answers (whatever their order) and `context` (e.g. the configuration's
 * name, type and company). Equal digests mean the same write; callers leave "Last synchronized" out.
 */
export function answersDigest(answers: readonly CwAnswer[], context: unknown = null): string {
  const sorted = [...answers]
    .sort((a, b) => a.questionId - b.questionId)
    .map((a) => [a.questionId, a.answer]);
  return createHash('sha256')
    .update(JSON.stringify([context, sorted]))
    .digest('hex')
    .slice(0, 32);
}

/** ConnectWise's limit on `Configuration.name`. */
export const CONFIGURATION_NAME_MAX = 100;

/** The configuration's name: the type's name and the customer's, e.g. "DNS Security - Acme Corp". */
export function configurationName(typeName: string, customerName: string): string {
  const name = `${typeName} - ${customerName.trim().replace(/\s+/g, ' ')}`;
  return name.length <= CONFIGURATION_NAME_MAX ? name : `${name.slice(0, CONFIGURATION_NAME_MAX - 1)}…`;
}
