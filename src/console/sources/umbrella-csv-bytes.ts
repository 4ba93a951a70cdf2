// The ingest's hot path for Umbrella DNS logs: reads a line straight from the decompressed bytes and
// yields what aggregation and routing need (time, organization, identity, domain, action, categories)
// without decoding the line into a string. A day of one customer is a million lines, and a string per
// line and per field — then hashing each of them — was most of what ingestion cost.
//
// It is a fast path in front of the string parser (umbrella-csv.ts), never a second set of rules:
// a line in Umbrella's usual shape (every field quoted, no escaped quote, the timestamp as
// 'YYYY-MM-DD HH:MM:SS', Allowed/Blocked, 'N (NAME)' query types, IP-like addresses, a plain ASCII
// domain) is read here; ANY other line — a header, a blank line, an unquoted or escaped field, a
// malformed value, non-ASCII in the domain — is decoded and handed to the string parser, which also
// keeps the header layout both use and writes every error message. The fields that repeat between
// lines (identity columns, categories, organization, domain) are looked up by their bytes in
// ByteKeyTables whose values were computed by the string parser's own functions on a miss, so a row
// read here equals the event the string parser makes of the same line (a property test checks it).
import { ByteKeyTable, hashParts, KeyParts } from './byte-keys.js';
import type { CanonicalCategory, EventIdentity } from './event.js';
import { daysFromCivil, daysInMonth } from './time.js';
import {
  type ColumnLayout,
  createUmbrellaCsvParser,
  FIELD,
  KNOWN_QUERY_TYPES,
  resolveCategoryList,
  resolveIdentities,
  type UmbrellaCsvOptions,
  type UmbrellaCsvParser,
} from './umbrella-csv.js';

/** What aggregation and routing take from a line; one object, refilled by every read. */
export interface UmbrellaRow {
  ts: number;
  orgId: string | undefined;
  /** The same object for every line of the same identity columns (while the key table keeps it). */
  identity: EventIdentity;
  /** Lower case, without the root's trailing dot. */
  domain: string;
  action: 'allowed' | 'blocked';
  categories: readonly CanonicalCategory[];
}

/** What read() found: a row (in reader.row), a blank line, a header row, or a bad line (reader.error). */
export const ROW = 1;
export const BLANK = 0;
export const HEADER = 2;
export const BAD = -1;
export type ReadOutcome = typeof ROW | typeof BLANK | typeof HEADER | typeof BAD;

/** Organization ids longer than this are decoded on every line (Umbrella's are 7 digits). */
const MAX_ORG_BYTES = 64;

/** Column positions remembered per line, as in the string parser. */
const MAX_STORED = 64;
const DAY_MS = 86_400_000;

const QUOTE = 34;
const COMMA = 44;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/** The first four bytes of 'Allowed' and 'Blocked' as little-endian words. */
const ALLO = 0x6f6c6c41;
const BLOC = 0x636f6c42;

export class UmbrellaRowReader {
  readonly row: UmbrellaRow = {
    ts: 0,
    orgId: undefined,
    identity: { label: '', type: 'unknown' },
    domain: '',
    action: 'allowed',
    categories: [],
  };
  /** The bad line's message when read() returned BAD ('line N: …', the string parser's words). */
  error = '';
  /** Lines read without the string parser (a benchmark and a test look at it). */
  fastLines = 0;

  readonly #parser: UmbrellaCsvParser;
  readonly #defaultOrgId: string | undefined;
  #layout: ColumnLayout;
  readonly #starts = new Int32Array(MAX_STORED);
  readonly #ends = new Int32Array(MAX_STORED);
  readonly #parts = new KeyParts();
  readonly #identities = new ByteKeyTable<EventIdentity>({ maxEntries: 1 << 15 });
  /** Domain (lower-cased, without the root's dot) → the same, as text. */
  readonly #domains = new ByteKeyTable<string>({ maxEntries: 1 << 14 });
  /** Categories field → its canonical list (one array per distinct field: aggregation keys on it). */
  readonly #categories = new ByteKeyTable<readonly CanonicalCategory[]>({ maxEntries: 1 << 12 });
  // The last line's organization id, as bytes and as text: files hold one organization's lines.
  readonly #orgBytes = new Uint8Array(MAX_ORG_BYTES);
  #orgLength = -1;
  #org: string | undefined;
  #bytes: Uint8Array | undefined;
  /** The position of the first NUL byte of #bytes at or after the line read last (or +Infinity). */
  #nul = Number.POSITIVE_INFINITY;
  /** Where the search for #nul started: no NUL lies in [#nulSearched, #nul). */
  #nulSearched = 0;
  #view: DataView = new DataView(new ArrayBuffer(0));
  // The date of the last timestamp: its first 8 bytes as a word pair, bytes 8–9, and its day.
  #dateA = 0;
  #dateB = 0;
  #dateC = -1;
  #dayMs = 0;

