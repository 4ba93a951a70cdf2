// Parasol's own event format, for the authenticated NDJSON endpoint (CON-5 c) and anything that wants
// to feed the console without being Umbrella or DNSFilter: one JSON object per line (blank lines are
// skipped), UTF-8. Fields:
//
//   ts                  required  ISO 8601 date-time WITH a zone ('2026-01-05T10:00:00Z',
//                                 '2026-01-05T12:00:00+02:00') or epoch milliseconds (integer)
//   orgId               optional  the sender's organization id (string or integer); routes the event
//                                 through 'ndjson-org' source bindings
//   identity            required  the identity the policy applied to (user, device, network…), non-empty
//   identityType        optional  'ad-user', 'roaming-computer', 'network', … or a vendor label
//                                 ('AD Users'); default 'unknown'
//   identities          optional  every identity on the request: labels, or {label, type?}; default
//                                 [identity]
//   internalIp          optional  client's private address (IPv4 or IPv6)
//   externalIp          optional  egress / NAT address
//   domain              required  the queried name (a trailing dot and upper case are normalized away)
//   queryType           optional  'A', 'AAAA', '28', '28 (AAAA)'; default ''
//   responseCode        optional  'NOERROR', 'NXDOMAIN', …
//   action              required  'allowed' or 'blocked' (any case)
//   categories          optional  category labels, vendor labels ('Command and Control', 'Botnet')
//                                 or canonical names ('command-and-control'); unknown labels are content
//   blockedCategories   optional  the categories that caused a block; when a blocked event has none,
//                                 its security categories (or, without any, all its categories)
//   ruleId              optional  string or integer
//
// Unknown fields are refused (a misspelt 'domian' must not pass silently). Each bad line is an error
// naming its line and field; the other lines still count.
import { z } from 'zod';
import { categoriesOfLabels, inferBlockedCategories } from './categories.js';
import { isIpLike, normalizeQueryType } from './dns.js';
import {
  type DnsEvent,
  type EventIdentityRef,
  makeEvent,
  quoteValue,
  type SourceLineError,
} from './event.js';
import { normalizeIdentityType } from './identity.js';
import { findTextProblem } from './text.js';
import { parseIsoDateTime, utcMs } from './time.js';

/** Longest line accepted, in characters. */
export const MAX_NDJSON_LINE = 64 * 1024;

const MIN_MS = utcMs(1970, 1, 1, 0, 0, 0);
const MAX_MS = utcMs(9999, 12, 31, 23, 59, 59);

const label = z.string().trim().min(1, 'must not be empty').max(1000);
const ip = z
  .string()
  .trim()
  .max(100)
  .refine((s) => s === '' || isIpLike(s), 'is not an IP address');
const idLike = z.union([z.string().trim().max(200), z.number().int().nonnegative()]).transform(String);

export const ndjsonEventSchema = z
  .object({
    ts: z.union([
      z.number().int().min(MIN_MS, 'is before 1970').max(MAX_MS, 'is after 9999'),
      z
        .string()
        .max(40)
        .refine((s) => !Number.isNaN(parseIsoDateTime(s)), 'is not an ISO 8601 date-time with a zone'),
    ]),
    orgId: idLike.optional(),
    identity: label,
    identityType: z.string().trim().max(200).optional(),
    identities: z
      .array(z.union([label, z.object({ label, type: z.string().trim().max(200).optional() }).strict()]))
      .max(100)
      .optional(),
    internalIp: ip.optional(),
    externalIp: ip.optional(),
    domain: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(1000)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters
      .refine((d) => d !== '.' && !/[\s\u0000-\u001f\u007f]/.test(d), 'is not a domain name'),
    queryType: z
      .union([z.string().trim().max(40), z.number().int().min(0).max(65_535).transform(String)])
      .refine((q) => q === '' || normalizeQueryType(q) !== null, 'is not a DNS query type')
      .optional(),
    responseCode: z.string().trim().max(40).optional(),
    action: z
      .string()
      .transform((a) => a.toLowerCase())
      .pipe(z.enum(['allowed', 'blocked'], { message: "must be 'allowed' or 'blocked'" })),
    categories: z.array(z.string().trim().max(500)).max(200).optional(),
    blockedCategories: z.array(z.string().trim().max(500)).max(200).optional(),
    ruleId: idLike.optional(),
  })
  .strict();

