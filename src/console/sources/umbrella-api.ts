// One record of the Umbrella Reporting API v2 `/activity/dns` (or a `type: 'dns'` record of
// `/activity`), event-formats.md §2.2 → the normalized event. The org id is not in the record: the
// caller knows which organization it polled and passes it.
import { z } from 'zod';
import { inferBlockedCategories, pushUnique, resolveCategory } from './categories.js';
import { normalizeQueryType, responseCodeName } from './dns.js';
import {
  type CanonicalCategory,
  type DnsEvent,
  type EventIdentityRef,
  makeEvent,
  quoteValue,
  type SourceLineError,
} from './event.js';
import { normalizeIdentityType } from './identity.js';
import { findTextProblem } from './text.js';
import { utcMs } from './time.js';

const id = z.union([z.number().int(), z.string().min(1).max(200)]);
const optionalText = z.string().max(1000).nullish();

const category = z.object({
  id: id.nullish(),
  type: z.string().max(100).nullish(),
  label: z.string().max(500).nullish(),
  integration: z.boolean().nullish(),
  deprecated: z.boolean().nullish(),
});

const identity = z.object({
  id: id.nullish(),
  label: z.string().max(1000),
  deleted: z.boolean().nullish(),
  type: z
    .object({
      id: id.nullish(),
      type: z.string().max(100).nullish(),
      label: z.string().max(200).nullish(),
    })
    .nullish(),
});

const MIN_MS = utcMs(1970, 1, 1, 0, 0, 0);
const MAX_MS = utcMs(9999, 12, 31, 23, 59, 59);

/** The fields of a record this decoder reads; others (applications, threats, date/time…) pass. */
export const umbrellaDnsRecordSchema = z.object({
  type: z.string().max(50).nullish(),
  timestamp: z.number().int().min(MIN_MS).max(MAX_MS),
  domain: z
    .string()
    .min(1)
    .max(1000)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters
    .refine((d) => !/[\s\u0000-\u001f\u007f]/.test(d) && d !== '.', 'is not a domain name'),
  querytype: z.union([z.string().max(40), z.number().int().min(0).max(65_535)]).nullish(),
  returncode: z.union([z.number().int().min(0).max(65_535), z.string().max(40)]).nullish(),
  internalip: optionalText,
  externalip: optionalText,
  verdict: z.string().max(40),
  categories: z.array(category).max(500).nullish(),
  policycategories: z.array(category).max(500).nullish(),
  identities: z.array(identity).max(500).nullish(),
  ruleid: id.nullish(),
});

export type UmbrellaDnsRecord = z.infer<typeof umbrellaDnsRecordSchema>;

export type UmbrellaApiResult =
  | { ok: true; event: DnsEvent; key: string }
  | { ok: false; error: SourceLineError };

function describeIssue(issue: z.ZodIssue): string {
  const path = issue.path.length ? issue.path.join('.') : 'record';
  return `${path}: ${issue.message}`;
}

