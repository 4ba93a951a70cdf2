// Configuration sync (CON-8): the ConnectWise configuration type the console keeps per provider
// (default "DNS Security") and its questions — one per metric, each with a stable key, its
// ConnectWise field type and its position. Pure data and checks.
//
// Metrics, for one customer (see plan.ts for how answers are written):
//   * Service status — 'Active' when a DNS event arrived in the last 24 hours, otherwise why not.
//   * Last event received — the newest event of the customer, ever (a date).
//   * Counts for (UTC day) — the day every count below is for: the LAST COMPLETE UTC DAY at the time
//     of the sync. A finished day gives the same numbers whether the daily sync runs at 02:00 or an
//     admin syncs again at 15:00, so an on-demand sync after the daily one writes nothing, and days
//     compare with each other (a "today so far" count would look like a drop every morning).
//   * Active identities — distinct identities (label + type) with at least one request that day.
//   * DNS requests, Blocked requests — that day, blocked for any reason (security or content).
//   * Security blocks: <category> — one Number question per canonical security category
//     (aggregate/types.ts SECURITY_CATEGORIES) rather than one TextArea: the set is fixed and small
//     (9), and numeric answers can be sorted, filtered and reported on in ConnectWise, a text block
//     cannot. A request carrying two security categories counts once in each.
//   * Threats prevented — the security blocks of the day summed over the categories, i.e. blocked
//     requests counted once per security category they carry (content blocks are not threats).
//   * Infections contained — distinct identities with at least one BLOCKED command-and-control request
//     that day: a device calling out to a command-and-control server is infected, and the block cut
//     its line to the attacker.
//   * Top blocked / allowed domains — that day's ten most requested domains per action (TextArea,
//     one "domain (count)" per line; "≈" marks a count the top-k summary could overstate).
//   * Last synchronized — when the console last wrote or confirmed the configuration.
import { createHash } from 'node:crypto';
import { SECURITY_CATEGORIES, type SecurityCategory } from '../aggregate/types.js';

export const DEFAULT_TYPE_NAME = 'DNS Security';

/** ConnectWise's `ConfigurationTypeQuestion.fieldType`. */
export const FIELD_TYPES = [
  'TextArea',
  'Currency',
  'Date',
  'Hyperlink',
  'IPAddress',
  'Checkbox',
  'Number',
  'Percent',
  'Text',
  'Password',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** ConnectWise's `ConfigurationTypeQuestion.entryType`; the console's questions are all EntryField. */
export const ENTRY_TYPES = ['Date', 'EntryField', 'List', 'Option'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** Display names of the canonical security categories, as question texts show them. */
export const CATEGORY_LABELS: Readonly<Record<SecurityCategory, string>> = {
  malware: 'Malware',
  'command-and-control': 'Command and control',
  phishing: 'Phishing',
  cryptomining: 'Cryptomining',
  'newly-seen': 'Newly seen domains',
  'dynamic-dns': 'Dynamic DNS',
  tunneling: 'DNS tunneling',
  'potentially-harmful': 'Potentially harmful',
  'other-security': 'Other security',
};

export type SecurityBlocksKey = `security-blocks:${SecurityCategory}`;

export type QuestionKey =
  | 'service-status'
  | 'last-event'
  | 'counts-day'
  | 'active-identities'
  | 'dns-requests'
  | 'blocked-requests'
  | SecurityBlocksKey
  | 'threats-prevented'
  | 'infections-contained'
  | 'top-blocked-domains'
  | 'top-allowed-domains'
  | 'last-synchronized';

export interface QuestionSpec {
  /** Stable across releases and renames: the console remembers each question's PSA id by it. */
  key: QuestionKey;
  /** The question text (ConnectWise: at most 1000 characters); matched case-insensitively. */
  question: string;
  fieldType: FieldType;
  entryType: EntryType;
  sequenceNumber: number;
  numberOfDecimals: number;
}

/** The key whose answer changes at every write; it is left out of the answers digest (plan.ts). */
export const LAST_SYNCHRONIZED: QuestionKey = 'last-synchronized';

export const securityBlocksKey = (category: SecurityCategory): SecurityBlocksKey =>
  `security-blocks:${category}`;

type Row = [key: QuestionKey, question: string, fieldType: FieldType];

const ROWS: Row[] = [
  ['service-status', 'Service status', 'Text'],
  ['last-event', 'Last event received', 'Date'],
  ['counts-day', 'Counts for (UTC day)', 'Text'],
  ['active-identities', 'Active identities', 'Number'],
  ['dns-requests', 'DNS requests', 'Number'],
  ['blocked-requests', 'Blocked requests', 'Number'],
  ...SECURITY_CATEGORIES.map(
    (c): Row => [securityBlocksKey(c), `Security blocks: ${CATEGORY_LABELS[c]}`, 'Number'],
  ),
  ['threats-prevented', 'Threats prevented', 'Number'],
  ['infections-contained', 'Infections contained', 'Number'],
  ['top-blocked-domains', 'Top blocked domains', 'TextArea'],
  ['top-allowed-domains', 'Top allowed domains', 'TextArea'],
  ['last-synchronized', 'Last synchronized', 'Date'],
];

/** The console's questions, in display order. */
export const QUESTIONS: readonly QuestionSpec[] = ROWS.map(([key, question, fieldType], i) => ({
  key,
  question,
  fieldType,
  entryType: 'EntryField',
  sequenceNumber: i + 1,
  numberOfDecimals: 0,
}));

export const QUESTION_KEYS: ReadonlySet<string> = new Set(QUESTIONS.map((q) => q.key));

export function isQuestionKey(value: string): value is QuestionKey {
  return QUESTION_KEYS.has(value);
}

/** ConnectWise's limit on `ConfigurationType.name`. */
export const TYPE_NAME_MAX = 50;

/** Why a configuration type name is refused, in plain words; undefined when it is fine. */
export function typeNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'The configuration type name must be text.';
  if (name.trim() !== name || name === '')
    return 'The configuration type name must not be empty or start or end with spaces.';
  if (name.length > TYPE_NAME_MAX)
    return `The configuration type name has ${name.length} characters; ConnectWise allows at most ${TYPE_NAME_MAX}.`;
  // The type is looked up with `conditions=name="…"`, and ConnectWise conditions have no escape.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters
  if (/["\\\u0000-\u001f\u007f]/.test(name))
    return 'The configuration type name must not contain double quotes, backslashes or control characters.';
  return undefined;
}

/** Throws a RangeError naming the problem unless `name` is a usable configuration type name. */
export function assertTypeName(name: unknown): asserts name is string {
  const problem = typeNameProblem(name);
  if (problem !== undefined) throw new RangeError(problem);
}

/**
 * A fingerprint of what the console wants on the PSA (the type name and every question's key, text
 * and types). The type state remembers the version it ensured; a different version (a renamed type,
 * a question added in a new release) means the type must be ensured again before answers are written.
 */
export function questionSetVersion(typeName: string, questions: readonly QuestionSpec[] = QUESTIONS): string {
  const canonical = JSON.stringify([
    typeName,
    questions.map((q) => [q.key, q.question, q.fieldType, q.entryType, q.numberOfDecimals]),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
