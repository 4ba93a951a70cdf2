// Cisco Umbrella DNS logs as Log Management writes them to S3 (event-formats.md §1.2, §1.3), one
// line at a time: the caller streams lines out of gunzip and hands each to `parseLine`.
//
// The format, as this parser reads it:
// - every field is double-quoted, `""` escapes a quote; unquoted fields are tolerated (RFC 4180);
// - spaces may follow the separating commas (and precede them, after a closing quote);
// - 10 to 16 columns by position (Timestamp, Most Granular Identity, Identities, Internal IP,
//   External IP, Action, Query Type, Response Code, Domain, Categories | Most Granular Identity Type,
//   Identity Types | Blocked Categories | Rule ID, Destination Countries, Organization ID); extra
//   trailing columns are ignored;
// - an optional header row (first field 'Timestamp'): from then on columns are found BY NAME, for as
//   long as this parser lives (one parser per file);
// - multi-valued fields are joined with ',' (sometimes ', '); an identity may itself hold a comma
//   ('Doe, Jane (jane@example.test)'), which the Most-Granular-Identity prefix rule of §1.3 handles,
//   plus one more rule when identity types are present: a piece without '(' followed, after ', ', by a
//   piece ending in '(…)' is one AD-user name while the pieces outnumber the types;
// - timestamps 'YYYY-MM-DD HH:MM:SS', UTC; impossible dates are errors;
// - a field never spans lines (DNS logs have no multi-line values): a quote left open is an error.
//
// Speed matters (a day of one customer is a million lines): fields are found with indexOf on the line,
// not a regex or a generic CSV state machine, and everything that repeats between lines (identity
// lists, category lists, query types, the date) is resolved once and cached, so a line costs a handful
// of slices and one event object. `parseLine` never throws.
import { categoriesOfLabels, inferBlockedCategories } from './categories.js';
import { isIpLike, normalizeQueryType, queryTypeName, umbrellaQueryType } from './dns.js';
import {
  type CanonicalCategory,
  type DnsEvent,
  detach,
  type EventIdentity,
  type EventIdentityRef,
  quoteValue,
  type SourceLineError,
} from './event.js';
import { labelKey, normalizeIdentityType } from './identity.js';
import { textProblem } from './text.js';
import { formatUtcDateTime, parseUtcDateTime } from './time.js';

// Logical fields, in Umbrella's positional order (exported for the byte reader as FIELD).
const TS = 0;
const MG = 1;
const IDS = 2;
const IIP = 3;
const EIP = 4;
const ACTION = 5;
const QTYPE = 6;
const RCODE = 7;
const DOMAIN = 8;
const CATS = 9;
const MGTYPE = 10;
const IDTYPES = 11;
const BLOCKED = 12;
const RULE = 13;
const COUNTRIES = 14;
const ORG = 15;
const FIELD_COUNT = 16;

/** The logical fields the byte reader (umbrella-csv-bytes.ts) reads, by name. */
export const FIELD = { TS, MG, IDS, IIP, EIP, ACTION, QTYPE, DOMAIN, CATS, MGTYPE, IDTYPES, ORG } as const;

/**
 * Where the next data line's fields are: physical column of each logical field (-1: the file has no
 * such column), the fewest columns a line must have, and why no line can be read (a header without a
 * required column). A header row changes it; the byte reader reads lines with the same layout.
 */
export interface ColumnLayout {
  readonly cols: Int32Array;
  readonly minColumns: number;
  readonly problem: string | undefined;
}

/** Umbrella's header names, by position (the Secure Access / Sentinel spellings). */
export const UMBRELLA_DNS_COLUMNS = [
  'Timestamp',
  'Most Granular Identity',
  'Identities',
  'Internal IP',
  'External IP',
  'Action',
  'Query Type',
  'Response Code',
  'Domain',
  'Categories',
  'Most Granular Identity Type',
  'Identity Types',
  'Blocked Categories',
  'Rule ID',
  'Destination Countries',
  'Organization ID',
] as const;