  constructor(options: UmbrellaCsvOptions = {}) {
    this.#parser = createUmbrellaCsvParser(options);
    this.#layout = this.#parser.layout;
    this.#defaultOrgId = options.orgId === '' ? undefined : options.orgId;
  }

  /**
   * Reads the line in [start, end) of bytes (without its '\n'). The bytes of its domain may be
   * lower-cased in place.
   */
  read(bytes: Uint8Array, start: number, end: number, lineNumber: number): ReadOutcome {
    if (bytes !== this.#bytes) {
      this.#bytes = bytes;
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.#nulSearched = 0;
      this.#nul = nulFrom(bytes, 0);
    }
    // A NUL byte in the line: the string parser refuses it (PostgreSQL cannot store U+0000). Found by
    // one memchr per buffer (a decompressed chunk), then only again past the NUL last found (or when
    // a caller goes back to an earlier line of the buffer).
    if (this.#nul < start || start < this.#nulSearched) {
      this.#nulSearched = start;
      this.#nul = nulFrom(bytes, start);
    }
    if (this.#nul < end) return this.#readSlow(bytes, start, end, lineNumber);
    if (this.#readFast(bytes, this.#view, start, end)) {
      this.fastLines++;
      return ROW;
    }
    return this.#readSlow(bytes, start, end, lineNumber);
  }

  /** The string parser's reading of the line (it also learns a header's layout). */
  #readSlow(bytes: Uint8Array, start: number, end: number, lineNumber: number): ReadOutcome {
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
    const r = this.#parser.parseLine(line, lineNumber);
    this.#layout = this.#parser.layout;
    if (!r.ok) {
      this.error = r.error.message;
      return BAD;
    }
    if ('header' in r) return HEADER;
    if (!('event' in r)) return BLANK;
    const e = r.event;
    const row = this.row;
    row.ts = e.ts;
    row.orgId = e.orgId;
    row.identity = e.identity;
    row.domain = e.domain;
    row.action = e.action;
    row.categories = e.categories;
    return ROW;
  }

  /** True when the line was read into this.row; false: the string parser must read it. */
  #readFast(b: Uint8Array, view: DataView, start: number, end: number): boolean {
    const layout = this.#layout;
    if (layout.problem !== undefined) return false;
    if (end > start && b[end - 1] === CR) end--;
    // A data line starts with a quoted timestamp: '"' and a digit.
    if (end - start < 3 || b[start] !== QUOTE || b[start + 1]! < 48 || b[start + 1]! > 57) return false;

    // Fields: every one quoted, no '""' inside, spaces or tabs allowed around the commas.
    const starts = this.#starts;
    const ends = this.#ends;
    let count = 0;
    let s = start + 1;
    for (;;) {
      const q = closingQuote(b, view, s, end);
      if (q >= end) return false; // unterminated: the string parser says so
      if (count < MAX_STORED) {
        starts[count] = s;
        ends[count] = q;
      }
      count++;
      let pos = q + 1;
      if (pos === end) break;
      if (b[pos] === COMMA && b[pos + 1] === QUOTE) {
        s = pos + 2; // the usual '","'
        continue;
      }
      let c = b[pos];
      while (c === SPACE || c === TAB) c = b[++pos];
      if (pos === end) break;
      if (c !== COMMA) return false; // '""' or text after the closing quote
      c = b[++pos];
      while (c === SPACE || c === TAB) c = b[++pos];
      if (pos >= end || c !== QUOTE) return false; // a trailing comma, or an unquoted field
      s = pos + 1;
    }
    if (count < layout.minColumns) return false;
    const cols = layout.cols;
    const stored = Math.min(count, MAX_STORED);

    // Timestamp: exactly 'YYYY-MM-DD HH:MM:SS'.
    const tsCol = columnOf(cols, stored, FIELD.TS);
    if (tsCol < 0) return false;
    const ts = this.#time(b, view, starts[tsCol]!, ends[tsCol]!);
    if (ts < 0) return false;

    // Action: exactly 'Allowed' or 'Blocked'.
    const actionCol = columnOf(cols, stored, FIELD.ACTION);
    if (actionCol < 0) return false;
    const as = starts[actionCol]!;
    if (ends[actionCol]! - as !== 7 || b[as + 5] !== 0x65 || b[as + 6] !== 0x64) return false; // …'ed'
    const word = view.getInt32(as, true);
    let action: 'allowed' | 'blocked';
    if (word === ALLO && b[as + 4] === 0x77)
      action = 'allowed'; // 'Allo' 'w'
    else if (word === BLOC && b[as + 4] === 0x6b)
      action = 'blocked'; // 'Bloc' 'k'
    else return false;

