// Ticket text (CON-7): the summary, description and note templates of a rule, their placeholders,
// and rendering them into what is sent to the PSA (summaries fit ConnectWise's 100-character field).
// Every fact is about the ticket's identity in its window: times in the customer's time zone (named),
// the identity type in Umbrella's words ("Roaming Computers"), the window's top blocked domains.
import { formatZonedInstant, formatZonedMinute, formatZonedWindow } from './zoned-time.js';

/** ConnectWise refuses a ticket summary longer than this (characters, i.e. UTF-16 code units). */
export const SUMMARY_MAX_LENGTH = 100;
/** Longest template a rule accepts. */
export const TEMPLATE_MAX_LENGTH = 2000;
/** How many top domains {topDomains} lists. */
export const TOP_DOMAINS_SHOWN = 5;
/** The summary sent when a template renders to nothing (e.g. "{identity}" with an empty label). */
export const FALLBACK_SUMMARY = 'DNS security ticket';

/** Every placeholder a template may use, in the order the settings page lists them. */
export const PLACEHOLDERS = [
  'customer',
  'identity',
  'identityType',
  'count',
  'threshold',
  'categories',
  'window',
  'windowStart',
  'windowEnd',
  'firstSeen',
  'lastSeen',
  'topDomains',
  'rule',
] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface TopDomain {
  domain: string;
  /** Blocked requests to it (an upper bound when `atLeast` is lower: see aggregate/blocked.ts). */
  count: number;
  /** A lower bound of the count; absent or equal to count when the count is exact. */
  atLeast?: number;
}

/** What a template is rendered with. Times are epoch ms. */
export interface TemplateContext {
  /** The customer's name in the console. */
  customer: string;
  /** The identity's label (computer, network, user …) and its type (a kind of sources/identity.ts, or a vendor label). */
  identity: string;
  identityType: string;
  /** Counted requests in the window (see Observation.count). */
  count: number;
  threshold: number;
  /** The rule's categories (canonical names; rendered in words). */
  categories: readonly string[];
  windowStart: number;
  windowEnd: number;
  /** First and last counted (blocked, in the rule's categories) request of the identity in the window; null when not known. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** The identity's most blocked domains in the window, most blocked first; at most TOP_DOMAINS_SHOWN are rendered. */
  topDomains: readonly (string | TopDomain)[];
  /** IANA time zone the times are shown in (named in the text); null: UTC. */
  timeZone: string | null;
  /** The rule's name. */
  rule: string;
}

const PLACEHOLDER_SET: ReadonlySet<string> = new Set(PLACEHOLDERS);
/** {name}: a letter then letters or digits. Anything else in braces is literal text. */
const PLACEHOLDER_PATTERN = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

const CATEGORY_WORDS: Readonly<Record<string, string>> = {
  malware: 'malware',
  'command-and-control': 'command and control',
  phishing: 'phishing',
  cryptomining: 'cryptomining',
  'newly-seen': 'newly seen domains',
  'dynamic-dns': 'dynamic DNS',
  tunneling: 'DNS tunneling',
  'potentially-harmful': 'potentially harmful',
  'other-security': 'other security',
};

/** C0/C1 controls and the bidirectional overrides that could disguise text in the PSA. */
const CONTROL_CHARACTERS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;
/** Same, but keeping tab, line feed and carriage return (allowed in description and note templates). */
const CONTROL_CHARACTERS_BUT_LAYOUT = /[^\P{Cc}\t\n\r]|[\u202A-\u202E\u2066-\u2069]/gu;
/** A surrogate half without its other half: replaced so the text is well-formed UTF-16. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The placeholders of a template that are not in PLACEHOLDERS, each once, in order of appearance. */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1]!;
    if (!PLACEHOLDER_SET.has(name)) unknown.add(name);
  }
  return [...unknown];
}

/** Why a template is refused, in words an administrator understands; empty when it is fine. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  if (template.trim() === '') problems.push('must not be empty');
  if (template.length > TEMPLATE_MAX_LENGTH) {
    problems.push(`must be at most ${TEMPLATE_MAX_LENGTH} characters (got ${template.length})`);
  }
  if (template.replace(CONTROL_CHARACTERS_BUT_LAYOUT, '') !== template) {
    problems.push('must not contain control characters (other than tabs and line breaks)');
  }
  const unknown = unknownPlaceholders(template);
  if (unknown.length > 0) {
    problems.push(
      `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{${p}}`).join(', ')}; ` +
        `the known ones are ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
    );
  }
  return problems;
}

/**
 * Identity types in Umbrella's words (its log and dashboard labels, plural as in real logs), keyed by
 * the kinds the sources map vendor labels to (sources/identity.ts); a type no kind covers is shown as
 * the vendor wrote it.
 */