/** Header names (as labelKey) → logical field: Umbrella's names plus a few spellings seen elsewhere. */
const HEADER_ALIASES = new Map<string, number>([
  ...UMBRELLA_DNS_COLUMNS.map((name, i) => [labelKey(name), i] as [string, number]),
  ['policyidentity', MG],
  ['policyidentitylabel', MG],
  ['identity', MG],
  ['internalclientip', IIP],
  ['sourceip', IIP],
  ['externalclientip', EIP],
  ['egressip', EIP],
  ['qtype', QTYPE],
  ['rcode', RCODE],
  ['destination', DOMAIN],
  ['policyidentitytype', MGTYPE],
  ['identitytype', MGTYPE],
  ['destinationcountry', COUNTRIES],
  ['orgid', ORG],
  ['organisationid', ORG],
]);

/** Minimum columns of a headerless line. */
const MIN_COLUMNS = 10;
/** Column positions remembered per line; columns beyond are still checked, never stored. */
const MAX_STORED = 64;

const EMPTY: readonly never[] = Object.freeze([]);

export interface UmbrellaCsvOptions {
  /** The org id for lines without an Organization ID column (e.g. from the bucket's org prefix). */
  orgId?: string;
}

export type UmbrellaLineResult =
  | { ok: true; event: DnsEvent }
  | { ok: true; header: true }
  /** An empty or blank line: nothing to ingest, nothing wrong. */
  | { ok: true; blank: true }
  | { ok: false; error: SourceLineError };

export interface UmbrellaCsvParser {
  parseLine(line: string, lineNumber: number): UmbrellaLineResult;
  /** The columns lines are read with now (see ColumnLayout). */
  readonly layout: ColumnLayout;
}

interface IdentityEntry {
  /** The raw text of the identity-type columns (see Parser.span). */
  typeKey: string;
  identity: EventIdentity;
  identities: readonly EventIdentityRef[];
  next: IdentityEntry | undefined;
}

/**
 * The name of a query type written 'N (NAME)' between `start` and `end` of `line`, read without
 * slicing when N is a type this table knows and NAME is its name; undefined otherwise (the caller then
 * takes the general path).
 */
function umbrellaQueryTypeAt(line: string, start: number, end: number): string | undefined {
  let n = 0;
  let i = start;
  for (; i < end && i < start + 5; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + c - 48;
  }
  if (i === start || line.charCodeAt(i) !== 32 || line.charCodeAt(i + 1) !== 40) return undefined;
  const name = KNOWN_QUERY_TYPES[n];
  if (name === undefined || i + 3 + name.length !== end || line.charCodeAt(end - 1) !== 41) return undefined;
  for (let k = 0; k < name.length; k++)
    if (line.charCodeAt(i + 2 + k) !== name.charCodeAt(k)) return undefined;
  return name;
}

/** Query type names by number, for umbrellaQueryTypeAt and the byte reader. */
export const KNOWN_QUERY_TYPES: (string | undefined)[] = [];
for (let n = 0; n < 300; n++) {
  const name = queryTypeName(n);
  if (!name.startsWith('TYPE')) KNOWN_QUERY_TYPES[n] = name;
}

function chainLength(e: IdentityEntry | undefined): number {
  let n = 0;
  for (let x = e; x !== undefined; x = x.next) n++;
  return n;
}

export interface CategoryEntry {
  categories: readonly CanonicalCategory[];
  vendorCategories: readonly string[];
  /** What a block was for when the line has no Blocked Categories column. */
  inferredBlocked: readonly CanonicalCategory[];
}

const CACHE_LIMIT = 8192;

function fail(line: number, message: string): { ok: false; error: SourceLineError } {
  return { ok: false, error: { line, message: `line ${line}: ${message}` } };
}

function columnName(logical: number): string {
  return UMBRELLA_DNS_COLUMNS[logical] ?? `column ${logical + 1}`;
}

/** Splits a multi-valued field on ',' followed by optional spaces; trims and drops empty pieces. */
export function splitList(field: string): string[] {
  const out: string[] = [];
  if (field === '') return out;
  let start = 0;
  for (;;) {
    const comma = field.indexOf(',', start);
    const piece = (comma === -1 ? field.slice(start) : field.slice(start, comma)).trim();
    if (piece !== '') out.push(piece);
    if (comma === -1) return out;
    start = comma + 1;
  }
}

interface Piece {
  text: string;
  /** The separator before this piece (',' or ', '…); '' for the first. */
  sep: string;
}