    // Query type: empty or 'N (NAME)' with a known N and its name.
    const qCol = columnOf(cols, stored, FIELD.QTYPE);
    if (qCol >= 0 && ends[qCol]! > starts[qCol]! && !knownQueryType(b, starts[qCol]!, ends[qCol]!))
      return false;

    // Addresses: empty or IP-like.
    const iipCol = columnOf(cols, stored, FIELD.IIP);
    if (iipCol >= 0 && !ipLike(b, starts[iipCol]!, ends[iipCol]!)) return false;
    const eipCol = columnOf(cols, stored, FIELD.EIP);
    if (eipCol >= 0 && !ipLike(b, starts[eipCol]!, ends[eipCol]!)) return false;

    // Domain: printable ASCII without spaces, the root's dot dropped; lower-cased in place.
    const dCol = columnOf(cols, stored, FIELD.DOMAIN);
    if (dCol < 0) return false;
    const ds = starts[dCol]!;
    let de = ends[dCol]!;
    if (de > ds && b[de - 1] === 46) de--;
    if (de === ds) return false;
    let upper = false;
    for (let i = ds; i < de; i++) {
      const c = b[i]!;
      if (c <= SPACE || c >= 127) return false;
      if (c >= 65 && c <= 90) upper = true;
    }
    // From here on the line is a row: nothing below refuses it.
    if (upper) for (let i = ds; i < de; i++) if (b[i]! >= 65 && b[i]! <= 90) b[i] = b[i]! + 32;

    const parts = this.#parts;
    const row = this.row;
    parts.count = 1;
    parts.set(0, ds, de);
    let hash = hashParts(b, view, parts);
    let domain = this.#domains.get(b, view, parts, hash);
    if (domain === undefined) {
      domain = latin1(b, ds, de);
      this.#domains.add(b, parts, hash, domain);
    }

    const catCol = columnOf(cols, stored, FIELD.CATS);
    setPart(parts, 0, catCol, starts, ends);
    hash = hashParts(b, view, parts);
    let categories = this.#categories.get(b, view, parts, hash);
    if (categories === undefined) {
      categories = resolveCategoryList(textOf(b, catCol, starts, ends) ?? '').categories;
      this.#categories.add(b, parts, hash, categories);
    }

    const orgCol = columnOf(cols, stored, FIELD.ORG);
    const orgId =
      orgCol >= 0 && ends[orgCol]! > starts[orgCol]!
        ? this.#orgOf(b, starts[orgCol]!, ends[orgCol]!)
        : this.#defaultOrgId;

    // Identity. When the most granular identity and its type are both there (and need no trimming),
    // they ARE the identity (resolveIdentities takes its label and type from them): the key is those
    // two columns. Otherwise the identity also depends on the Identities and Identity Types columns.
    const mgCol = columnOf(cols, stored, FIELD.MG);
    const mgTypeCol = columnOf(cols, stored, FIELD.MGTYPE);
    if (
      mgCol >= 0 &&
      mgTypeCol >= 0 &&
      unpadded(b, starts[mgCol]!, ends[mgCol]!) &&
      unpadded(b, starts[mgTypeCol]!, ends[mgTypeCol]!)
    ) {
      parts.count = 2;
      parts.set(0, starts[mgCol]!, ends[mgCol]!);
      parts.set(1, starts[mgTypeCol]!, ends[mgTypeCol]!);
    } else {
      parts.count = 4;
      setPart(parts, 0, mgCol, starts, ends);
      setPart(parts, 1, columnOf(cols, stored, FIELD.IDS), starts, ends);
      setPart(parts, 2, mgTypeCol, starts, ends);
      setPart(parts, 3, columnOf(cols, stored, FIELD.IDTYPES), starts, ends);
    }
    hash = hashParts(b, view, parts);
    let identity = this.#identities.get(b, view, parts, hash);
    if (identity === undefined) {
      // From the line's four columns, whichever key found it.
      const ids = columnOf(cols, stored, FIELD.IDS);
      const types = columnOf(cols, stored, FIELD.IDTYPES);
      identity = resolveIdentities(
        (textOf(b, mgCol, starts, ends) ?? '').trim(),
        textOf(b, ids, starts, ends) ?? '',
        textOf(b, mgTypeCol, starts, ends),
        textOf(b, types, starts, ends),
      ).identity;
      this.#identities.add(b, parts, hash, identity);
    }