export const IDENTITY_TYPE_WORDS: Readonly<Record<string, string>> = {
  'ad-user': 'AD Users',
  'ad-computer': 'AD Computers',
  user: 'Local Users',
  'roaming-computer': 'Roaming Computers',
  'mobile-device': 'Mobile Devices',
  site: 'Sites',
  'internal-network': 'Internal Networks',
  network: 'Networks',
  'network-device': 'Network Devices',
  'network-tunnel': 'Network Tunnels',
  'virtual-appliance': 'Virtual Appliances',
  organization: 'Organization',
  unknown: 'unknown identity type',
};

/** "Roaming Computers" for 'roaming-computer'; a vendor label as it is. */
export function formatIdentityType(type: string): string {
  return Object.hasOwn(IDENTITY_TYPE_WORDS, type) ? IDENTITY_TYPE_WORDS[type]! : type;
}

/** ISO-8601 in UTC without milliseconds: 2026-03-10T04:00:00Z. */
export function formatInstant(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return 'unknown';
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The rule's categories in words: "command and control, phishing". */
export function formatCategories(categories: readonly string[]): string {
  return categories.map((c) => CATEGORY_WORDS[c] ?? c).join(', ');
}

/**
 * "a.example (12), b.example (3–5)": at most TOP_DOMAINS_SHOWN, with counts when known (a range when
 * only bounds are known); "none" when empty.
 */
export function formatTopDomains(domains: readonly (string | TopDomain)[]): string {
  if (domains.length === 0) return 'none';
  const count = (d: TopDomain) =>
    d.atLeast === undefined || d.atLeast >= d.count ? String(d.count) : `${d.atLeast}–${d.count}`;
  return domains
    .slice(0, TOP_DOMAINS_SHOWN)
    .map((d) => (typeof d === 'string' ? d : `${d.domain} (${count(d)})`))
    .join(', ');
}

function placeholderValue(name: Placeholder, ctx: TemplateContext): string {
  switch (name) {
    case 'customer':
      return ctx.customer;
    case 'identity':
      return ctx.identity;
    case 'identityType':
      return formatIdentityType(ctx.identityType);
    case 'count':
      return String(ctx.count);
    case 'threshold':
      return String(ctx.threshold);
    case 'categories':
      return formatCategories(ctx.categories);
    case 'window':
      return formatZonedWindow(ctx.windowStart, ctx.windowEnd, ctx.timeZone);
    case 'windowStart':
      return formatZonedMinute(ctx.windowStart, ctx.timeZone);
    case 'windowEnd':
      return formatZonedMinute(ctx.windowEnd, ctx.timeZone);
    case 'firstSeen':
      return ctx.firstSeen === null ? 'unknown' : formatZonedInstant(ctx.firstSeen, ctx.timeZone);
    case 'lastSeen':
      return ctx.lastSeen === null ? 'unknown' : formatZonedInstant(ctx.lastSeen, ctx.timeZone);
    case 'topDomains':
      return formatTopDomains(ctx.topDomains);
    case 'rule':
      return ctx.rule;
  }
}

/** A value as one line of well-formed text: identities and domains come from logs, not from admins. */
function inlineValue(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL_CHARACTERS, ' ');
}

/**
 * The template with each known placeholder replaced, in one pass (a value that looks like a
 * placeholder is not expanded again). Unknown placeholders stay as written (the rule schema refuses
 * them). Values lose their control characters; the template's own line breaks are kept.
 */
export function renderTemplate(template: string, ctx: TemplateContext): string {
  const text = template.replace(PLACEHOLDER_PATTERN, (whole, name: string) =>
    PLACEHOLDER_SET.has(name) ? inlineValue(placeholderValue(name as Placeholder, ctx)) : whole,
  );
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL_CHARACTERS_BUT_LAYOUT, '');
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Cut text to at most `max` UTF-16 code units, ending with '…' when cut. Cuts between grapheme
 * clusters, so neither a surrogate pair nor an accent or emoji sequence is split.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - 1;
  let end = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (end + segment.length > room) break;
    end += segment.length;
  }
  return `${text.slice(0, end).trimEnd()}…`;
}

/**
 * A ticket summary: rendered, on one line (control characters removed, whitespace collapsed), and
 * at most SUMMARY_MAX_LENGTH characters.
 */
export function renderSummary(template: string, ctx: TemplateContext): string {
  const line = renderTemplate(template, ctx).replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  return truncate(line === '' ? FALLBACK_SUMMARY : line, SUMMARY_MAX_LENGTH);
}