function splitPieces(field: string): Piece[] {
  const out: Piece[] = [];
  const re = /,(\s*)/g;
  let last = 0;
  let sep = '';
  for (let m = re.exec(field); m !== null; m = re.exec(field)) {
    const text = field.slice(last, m.index).trim();
    if (text !== '') out.push({ text, sep });
    sep = m[0];
    last = m.index + m[0].length;
  }
  const text = field.slice(last).trim();
  if (text !== '') out.push({ text, sep });
  return out;
}

/**
 * The identities of a line: the Most Granular Identity, when the Identities field starts with it, is
 * its first element whatever commas it holds (Elastic's observation, §1.3); the rest is split on
 * commas, then re-joined where a comma is evidently inside an AD user's display name and the identity
 * types say there are fewer identities than pieces.
 */
export function splitIdentities(field: string, mg: string, typeCount?: number): string[] {
  const pieces: Piece[] = [];
  let fixed = 0;
  let rest = field;
  if (mg !== '' && field.startsWith(mg)) {
    if (field.length === mg.length) return [mg];
    if (field.charCodeAt(mg.length) === 44) {
      pieces.push({ text: mg, sep: '' });
      fixed = 1;
      rest = field.slice(mg.length + 1);
    }
  }
  pieces.push(...splitPieces(rest));
  if (typeCount !== undefined && typeCount > 0) {
    while (pieces.length > typeCount) {
      let merged = false;
      for (let i = fixed; i + 1 < pieces.length; i++) {
        const a = pieces[i]!;
        const b = pieces[i + 1]!;
        if (b.sep.length > 1 && !a.text.includes('(') && /\([^()]*\)$/.test(b.text)) {
          pieces.splice(i, 2, { text: `${a.text}${b.sep}${b.text}`, sep: a.sep });
          merged = true;
          break;
        }
      }
      if (!merged) break;
    }
  }
  return pieces.map((p) => p.text);
}

export function resolveIdentities(
  mg: string,
  idsField: string,
  mgType: string | undefined,
  typesField: string | undefined,
): { identity: EventIdentity; identities: readonly EventIdentityRef[] } {
  const types = typesField === undefined ? undefined : splitList(typesField);
  let labels = splitIdentities(idsField, mg, types?.length);
  if (labels.length === 0 && mg !== '') labels = [mg];
  const label = mg !== '' ? mg : (labels[0] ?? '');
  const paired = types !== undefined && types.length === labels.length;
  const mgKind = mgType !== undefined && mgType.trim() !== '' ? normalizeIdentityType(mgType) : undefined;
  const identities: EventIdentityRef[] = labels.map((l, i) => {
    if (paired) return Object.freeze({ label: l, type: normalizeIdentityType(types[i]!) });
    if (mgKind !== undefined && l === label) return Object.freeze({ label: l, type: mgKind });
    return Object.freeze({ label: l });
  });
  const own = identities.find((r) => r.label === label && r.type !== undefined);
  const identity = Object.freeze({ label, type: mgKind ?? own?.type ?? 'unknown' });
  return { identity, identities: Object.freeze(identities) };
}

export function resolveCategoryList(field: string): CategoryEntry {
  const vendorCategories = Object.freeze(splitList(field));
  const categories = Object.freeze(categoriesOfLabels(vendorCategories));
  const inferred = inferBlockedCategories(categories);
  return {
    categories,
    vendorCategories,
    inferredBlocked: inferred === categories ? categories : Object.freeze(inferred),
  };
}

class Parser implements UmbrellaCsvParser {
  private readonly starts = new Int32Array(MAX_STORED);
  private readonly ends = new Int32Array(MAX_STORED);
  private readonly escaped = new Uint8Array(MAX_STORED);
  /** Physical column of each logical field; -1 when the file has no such column. */
  private readonly cols = new Int32Array(FIELD_COUNT);
  private minColumns = MIN_COLUMNS;
  private headerProblem: string | undefined;

  get layout(): ColumnLayout {
    return { cols: this.cols, minColumns: this.minColumns, problem: this.headerProblem };
  }
  private splitError = '';
  private readonly identityCache = new Map<string, IdentityEntry>();
  private readonly categoryCache = new Map<string, CategoryEntry>();
  private readonly defaultOrgId: string | undefined;

  constructor(options: UmbrellaCsvOptions) {
    this.defaultOrgId = options.orgId === '' ? undefined : options.orgId;
    for (let i = 0; i < FIELD_COUNT; i++) this.cols[i] = i;
  }