export type NdjsonEventInput = z.input<typeof ndjsonEventSchema>;

export type NdjsonLineResult =
  | { ok: true; event: DnsEvent }
  | { ok: true; blank: true }
  | { ok: false; error: SourceLineError };

function fail(line: number, message: string): { ok: false; error: SourceLineError } {
  return { ok: false, error: { line, message: `line ${line}: ${message}` } };
}

function issueText(issue: z.ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  const path = issue.path.length ? issue.path.join('.') : 'event';
  const message =
    issue.code === 'invalid_type' && issue.received === 'undefined' ? 'is required' : issue.message;
  return `${path}: ${message}`;
}

/** Decodes one already-parsed object; `line` names it in errors. */
export function decodeNdjsonEvent(raw: unknown, line = 0): NdjsonLineResult {
  const problem = findTextProblem(raw);
  if (problem !== undefined) return fail(line, problem);
  const parsed = ndjsonEventSchema.safeParse(raw);
  if (!parsed.success) return fail(line, parsed.error.issues.slice(0, 3).map(issueText).join('; '));
  const r = parsed.data;
  const ts = typeof r.ts === 'number' ? r.ts : parseIsoDateTime(r.ts);
  let domain = r.domain.toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  const identityType =
    r.identityType !== undefined && r.identityType !== '' ? normalizeIdentityType(r.identityType) : 'unknown';
  const identities: EventIdentityRef[] = r.identities
    ? r.identities.map((i) => {
        if (typeof i === 'string') return i === r.identity ? { label: i, type: identityType } : { label: i };
        return i.type !== undefined && i.type !== ''
          ? { label: i.label, type: normalizeIdentityType(i.type) }
          : { label: i.label };
      })
    : [{ label: r.identity, type: identityType }];
  const vendorCategories = (r.categories ?? []).filter((c) => c !== '');
  const categories = categoriesOfLabels(vendorCategories);
  let blockedCategories: readonly (typeof categories)[number][] = [];
  if (r.action === 'blocked') {
    const given = (r.blockedCategories ?? []).filter((c) => c !== '');
    if (given.length > 0) {
      blockedCategories = categoriesOfLabels(given);
      for (const c of blockedCategories) if (!categories.includes(c)) categories.push(c);
      for (const c of given) if (!vendorCategories.includes(c)) vendorCategories.push(c);
    } else blockedCategories = inferBlockedCategories(categories);
  }
  const queryType =
    r.queryType === undefined || r.queryType === '' ? '' : (normalizeQueryType(r.queryType) ?? '');
  const empty = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);
  return {
    ok: true,
    event: makeEvent({
      ts,
      vendor: 'ndjson',
      orgId: empty(r.orgId),
      identity: { label: r.identity, type: identityType },
      identities,
      internalIp: empty(r.internalIp),
      externalIp: empty(r.externalIp),
      domain,
      queryType,
      responseCode: empty(r.responseCode)?.toUpperCase(),
      action: r.action,
      categories,
      blockedCategories,
      vendorCategories,
      ruleId: empty(r.ruleId),
    }),
  };
}

/** Decodes one NDJSON line (1-based `lineNumber`); never throws. */
export function decodeNdjsonLine(line: string, lineNumber: number): NdjsonLineResult {
  if (typeof line !== 'string') return fail(lineNumber, 'is not text');
  let text = line;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: true, blank: true };
  if (text.length > MAX_NDJSON_LINE) {
    return fail(lineNumber, `is ${text.length} characters long; at most ${MAX_NDJSON_LINE} are accepted`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(lineNumber, `is not JSON: ${quoteValue(e instanceof Error ? e.message : String(e))}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(lineNumber, 'expected one JSON object per line');
  }
  try {
    return decodeNdjsonEvent(value, lineNumber);
  } catch (e) {
    return fail(lineNumber, `could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Decodes a whole NDJSON body; the events of good lines and one error per bad line. */
export function parseNdjson(text: string): { events: DnsEvent[]; errors: SourceLineError[] } {
  const events: DnsEvent[] = [];
  const errors: SourceLineError[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    lineNumber++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const r = decodeNdjsonLine(line, lineNumber);
    if (!r.ok) errors.push(r.error);
    else if ('event' in r) events.push(r.event);
    start = end + 1;
  }
  return { events, errors };
}
