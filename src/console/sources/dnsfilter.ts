// One DNSFilter query-log record (traffic report JSON, event-formats.md §4) → the normalized event.
//
// - time 'YYYY-MM-DD HH:MM:SS.mmm', UTC (an ISO form with 'T' and 'Z' is accepted too);
// - identity: the roaming agent when there is one (type roaming-computer), else the local user (user),
//   else the network (network); every one present is listed in `identities`;
// - categories pair `categories` (ids) with `categories_names` by position; names decide, ids are the
//   fallback (categories.ts). When the record is a threat (`threat: true`, or a method_name that says
//   Security) and no category resolved to a security one, its unknown categories count as
//   other-security (and a threat without categories is other-security);
// - DNSFilter does not say which category caused a block: a blocked record's blockedCategories are its
//   security categories if it has any, else all of them.
import { z } from 'zod';
import { inferBlockedCategories, pushUnique, resolveCategory } from './categories.js';
import { normalizeQueryType, responseCodeName } from './dns.js';
import {
  type CanonicalCategory,
  type DnsEvent,
  type EventIdentityRef,
  hasSecurity,
  makeEvent,
  quoteValue,
  type SourceLineError,
} from './event.js';
import { findTextProblem } from './text.js';
import { parseUtcDateTime } from './time.js';

const idValue = z.union([z.number().int(), z.string().max(200)]);
const optionalText = z.string().max(1000).nullish();

export const dnsfilterRecordSchema = z.object({
  time: z.string().max(40),
  fqdn: z.string().max(1000).nullish(),
  domain: z.string().max(1000).nullish(),
  question_type: z.union([z.string().max(40), z.number().int().min(0).max(65_535)]).nullish(),
  code: z.union([z.string().max(40), z.number().int().min(0).max(65_535)]).nullish(),
  result: z.string().max(40),
  threat: z.boolean().nullish(),
  categories: z.array(idValue.nullable()).max(200).nullish(),
  categories_names: z.array(z.string().max(500).nullable()).max(200).nullish(),
  method: idValue.nullish(),
  method_name: optionalText,
  policy_id: idValue.nullish(),
  policy_name: optionalText,
  scheduled_policy_id: idValue.nullish(),
  networkid: idValue.nullish(),
  network_name: optionalText,
  agentid: idValue.nullish(),
  agentname: optionalText,
  agenttype: optionalText,
  local_user_id: idValue.nullish(),
  local_user_name: optionalText,
  local_user_login: optionalText,
  local_ipv4_address: optionalText,
  local_ipv6_address: optionalText,
  request_address: optionalText,
  organization_id: idValue.nullish(),
});

export type DnsfilterRecord = z.infer<typeof dnsfilterRecordSchema>;

export type DnsfilterResult = { ok: true; event: DnsEvent } | { ok: false; error: SourceLineError };

function text(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function idText(v: number | string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  return text(String(v));
}

/** Decodes one record; `line` (1-based, e.g. its line in an NDJSON export) names it in errors. */
export function decodeDnsfilterRecord(raw: unknown, options: { line?: number } = {}): DnsfilterResult {
  const line = options.line ?? 0;
  const where = line > 0 ? `line ${line}` : 'record';
  const fail = (message: string): DnsfilterResult => ({
    ok: false,
    error: { line, message: `${where}: ${message}` },
  });
  const problem = findTextProblem(raw);
  if (problem !== undefined) return fail(problem);
  const parsed = dnsfilterRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length ? i.path.join('.') : 'record'}: ${i.message}`)
      .join('; ');
    return fail(issues);
  }
  const r = parsed.data;

  const ts = parseUtcDateTime(r.time);
  if (Number.isNaN(ts))
    return fail(`time ${quoteValue(r.time)} is not a valid UTC time (YYYY-MM-DD HH:MM:SS.mmm)`);

  const rawDomain = text(r.fqdn) ?? text(r.domain);
  if (rawDomain === undefined) return fail('fqdn: is missing');
  let domain = rawDomain.toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters
  if (domain === '' || /[\s\u0000-\u001f\u007f]/.test(domain)) {
    return fail(`fqdn: ${quoteValue(rawDomain)} is not a domain name`);
  }

  const result = r.result.toLowerCase();
  let action: 'allowed' | 'blocked';
  if (result === 'blocked') action = 'blocked';
  else if (result === 'allowed') action = 'allowed';
  else return fail(`result: ${quoteValue(r.result)} is neither allowed nor blocked`);

  let queryType = '';
  if (r.question_type !== null && r.question_type !== undefined && String(r.question_type).trim() !== '') {
    const q = normalizeQueryType(String(r.question_type));
    if (q === null)
      return fail(`question_type: ${quoteValue(String(r.question_type))} is not a DNS query type`);
    queryType = q;
  }
  const responseCode = typeof r.code === 'number' ? responseCodeName(r.code) : text(r.code)?.toUpperCase();

  // Categories: names and ids side by side.
  const ids = r.categories ?? [];
  const names = r.categories_names ?? [];
  const n = Math.max(ids.length, names.length);
  const threat = r.threat === true || /security/i.test(r.method_name ?? '');
  const vendorCategories: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = text(names[i]);
    if (name !== undefined) vendorCategories.push(name);
  }
  const resolveAll = (security: boolean): CanonicalCategory[] => {
    const out: CanonicalCategory[] = [];
    for (let i = 0; i < n; i++) {
      const name = text(names[i]);
      pushUnique(out, resolveCategory('dnsfilter', { id: ids[i] ?? undefined, label: name, security }));
    }
    return out;
  };
  let categories = resolveAll(false);
  if (threat && !hasSecurity(categories)) {
    categories = n > 0 ? resolveAll(true) : [];
    if (!hasSecurity(categories)) pushUnique(categories, 'other-security');
  }
  const blockedCategories = action === 'blocked' ? inferBlockedCategories(categories) : [];

  // Identities: agent, local user, network.
  const agent = text(r.agentname);
  const user = text(r.local_user_name) ?? text(r.local_user_login);
  const networkName = text(r.network_name);
  const networkId = idText(r.networkid);
  const identities: EventIdentityRef[] = [];
  if (agent !== undefined) identities.push({ label: agent, type: 'roaming-computer' });
  if (user !== undefined) identities.push({ label: user, type: 'user' });
  if (networkName !== undefined) identities.push({ label: networkName, type: 'network' });
  const first = identities[0];
  const identity = first
    ? { label: first.label, type: first.type ?? 'unknown' }
    : { label: networkId ?? '', type: networkId === undefined ? 'unknown' : 'network' };
  if (!first && networkId !== undefined) identities.push({ label: networkId, type: 'network' });

  const network =
    networkId === undefined && networkName === undefined
      ? undefined
      : {
          ...(networkId === undefined ? {} : { id: networkId }),
          ...(networkName === undefined ? {} : { name: networkName }),
        };

  return {
    ok: true,
    event: makeEvent({
      ts,
      vendor: 'dnsfilter',
      orgId: idText(r.organization_id),
      identity,
      identities,
      internalIp: text(r.local_ipv4_address) ?? text(r.local_ipv6_address),
      externalIp: text(r.request_address),
      domain,
      queryType,
      responseCode,
      action,
      categories,
      blockedCategories,
      vendorCategories,
      ruleId: idText(r.policy_id),
      network,
    }),
  };
}