    row.ts = ts;
    row.orgId = orgId;
    row.identity = identity;
    row.domain = domain;
    row.action = action;
    row.categories = categories;
    return true;
  }

  /** The organization id written in [s, e): the last line's when the bytes are the same. */
  #orgOf(b: Uint8Array, s: number, e: number): string {
    const n = e - s;
    const last = this.#orgBytes;
    if (n === this.#orgLength) {
      let i = 0;
      while (i < n && b[s + i] === last[i]) i++;
      if (i === n) return this.#org!;
    }
    const org = utf8(b, s, e);
    if (n <= MAX_ORG_BYTES) {
      last.set(b.subarray(s, e));
      this.#orgLength = n;
      this.#org = org;
    }
    return org;
  }

  /** Epoch ms of 'YYYY-MM-DD HH:MM:SS' in [s, e), or -1 (malformed, impossible, before 1970). */
  #time(b: Uint8Array, view: DataView, s: number, e: number): number {
    if (e - s !== 19 || b[s + 10] !== SPACE || b[s + 13] !== 58 || b[s + 16] !== 58) return -1;
    const a = view.getInt32(s, true);
    const c = view.getInt32(s + 4, true);
    const d = view.getUint16(s + 8, true);
    if (a !== this.#dateA || c !== this.#dateB || d !== this.#dateC) {
      if (b[s + 4] !== 45 || b[s + 7] !== 45) return -1;
      const y = digits(b, s, 4);
      const mo = digits(b, s + 5, 2);
      const day = digits(b, s + 8, 2);
      if (y < 1970 || mo < 1 || mo > 12 || day < 1 || day > daysInMonth(y, mo)) return -1;
      this.#dateA = a;
      this.#dateB = c;
      this.#dateC = d;
      this.#dayMs = daysFromCivil(y, mo, day) * DAY_MS;
    }
    const h = digits(b, s + 11, 2);
    const mi = digits(b, s + 14, 2);
    const sec = digits(b, s + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return -1;
    return this.#dayMs + ((h * 60 + mi) * 60 + sec) * 1000;
  }
}

/** The position of the first 0x00 byte at or after `from`, or +Infinity. */
function nulFrom(b: Uint8Array, from: number): number {
  const at = b.indexOf(0, from);
  return at === -1 ? Number.POSITIVE_INFINITY : at;
}

/**
 * The position of the first '"' at or after s, or end. Four bytes at a time: XOR-ing a word with four
 * quotes leaves a zero byte where a quote was, and the classic has-zero-byte test marks the first
 * zero byte exactly (its lowest set bit; bits above it may be false alarms, which do not matter).
 */
function closingQuote(b: Uint8Array, view: DataView, s: number, end: number): number {
  let q = s;
  while (q + 4 <= end) {
    const x = view.getInt32(q, true) ^ 0x22222222;
    const zero = (x - 0x01010101) & ~x & 0x80808080;
    if (zero !== 0) return q + ((31 - Math.clz32(zero & -zero)) >>> 3);
    q += 4;
  }
  while (q < end && b[q] !== QUOTE) q++;
  return q;
}

/** The physical column of a logical field on this line, or -1 (no such column, or beyond the line's). */
function columnOf(cols: Int32Array, stored: number, logical: number): number {
  const col = cols[logical]!;
  return col >= 0 && col < stored ? col : -1;
}

/** The number written in n ASCII digits at s, or -1. */
function digits(b: Uint8Array, s: number, n: number): number {
  let v = 0;
  for (let i = s; i < s + n; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function setPart(parts: KeyParts, i: number, col: number, starts: Int32Array, ends: Int32Array): void {
  if (col < 0) parts.set(i, -1, -1);
  else parts.set(i, starts[col]!, ends[col]!);
}

/** The text of a column; undefined when it is absent or empty (the string parser's `optional`). */
function textOf(b: Uint8Array, col: number, starts: Int32Array, ends: Int32Array): string | undefined {
  return col < 0 || ends[col] === starts[col] ? undefined : utf8(b, starts[col]!, ends[col]!);
}

/** Non-empty, starting and ending with printable ASCII other than a space: trim() leaves it as it is. */
function unpadded(b: Uint8Array, s: number, e: number): boolean {
  return e > s && b[s]! > SPACE && b[s]! < 127 && b[e - 1]! > SPACE && b[e - 1]! < 127;
}

function utf8(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8');
}

function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}

/** 'N (NAME)' where N is a query type number this table knows and NAME its name. */
function knownQueryType(b: Uint8Array, s: number, e: number): boolean {
  let n = 0;
  let i = s;
  for (; i < e && i < s + 5; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  if (i === s || b[i] !== SPACE || b[i + 1] !== 40) return false;
  const name = KNOWN_QUERY_TYPES[n];
  if (name === undefined || i + 3 + name.length !== e || b[e - 1] !== 41) return false;
  for (let k = 0; k < name.length; k++) if (b[i + 2 + k] !== name.charCodeAt(k)) return false;
  return true;
}

/** isIpLike of dns.ts on bytes: empty, or hex digits with '.' or ':' (a '%zone' suffix falls back). */
function ipLike(b: Uint8Array, s: number, e: number): boolean {
  if (e === s) return true;
  let sep = false;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === 46 || c === 58) sep = true;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return sep;
}