function text(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function idText(v: number | string | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * The de-duplication key across pages, whose order within one second is not stable: (timestamp,
 * domain, identity id, internal ip) as Cisco suggests, plus the query type, without which an A and an
 * AAAA query for the same name in the same second would collapse into one. The identity is the first
 * one (the policy identity).
 */
export function dedupKey(record: UmbrellaDnsRecord): string {
  const first = record.identities?.[0];
  return [
    record.timestamp,
    record.domain.toLowerCase().replace(/\.$/, ''),
    idText(first?.id ?? first?.label),
    record.internalip ?? '',
    String(record.querytype ?? ''),
  ].join('|');
}

/**
 * Decodes one record; `index` (0-based position in the page) only names the record in errors. Never
 * throws. `proxied` (sent to the intelligent proxy) counts as allowed at the DNS layer.
 */
export function decodeUmbrellaDnsRecord(
  raw: unknown,
  options: { orgId?: string; index?: number } = {},
): UmbrellaApiResult {
  const where = options.index === undefined ? 'record' : `record ${options.index + 1}`;
  const problem = findTextProblem(raw);
  if (problem !== undefined)
    return { ok: false, error: { line: (options.index ?? -1) + 1, message: `${where}: ${problem}` } };
  const parsed = umbrellaDnsRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map(describeIssue).join('; ');
    return { ok: false, error: { line: (options.index ?? -1) + 1, message: `${where}: ${issues}` } };
  }
  const r = parsed.data;
  const fail = (message: string): UmbrellaApiResult => ({
    ok: false,
    error: { line: (options.index ?? -1) + 1, message: `${where}: ${message}` },
  });
  if (r.type && r.type !== 'dns') return fail(`type ${quoteValue(r.type)} is not a DNS record`);

  const verdict = r.verdict.toLowerCase();
  let action: 'allowed' | 'blocked';
  if (verdict === 'blocked') action = 'blocked';
  else if (verdict === 'allowed' || verdict === 'proxied') action = 'allowed';
  else return fail(`verdict ${quoteValue(r.verdict)} is not allowed, blocked or proxied`);

  let queryType = '';
  if (typeof r.querytype === 'number') queryType = normalizeQueryType(String(r.querytype)) ?? '';
  else if (r.querytype && r.querytype.trim() !== '') {
    const q = normalizeQueryType(r.querytype);
    if (q === null) return fail(`querytype ${quoteValue(r.querytype)} is not a DNS query type`);
    queryType = q;
  }

  let responseCode: string | undefined;
  if (typeof r.returncode === 'number') responseCode = responseCodeName(r.returncode);
  else responseCode = text(r.returncode)?.toUpperCase();

  const vendorCategories: string[] = [];
  const categories: CanonicalCategory[] = [];
  for (const c of r.categories ?? []) {
    const label = c.label ?? '';
    if (label !== '') vendorCategories.push(label);
    pushUnique(
      categories,
      resolveCategory('umbrella', { id: c.id ?? undefined, label, kind: c.type ?? undefined }),
    );
  }
  let blockedCategories: readonly CanonicalCategory[] = [];
  if (action === 'blocked') {
    if (r.policycategories && r.policycategories.length > 0) {
      const blocked: CanonicalCategory[] = [];
      for (const c of r.policycategories) {
        const label = c.label ?? '';
        if (label !== '' && !vendorCategories.includes(label)) vendorCategories.push(label);
        const canonical = resolveCategory('umbrella', {
          id: c.id ?? undefined,
          label,
          kind: c.type ?? undefined,
        });
        pushUnique(blocked, canonical);
        pushUnique(categories, canonical);
      }
      blockedCategories = blocked;
    } else {
      blockedCategories = inferBlockedCategories(categories);
    }
  }

  const identities: EventIdentityRef[] = (r.identities ?? []).map((i) => {
    const typeLabel = text(i.type?.label) ?? text(i.type?.type);
    return typeLabel === undefined
      ? { label: i.label }
      : { label: i.label, type: normalizeIdentityType(typeLabel) };
  });
  const first = identities[0];

  const domain = r.domain.toLowerCase();
  return {
    ok: true,
    key: dedupKey(r),
    event: makeEvent({
      ts: r.timestamp,
      vendor: 'umbrella',
      orgId: options.orgId === '' ? undefined : options.orgId,
      identity: { label: first?.label ?? '', type: first?.type ?? 'unknown' },
      identities,
      internalIp: text(r.internalip),
      externalIp: text(r.externalip),
      domain: domain.endsWith('.') ? domain.slice(0, -1) : domain,
      queryType,
      responseCode,
      action,
      categories,
      blockedCategories,
      vendorCategories,
      ruleId: r.ruleid === null || r.ruleid === undefined ? undefined : String(r.ruleid),
    }),
  };
}

/**
 * Decodes a page body `{meta, data: [...]}` (or a bare array): the DNS events, one error per bad
 * record (named by its position), and records already seen (same dedupKey) skipped. Pass the same
 * `seen` set across the pages of one window.
 */
export function decodeUmbrellaDnsPage(
  body: unknown,
  options: { orgId?: string; seen?: Set<string> } = {},
): { events: DnsEvent[]; errors: SourceLineError[]; duplicates: number } {
  const data = Array.isArray(body)
    ? body
    : body !== null && typeof body === 'object' && Array.isArray((body as { data?: unknown }).data)
      ? ((body as { data: unknown[] }).data as unknown[])
      : undefined;
  if (data === undefined) {
    return { events: [], errors: [{ line: 0, message: 'page: expected {"data": [...]}' }], duplicates: 0 };
  }
  const events: DnsEvent[] = [];
  const errors: SourceLineError[] = [];
  let duplicates = 0;
  const seen = options.seen;
  data.forEach((record, index) => {
    const r = decodeUmbrellaDnsRecord(record, { ...(options.orgId ? { orgId: options.orgId } : {}), index });
    if (!r.ok) errors.push(r.error);
    else if (seen?.has(r.key)) duplicates++;
    else {
      seen?.add(r.key);
      events.push(r.event);
    }
  });
  return { events, errors, duplicates };
}