  parseLine(line: string, lineNumber: number): UmbrellaLineResult {
    try {
      return this.parse(line, lineNumber);
    } catch (e) {
      // Not expected; a bug here must cost one line, not the file.
      return fail(lineNumber, `could not be read (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  private parse(line: string, lineNumber: number): UmbrellaLineResult {
    if (typeof line !== 'string') return fail(lineNumber, 'is not text');
    const problem = textProblem(line);
    if (problem !== undefined) return fail(lineNumber, problem);
    const count = this.split(line);
    if (count === 0) return { ok: true, blank: true };
    if (count < 0) return fail(lineNumber, this.splitError);
    if (this.isHeader(line, count)) return this.readHeader(line, count, lineNumber);
    if (this.headerProblem !== undefined) return fail(lineNumber, this.headerProblem);
    if (count < this.minColumns) {
      return fail(lineNumber, `expected at least ${this.minColumns} columns, found ${count}`);
    }
    const cols = this.cols;

    // Timestamp, straight from the line: no slice.
    const tsCol = cols[TS]!;
    const ts = parseUtcDateTime(line, this.starts[tsCol]!, this.ends[tsCol]!);
    if (Number.isNaN(ts)) {
      return fail(
        lineNumber,
        `column ${tsCol + 1} (Timestamp) ${quoteValue(this.field(line, tsCol))} is not a valid UTC timestamp (YYYY-MM-DD HH:MM:SS)`,
      );
    }

    const actionCol = cols[ACTION]!;
    const as = this.starts[actionCol]!;
    const alen = this.ends[actionCol]! - as;
    let action: 'allowed' | 'blocked';
    const a0 = line.charCodeAt(as);
    if (alen === 7 && a0 === 66 && line.charCodeAt(as + 6) === 100)
      action = 'blocked'; // B…d
    else if (alen === 7 && a0 === 65 && line.charCodeAt(as + 6) === 100)
      action = 'allowed'; // A…d
    else {
      const actionText = this.field(line, actionCol);
      const lower = actionText.toLowerCase();
      if (lower === 'blocked') action = 'blocked';
      else if (lower === 'allowed' || lower === 'proxied') action = 'allowed';
      else {
        return fail(
          lineNumber,
          `column ${cols[ACTION]! + 1} (Action) ${quoteValue(actionText)} is neither Allowed nor Blocked`,
        );
      }
    }

    // Domain: lower-case, without the trailing dot, no spaces, quotes or control characters; read
    // straight from the line so that it costs one slice.
    const domainCol = cols[DOMAIN]!;
    const ds = this.starts[domainCol]!;
    let de = this.ends[domainCol]!;
    if (de > ds && line.charCodeAt(de - 1) === 46) de--;
    let upper = false;
    let bad = de === ds || this.escaped[domainCol] === 1;
    for (let i = ds; i < de && !bad; i++) {
      const c = line.charCodeAt(i);
      if (c <= 32 || c === 127) bad = true;
      else if (c >= 65 && c <= 90) upper = true;
    }
    if (bad) {
      return fail(
        lineNumber,
        `column ${domainCol + 1} (Domain) ${quoteValue(this.field(line, domainCol))} is not a domain name`,
      );
    }
    const domain = upper ? line.slice(ds, de).toLowerCase() : line.slice(ds, de);

    const qtypeCol = cols[QTYPE]!;
    let queryType = '';
    if (qtypeCol >= 0 && qtypeCol < count && this.ends[qtypeCol] !== this.starts[qtypeCol]) {
      const q =
        umbrellaQueryTypeAt(line, this.starts[qtypeCol]!, this.ends[qtypeCol]!) ??
        this.queryType(line, qtypeCol);
      if (q === null) {
        return fail(
          lineNumber,
          `column ${qtypeCol + 1} (Query Type) ${quoteValue(this.field(line, qtypeCol))} is not a DNS query type`,
        );
      }
      queryType = q;
    }

    const internalIp = this.optional(line, count, IIP);
    if (internalIp !== undefined && !isIpLike(internalIp)) {
      return fail(
        lineNumber,
        `column ${cols[IIP]! + 1} (Internal IP) ${quoteValue(internalIp)} is not an IP address`,
      );
    }
    const externalIp = this.optional(line, count, EIP);
    if (externalIp !== undefined && !isIpLike(externalIp)) {
      return fail(
        lineNumber,
        `column ${cols[EIP]! + 1} (External IP) ${quoteValue(externalIp)} is not an IP address`,
      );
    }

    // Identities, resolved once per distinct (most granular identity, identities, their types). The
    // keys are slices spanning adjacent columns, so a line costs two slices and two native hash
    // lookups, never a character-by-character comparison in JavaScript.
    const idKey = this.span(line, count, MG, IDS);
    const typeKey = this.span(line, count, MGTYPE, IDTYPES);
    const head = this.identityCache.get(idKey);
    let ids = head;
    while (ids !== undefined && ids.typeKey !== typeKey) ids = ids.next;
    if (ids === undefined) {
      // Copies (detach): cached strings must not keep the chunks they were read from alive.
      const mgType = this.optional(line, count, MGTYPE);
      const types = this.optional(line, count, IDTYPES);
      const r = resolveIdentities(
        detach((this.optional(line, count, MG) ?? '').trim()),
        detach(this.optional(line, count, IDS) ?? ''),
        mgType === undefined ? undefined : detach(mgType),
        types === undefined ? undefined : detach(types),
      );
      ids = {
        typeKey: detach(typeKey),
        identity: r.identity,
        identities: r.identities,
        // The same identities with other types: a short chain.
        next: head !== undefined && chainLength(head) < 4 ? head : undefined,
      };
      if (this.identityCache.size >= CACHE_LIMIT) this.identityCache.clear();
      this.identityCache.set(detach(idKey), ids);
    }

    const cats = this.categoryEntry(this.optional(line, count, CATS) ?? '');
    let blockedCategories: readonly CanonicalCategory[] = EMPTY;
    if (action === 'blocked') {
      const blockedCol = cols[BLOCKED]!;
      if (blockedCol >= 0 && blockedCol < count) {
        blockedCategories = this.categoryEntry(this.field(line, blockedCol)).categories;
      } else {
        blockedCategories = cats.inferredBlocked;
      }
    }

    // The literal of makeEvent, written out: the same keys in the same order give the same object
    // shape, without an intermediate object on the hottest path (event.test.ts checks the key order).
    const event: DnsEvent = {
      ts,
      vendor: 'umbrella',
      orgId: this.optional(line, count, ORG) ?? this.defaultOrgId,
      identity: ids.identity,
      identities: ids.identities,
      internalIp,
      externalIp,
      domain,
      queryType,
      responseCode: this.optional(line, count, RCODE),
      action,
      categories: cats.categories,
      blockedCategories,
      vendorCategories: cats.vendorCategories,
      ruleId: this.optional(line, count, RULE),
      network: undefined,
    };
    return { ok: true, event };
  }

  private categoryEntry(field: string): CategoryEntry {
    let entry = this.categoryCache.get(field);
    if (entry === undefined) {
      const copy = detach(field);
      entry = resolveCategoryList(copy);
      if (this.categoryCache.size >= CACHE_LIMIT) this.categoryCache.clear();
      this.categoryCache.set(copy, entry);
    }
    return entry;
  }

  /** The text of physical column `col` (unescaped). */
  private field(line: string, col: number): string {
    if (col < 0 || col >= MAX_STORED) return '';
    const raw = line.slice(this.starts[col]!, this.ends[col]!);
    return this.escaped[col] === 1 ? raw.replaceAll('""', '"') : raw;
  }

  private queryType(line: string, col: number): string | null {
    return normalizeQueryType(this.field(line, col));
  }

  /** The text of a logical field, or undefined when the line lacks the column or it is empty. */
  private optional(line: string, count: number, logical: number): string | undefined {
    const col = this.cols[logical]!;
    if (col < 0 || col >= count || col >= MAX_STORED || this.ends[col] === this.starts[col]) return undefined;
    return this.field(line, col);
  }

  /**
   * The raw text of two logical fields as one key: one slice when they are adjacent columns (always,
   * without a header), else both joined by a separator. '' stands for an absent column.
   */
  private span(line: string, count: number, first: number, second: number): string {
    const a = this.cols[first]!;
    const b = this.cols[second]!;
    const hasA = a >= 0 && a < count && a < MAX_STORED;
    const hasB = b >= 0 && b < count && b < MAX_STORED;
    if (hasA && hasB && b === a + 1) return line.slice(this.starts[a]!, this.ends[b]!);
    if (!hasA && !hasB) return '';
    const ra = hasA ? line.slice(this.starts[a]!, this.ends[a]!) : '';
    const rb = hasB ? line.slice(this.starts[b]!, this.ends[b]!) : '';
    return `${hasA ? 1 : 0}${hasB ? 1 : 0}\u0000${ra}\u0000${rb}`;
  }

  /**
   * Finds the columns of a line: their count (0 for a blank line), or -1 with `splitError` set.
   * Fields are quoted ("…", "" inside) or not; spaces and tabs around separators are skipped.
   */
  private split(line: string): number {
    let len = line.length;
    if (len > 0 && line.charCodeAt(len - 1) === 13) len--; // CRLF
    let pos = 0;
    if (len > 0 && line.charCodeAt(0) === 0xfeff) pos = 1; // BOM
    let blank = true;
    for (let i = pos; i < len; i++) {
      const c = line.charCodeAt(i);
      if (c !== 32 && c !== 9) {
        blank = false;
        break;
      }
    }
    if (blank) return 0;
    const starts = this.starts;
    const ends = this.ends;
    const escaped = this.escaped;
    let col = 0;
    for (;;) {
      let c = line.charCodeAt(pos);
      while (pos < len && (c === 32 || c === 9)) c = line.charCodeAt(++pos);
      if (pos < len && c === 34) {
        const start = pos + 1;
        let q = start;
        let esc = 0;
        for (;;) {
          q = line.indexOf('"', q);
          if (q === -1 || q >= len) {
            this.splitError = `unterminated quote in column ${col + 1}`;
            return -1;
          }
          if (q + 1 < len && line.charCodeAt(q + 1) === 34) {
            esc = 1;
            q += 2;
            continue;
          }
          break;
        }
        if (col < MAX_STORED) {
          starts[col] = start;
          ends[col] = q;
          escaped[col] = esc;
        }
        col++;
        pos = q + 1;
        c = line.charCodeAt(pos);
        while (pos < len && (c === 32 || c === 9)) c = line.charCodeAt(++pos);
        if (pos >= len) return col;
        if (c !== 44) {
          this.splitError = `unexpected ${quoteValue(line.charAt(pos))} after the closing quote of column ${col}`;
          return -1;
        }
        pos++;
      } else {
        const start = pos;
        let p = pos;
        while (p < len) {
          const d = line.charCodeAt(p);
          if (d === 44) break;
          if (d === 34) {
            this.splitError = `unexpected quote inside unquoted column ${col + 1}`;
            return -1;
          }
          p++;
        }
        let e = p;
        while (e > start && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 9)) e--;
        if (col < MAX_STORED) {
          starts[col] = start;
          ends[col] = e;
          escaped[col] = 0;
        }
        col++;
        if (p >= len) return col;
        pos = p + 1;
      }
    }
  }

  /**
   * Is this line a header row? Its first field is 'Timestamp' (Umbrella's order), or, in a header whose
   * columns were reordered, it names at least three known columns, Timestamp among them. A data line
   * starts with a timestamp's digit and is ruled out by one comparison.
   */
  private isHeader(line: string, count: number): boolean {
    const s = this.starts[0]!;
    const c = line.charCodeAt(s);
    if (c >= 48 && c <= 57) return false;
    if (this.ends[0]! - s === 9 && line.slice(s, s + 9).toLowerCase() === 'timestamp') return true;
    let known = 0;
    let timestamp = false;
    for (let p = 0; p < Math.min(count, MAX_STORED); p++) {
      const logical = HEADER_ALIASES.get(labelKey(this.field(line, p)));
      if (logical !== undefined) known++;
      if (logical === TS) timestamp = true;
    }
    return timestamp && known >= 3;
  }

  private readHeader(line: string, count: number, lineNumber: number): UmbrellaLineResult {
    const cols = this.cols;
    cols.fill(-1);
    const stored = Math.min(count, MAX_STORED);
    for (let p = 0; p < stored; p++) {
      const logical = HEADER_ALIASES.get(labelKey(this.field(line, p)));
      if (logical !== undefined && cols[logical] === -1) cols[logical] = p;
    }
    this.minColumns = count;
    const missing: string[] = [];
    for (const required of [TS, ACTION, DOMAIN])
      if (cols[required] === -1) missing.push(columnName(required));
    if (cols[MG] === -1 && cols[IDS] === -1) missing.push(`${columnName(MG)}' or '${columnName(IDS)}`);
    if (missing.length > 0) {
      const what = `the header has no column '${missing.join("', '")}'`;
      this.headerProblem = `cannot be read: ${what} (line ${lineNumber})`;
      return fail(lineNumber, what);
    }
    this.headerProblem = undefined;
    return { ok: true, header: true };
  }
}

/** A parser for the lines of ONE file (it remembers that file's header row, if any). */
export function createUmbrellaCsvParser(options: UmbrellaCsvOptions = {}): UmbrellaCsvParser {
  return new Parser(options);
}

/** Parses a whole file's text; convenient for tests and small inputs (stream big files line by line). */
export function parseUmbrellaCsv(
  text: string,
  options: UmbrellaCsvOptions = {},
): { events: DnsEvent[]; errors: SourceLineError[] } {
  const parser = createUmbrellaCsvParser(options);
  const events: DnsEvent[] = [];
  const errors: SourceLineError[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    lineNumber++;
    const r = parser.parseLine(text.slice(start, end), lineNumber);
    if (!r.ok) errors.push(r.error);
    else if ('event' in r) events.push(r.event);
    start = end + 1;
  }
  return { events, errors };
}

// ---------------------------------------------------------------------------------------------------
// Writing (tests, the benchmark generator, demo data)

/** One row as Umbrella would log it: vendor labels, not canonical values. */
export interface UmbrellaCsvRow {
  /** Epoch ms, or already 'YYYY-MM-DD HH:MM:SS'. */
  ts: number | string;
  /** Most Granular Identity. */
  identity: string;
  /** Identities (default: [identity]). */
  identities?: readonly string[];
  internalIp?: string;
  externalIp?: string;
  action: 'allowed' | 'blocked' | 'Allowed' | 'Blocked';
  /** 'A', 'AAAA', … (written as '1 (A)'), or already in Umbrella's form. */
  queryType: string;
  responseCode?: string;
  /** Written with a trailing dot. */
  domain: string;
  categories?: readonly string[];
  identityType?: string;
  identityTypes?: readonly string[];
  blockedCategories?: readonly string[];
  ruleId?: string;
  destinationCountries?: readonly string[];
  orgId?: string;
}

function quote(value: string): string {
  return value.includes('"') ? `"${value.replaceAll('"', '""')}"` : `"${value}"`;
}

/**
 * Writes `row` as one Umbrella DNS log line with the first `columns` columns (10, 13 and 16 are the
 * shapes seen in the wild; more than 16 adds empty trailing columns), fields separated by ',' or, with
 * `withSpaces`, by ', ' (lists too), as Umbrella's documentation samples are.
 */
export function formatUmbrellaCsvLine(row: UmbrellaCsvRow, columns: number = 16, withSpaces = false): string {
  const list = withSpaces ? ', ' : ',';
  const qt = /^\d/.test(row.queryType) ? row.queryType : umbrellaQueryType(row.queryType);
  const values: string[] = [
    typeof row.ts === 'number' ? formatUtcDateTime(row.ts) : row.ts,
    row.identity,
    (row.identities ?? [row.identity]).join(list),
    row.internalIp ?? '',
    row.externalIp ?? '',
    row.action === 'blocked' || row.action === 'Blocked' ? 'Blocked' : 'Allowed',
    qt,
    row.responseCode ?? '',
    row.domain.endsWith('.') ? row.domain : `${row.domain}.`,
    (row.categories ?? []).join(list),
    row.identityType ?? '',
    (row.identityTypes ?? []).join(list),
    (row.blockedCategories ?? []).join(list),
    row.ruleId ?? '',
    (row.destinationCountries ?? []).join(list),
    row.orgId ?? '',
  ];
  let out = '';
  for (let i = 0; i < columns; i++) {
    if (i > 0) out += withSpaces ? ', ' : ',';
    out += quote(values[i] ?? '');
  }
  return out;
}

/** Umbrella's optional header row for the first `columns` columns. */
export function umbrellaCsvHeader(columns: number = 16, withSpaces = false): string {
  const names: string[] = [];
  for (let i = 0; i < columns; i++) names.push(quote(UMBRELLA_DNS_COLUMNS[i] ?? `Extra ${i + 1}`));
  return names.join(withSpaces ? ', ' : ',');
}
