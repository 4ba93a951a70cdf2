// CON-4 company mapping, the pure part: each console customer is mapped to a PSA company by its
// ConnectWise company identifier ("ConnectWise Company ID", e.g. 'AcmeCorp'). This module suggests
// companies for a customer by name, writes and reads the bulk-mapping CSV, and finds mappings whose PSA
// company has disappeared. No I/O: callers fetch companies and customers and persist the results.
import { stringify } from 'csv-stringify/sync';
import { distance } from 'fastest-levenshtein';

/** ConnectWise's limit on a company identifier's length. */
export const MAX_COMPANY_IDENTIFIER_LENGTH = 25;

// ---------------------------------------------------------------------------------------------------
// Names

/**
 * Legal-form spellings mapped to one canonical token per family. These tokens say little about *which*
 * company a name designates, so they weigh less than distinctive words in `similarity`.
 */
const LEGAL_FORMS: Readonly<Record<string, string>> = {
  corp: 'corp',
  corporation: 'corp',
  inc: 'inc',
  incorporated: 'inc',
  llc: 'llc',
  llp: 'llp',
  lp: 'lp',
  ltd: 'ltd',
  limited: 'ltd',
  ltda: 'ltd',
  limitada: 'ltd',
  co: 'co',
  company: 'co',
  cie: 'co',
  gmbh: 'gmbh',
  ag: 'ag',
  kg: 'kg',
  bv: 'bv',
  nv: 'nv',
  srl: 'srl',
  spa: 'spa',
  sa: 'sa',
  sas: 'sas',
  sarl: 'sarl',
  plc: 'plc',
  pty: 'pty',
  proprietary: 'pty',
  pte: 'pte',
  pvt: 'pvt',
  oy: 'oy',
  eireli: 'eireli',
};

/** Generic words that are not legal forms but, like them, rarely distinguish one company from another. */
const GENERIC_WORDS: Readonly<Record<string, string>> = {
  group: 'group',
  grp: 'group',
  holding: 'holdings',
  holdings: 'holdings',
  and: 'and',
  of: 'of',
  the: 'the',
};

/** A few common abbreviations, expanded so that 'Acme Intl' and 'Acme International' share a token. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  intl: 'international',
  mfg: 'manufacturing',
  svc: 'services',
  svcs: 'services',
  bros: 'brothers',
  assn: 'association',
  natl: 'national',
};

/** Letters that NFKD does not decompose into a base letter plus marks. */
const FOLDED_LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
};

/** Legal-form spellings, longest first, as they may end a squashed identifier ('AcmeCorporation'). */
const LEGAL_SPELLINGS = Object.keys(LEGAL_FORMS).sort((a, b) => b.length - a.length);

/** Weight of a legal-form or generic token relative to a distinctive token (1). */
const WEAK_TOKEN_WEIGHT = 0.2;

/** Lower-cases, drops accents and marks, folds a few special letters and apostrophes away. */
function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæœøđðłþı]/g, (c) => FOLDED_LETTERS[c] ?? c)
    .replace(/['’‘`´]/g, '');
}

/** Splits a name into normalized tokens: canonical legal forms, expanded abbreviations, no leading 'the'. */
function companyTokens(name: string): string[] {
  if (typeof name !== 'string') return [];
  const text = foldText(name)
    .replace(/&/g, ' and ')
    .replace(/(^|[^\p{L}\p{N}])s\/a(?![\p{L}\p{N}])/gu, '$1sa');
  const tokens: string[] = [];
  for (const chunk of text.split(/[^\p{L}\p{N}.]+/u)) {
    // Dotted abbreviations ('l.l.c.', 'S.p.A.', 'b.v.') collapse to one token; other dots separate words.
    const parts = /^\p{L}(?:\.\p{L})+\.?$/u.test(chunk) ? [chunk.replace(/\./g, '')] : chunk.split('.');
    for (const part of parts) {
      if (part === '') continue;
      tokens.push(LEGAL_FORMS[part] ?? GENERIC_WORDS[part] ?? ABBREVIATIONS[part] ?? part);
    }
  }
  if (tokens.length > 1 && tokens[0] === 'the') tokens.shift();
  return tokens;
}

/** True for legal-form and generic tokens (after canonicalization), which weigh less than others. */
function isWeakToken(token: string): boolean {
  return Object.hasOwn(LEGAL_FORMS, token) || Object.hasOwn(GENERIC_WORDS, token);
}

/**
 * Normalizes a company name for comparison: lower case, accents stripped (NFKD), punctuation to spaces,
 * spaces collapsed, '&' → 'and', a leading 'the' dropped, legal forms canonicalized per family
 * ('Corporation'/'Corp.' → 'corp', 'Incorporated' → 'inc', 'Limited' → 'ltd', 'L.L.C.' → 'llc', …).
 */
export function normalizeCompanyName(name: string): string {
  return companyTokens(name).join(' ');
}

/** A name prepared for comparison. */
interface NameProfile {
  tokens: string[];
  /** The distinctive tokens, in order (legal forms and generic words removed). */
  core: string[];
  full: string;
  fullSquashed: string;
  coreSquashed: string;
  /** The name's letters and digits before canonicalization ('ACME Corp.' → 'acmecorp'). */
  rawSquashed: string;
}

/** Prepares a name for repeated comparisons. */
function profileOf(name: string): NameProfile {
  const tokens = companyTokens(name);
  const core = tokens.filter((t) => !isWeakToken(t));
  return {
    tokens,
    core,
    full: tokens.join(' '),
    fullSquashed: tokens.join(''),
    coreSquashed: core.join(''),
    rawSquashed: typeof name === 'string' ? squashIdentifier(name) : '',
  };
}

/** 1 − Levenshtein distance / length of the longer string; 1 for two empty strings. */
function levenshteinSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - distance(a, b) / longest;
}

/** How well one token matches another: 1 if equal, else partial credit for a near spelling (typos). */
function tokenMatch(a: string, b: string): number {
  if (a === b) return 1;
  if (isWeakToken(a) || isWeakToken(b) || a.length < 4 || b.length < 4) return 0;
  const s = levenshteinSimilarity(a, b);
  return s >= 0.75 ? s : 0;
}

/**
 * Soft weighted Dice overlap of two token lists: each token earns its best match in the other list,
 * weighted 1 for distinctive tokens and WEAK_TOKEN_WEIGHT for legal forms and generic words.
 */
function tokenOverlap(a: string[], b: string[]): number {
  let earned = 0;
  let total = 0;
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const token of from) {
      const weight = isWeakToken(token) ? WEAK_TOKEN_WEIGHT : 1;
      let best = 0;
      for (const other of to) best = Math.max(best, tokenMatch(token, other));
      earned += weight * best;
      total += weight;
    }
  }
  return total === 0 ? 0 : earned / total;
}

/** Token list with the distinctive tokens replaced by their squashed form ('micro soft' → 'microsoft'). */
function withSquashedCore(p: NameProfile): string[] {
  return [p.coreSquashed, ...p.tokens.filter(isWeakToken)];
}

/** Share of the name score given to token overlap; the rest goes to the edit-distance similarity. */
const TOKEN_WEIGHT = 0.55;

/** Name similarity of two profiles, without the identifier bonus (see `similarity`). */
function nameScore(a: NameProfile, b: NameProfile): number {
  if (a.tokens.length === 0 || b.tokens.length === 0) return 0;
  const spacingOnly = a.coreSquashed !== '' && a.coreSquashed === b.coreSquashed;
  const tokens = spacingOnly
    ? tokenOverlap(withSquashedCore(a), withSquashedCore(b))
    : tokenOverlap(a.tokens, b.tokens);
  let edit: number;
  if (a.core.length > 0 && b.core.length > 0) {
    edit = Math.max(
      levenshteinSimilarity(a.core.join(' '), b.core.join(' ')),
      levenshteinSimilarity([...a.core].sort().join(' '), [...b.core].sort().join(' ')),
      levenshteinSimilarity(a.coreSquashed, b.coreSquashed),
    );
  } else {
    edit = levenshteinSimilarity(a.full, b.full);
  }
  return TOKEN_WEIGHT * tokens + (1 - TOKEN_WEIGHT) * edit;
}

/** Floor of the score when the PSA identifier matches the name (see `similarity`). */
const IDENTIFIER_FLOOR = 0.9;

/** Lower-cases an identifier and keeps only its letters and digits ('Acme_Corp' → 'acmecorp'). */
function squashIdentifier(identifier: string): string {
  return foldText(identifier).replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * True when a PSA identifier is the name squashed: 'AcmeCorp' for 'Acme Corp' (also 'Acme Corporation',
 * since legal forms are canonicalized), 'Acme' for 'Acme Corp', 'AcmeCorporation' for 'Acme Inc' (the
 * identifier's own trailing legal form is ignored), or the name's first 25 letters (ConnectWise truncates).
 */
function identifierMatches(identifier: string, name: NameProfile): boolean {
  const squashed = squashIdentifier(identifier);
  if (squashed === '' || name.fullSquashed === '') return false;
  if (squashed === name.fullSquashed || squashed === name.coreSquashed) return true;
  if (identifier.length >= MAX_COMPANY_IDENTIFIER_LENGTH && name.fullSquashed.startsWith(squashed))
    return true;
  if (name.coreSquashed === '') return false;
  const suffix = LEGAL_SPELLINGS.find((s) => squashed.endsWith(s) && squashed.length - s.length >= 2);
  return suffix !== undefined && squashed.slice(0, -suffix.length) === name.coreSquashed;
}

/**
 * Similarity in [0, 1] of two company names (e.g. a customer's name and a PSA company's name):
 *   name = 0.55 × tokens + 0.45 × edit, where
 *   - tokens: soft weighted Dice overlap of the normalized tokens — a distinctive token weighs 1, a legal
 *     form or generic word ('corp', 'ltd', 'group', 'and') 0.2; a token earns 1 for an exact match in the
 *     other name or its Levenshtein similarity when ≥ 0.75 (typos); names equal apart from spacing
 *     ('Micro Soft' / 'Microsoft') have their distinctive tokens squashed first;
 *   - edit: the best normalized Levenshtein similarity (1 − distance / longer length) of the distinctive
 *     parts, in order, sorted (reordered words) and squashed — or of the whole normalized names when one
 *     has no distinctive token.
 * When `identifier` (b's PSA identifier) is a's name squashed (customer 'Acme Corp', identifier
 * 'AcmeCorp'; see identifierMatches): score = 0.9 + 0.1 × name, so an identifier match always ranks
 * high and ties are broken by name.
 * An empty (or punctuation-only) name scores 0.
 */
export function similarity(a: string, b: string, identifier?: string): number {
  return scoreProfiles(profileOf(a), profileOf(b), identifier).score;
}

/** Score and explanation of a comparison. */
function scoreProfiles(
  a: NameProfile,
  b: NameProfile,
  identifier: string | undefined,
): { score: number; reason: string } {
  const name = nameScore(a, b);
  const byIdentifier = identifier !== undefined && identifierMatches(identifier, a);
  const score = byIdentifier ? IDENTIFIER_FLOOR + (1 - IDENTIFIER_FLOOR) * name : name;
  return { score: Math.min(1, Math.max(0, score)), reason: explain(a, b, byIdentifier) };
}

/** A short human explanation of why two names were matched. */
function explain(a: NameProfile, b: NameProfile, byIdentifier: boolean): string {
  if (a.full !== '' && a.full === b.full) {
    // Equal once normalized: only case, accents, punctuation or the spelling of words differ.
    return a.rawSquashed !== b.rawSquashed && a.tokens.some((t) => Object.hasOwn(LEGAL_FORMS, t))
      ? 'same name apart from legal suffix'
      : 'same name';
  }
  if (a.coreSquashed !== '' && a.coreSquashed === b.coreSquashed) {
    if (a.core.join(' ') !== b.core.join(' ')) return 'same name apart from spacing';
    const differing = [...a.tokens, ...b.tokens].filter(
      (t) => isWeakToken(t) && !(a.tokens.includes(t) && b.tokens.includes(t)),
    );
    return differing.every((t) => Object.hasOwn(LEGAL_FORMS, t))
      ? 'same name apart from legal suffix'
      : 'same name apart from generic words';
  }
  if (byIdentifier) return 'identifier matches';
  if (a.core.length > 1 && [...a.core].sort().join(' ') === [...b.core].sort().join(' ')) {
    return 'same words in another order';
  }
  return 'similar name';
}

/** A PSA company as the suggestion engine needs it. */
export interface SuggestableCompany {
  id: number;
  identifier: string;
  name: string;
}

/** One suggested company for a customer. */
export interface CompanySuggestion<C extends SuggestableCompany = SuggestableCompany> {
  company: C;
  /** `similarity` of the customer's name to the company's, rounded to 3 decimals. */
  score: number;
  reason: string;
}

/** Options of `suggestCompanies`. */
export interface SuggestOptions {
  /** At most this many suggestions (default 5). */
  limit?: number;
  /** Only companies scoring at least this (default 0.3). */
  minScore?: number;
}

/** Orders names case- and accent-insensitively, with a plain comparison as the tie-breaker. */
const nameCollator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/**
 * Suggests PSA companies for a customer's name: those scoring at least `minScore` (never 0), best
 * score first, then by company name, then id; at most `limit`.
 */
export function suggestCompanies<C extends SuggestableCompany>(
  customerName: string,
  companies: readonly C[],
  options: SuggestOptions = {},
): Array<CompanySuggestion<C>> {
  const limit = options.limit ?? 5;
  const minScore = options.minScore ?? 0.3;
  const customer = profileOf(customerName);
  if (customer.tokens.length === 0 || !(limit > 0)) return [];
  const scored: Array<CompanySuggestion<C>> = [];
  for (const company of companies) {
    const { score, reason } = scoreProfiles(customer, profileOf(company.name), company.identifier);
    const rounded = Math.round(score * 1000) / 1000;
    if (rounded >= minScore && rounded > 0) scored.push({ company, score: rounded, reason });
  }
  scored.sort(
    (x, y) =>
      y.score - x.score ||
      nameCollator.compare(x.company.name, y.company.name) ||
      (x.company.name < y.company.name ? -1 : x.company.name > y.company.name ? 1 : 0) ||
      x.company.id - y.company.id,
  );
  return scored.slice(0, Math.floor(limit));
}

// ---------------------------------------------------------------------------------------------------
// Bulk CSV
//
// Formula-injection guard: a spreadsheet treats a cell starting with = + - @ (or a tab or carriage
// return, which some strip first) as a formula, so an exported customer name like '=HYPERLINK(…)'
// could run when the file is opened. `formatMappingCsv` therefore prefixes a single quote to every
// cell matching /^'*[=+\-@\t\r]/ (the leading quotes are included so that a value that already starts
// with a quote followed by such a character stays unambiguous), and `parseMappingCsv` removes exactly
// one leading quote from every cell matching /^'+[=+\-@\t\r]/. The two are inverse: any value survives
// format → parse unchanged, while a hand-written cell "'=x" reads as "=x".

/** The exported columns, in order. */
export const MAPPING_CSV_COLUMNS = [
  'customer_id',
  'customer_name',
  'psa_company_identifier',
  'psa_company_name',
  'state',
] as const;

/** One exported row. */
export interface MappingCsvRow {
  customerId: number;
  customerName: string;
  psaCompanyIdentifier: string | null;
  psaCompanyName?: string | null;
  /** The mapping state, e.g. 'mapped', 'unmapped', 'missing'; informative, ignored on import. */
  state?: string;
}

/** Adds the formula-injection guard to one cell (see above). */
function guardCell(value: string): string {
  return /^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Removes the formula-injection guard from one cell (see above). */
function unguardCell(value: string): string {
  return /^'+[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** Writes the mapping CSV: header, then one CRLF-terminated record per row (RFC 4180, injection-guarded). */
export function formatMappingCsv(rows: readonly MappingCsvRow[]): string {
  const records: string[][] = [[...MAPPING_CSV_COLUMNS]];
  for (const row of rows) {
    records.push(
      [
        String(row.customerId),
        row.customerName,
        row.psaCompanyIdentifier ?? '',
        row.psaCompanyName ?? '',
        row.state ?? '',
      ].map(guardCell),
    );
  }
  return stringify(records, {
    record_delimiter: '\r\n',
    // Quote any field holding \n or \r (not only \r\n), and ones with edge spaces a spreadsheet might trim.
    quote_record_delimiter: true,
    quoted_match: /^\s|\s$/,
  });
}

/** One parsed import row: the customer (by id, else by name) and the identifier to map it to. */
export interface ParsedMappingRow {
  /** Physical line (1-based) where the record starts. */
  line: number;
  customerId?: number;
  /** The customer name as written (absent when blank). */
  customerName?: string;
  /** null means "unmap this customer". */
  psaCompanyIdentifier: string | null;
}

/** A problem with one line of the input. */
export interface MappingCsvError {
  line: number;
  message: string;
}

/** The result of `parseMappingCsv`. */
export interface ParsedMappingCsv {
  rows: ParsedMappingRow[];
  errors: MappingCsvError[];
}

/** One record from the reader: its fields, or why it could not be read. */
type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/**
 * Reads CSV records (RFC 4180, tolerant): CRLF, LF or CR line breaks; quoted fields with doubled quotes
 * and embedded line breaks; a stray quote inside an unquoted field kept literally; spaces after a
 * closing quote allowed. A malformed record (characters after a closing quote, a quote never closed) is
 * reported at its first line and reading resumes at the next physical line, so one bad record does not
 * swallow the rest of the file.
 */
function readCsvRecords(text: string, delimiter: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  /** Skips to just after the next line break at or after `from`; returns the line number reached. */
  const resumeAfterLineBreak = (from: number, fromLine: number): [number, number] => {
    let j = from;
    while (j < n && text[j] !== '\n' && text[j] !== '\r') j++;
    if (j < n) j += text[j] === '\r' && text[j + 1] === '\n' ? 2 : 1;
    return [j, fromLine + 1];
  };
  while (i < n) {
    const startLine = line;
    const startIndex = i;
    const fields: string[] = [];
    let error: string | undefined;
    let endOfRecord = false;
    while (!endOfRecord) {
      let value = '';
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          value += c;
          i++;
        }
        if (!closed) {
          error = 'a quoted field is never closed';
          break;
        }
        while (i < n && (text[i] === ' ' || text[i] === '\t') && text[i] !== delimiter) i++;
        if (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          error = `unexpected character ${JSON.stringify(text[i])} after a closing quote`;
          break;
        }
      } else {
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          value += text[i];
          i++;
        }
      }
      fields.push(value);
      if (i >= n) {
        endOfRecord = true;
      } else if (text[i] === delimiter) {
        i++;
      } else {
        i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        endOfRecord = true;
      }
    }
    if (error !== undefined) {
      records.push({ line: startLine, error });
      // An unclosed quote resumes after the record's first line; junk after a quote, after its own line.
      [i, line] =
        error === 'a quoted field is never closed'
          ? resumeAfterLineBreak(startIndex, startLine)
          : resumeAfterLineBreak(i, line);
      continue;
    }
    records.push({ line: startLine, fields });
  }
  return records;
}

/** Picks the delimiter from the header line: ',' unless the header only has ';' or tabs (spreadsheet locales). */
function detectDelimiter(text: string): string {
  const start = text.search(/[^\r\n]|$/);
  const end = text.slice(start).search(/[\r\n]/);
  const header = end === -1 ? text.slice(start) : text.slice(start, start + end);
  if (header.includes(',')) return ',';
  if (header.includes(';')) return ';';
  if (header.includes('\t')) return '\t';
  return ',';
}

/** Canonical header name: trimmed, lower case, spaces and hyphens as underscores ('Customer ID' → 'customer_id'). */
function headerKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Characters a company identifier may not contain. */
const CONTROL_CHARACTERS = /\p{Cc}/u;

/**
 * Reads a bulk-mapping CSV (the exported format, or a hand-made one). A header row is required; columns
 * are found by name (case-insensitive, extra columns ignored; psa_company_name and state are informative
 * and ignored); a BOM and CRLF/LF line breaks are accepted, as are ';'- or tab-separated files. Each row
 * names its customer by customer_id or, when that is empty, by customer_name (as written); an empty
 * psa_company_identifier means "unmap"; identifiers are trimmed. The formula-injection guard is removed
 * from every cell. Blank lines and rows whose cells are all blank are skipped. A bad row (malformed
 * quoting, wrong column count, non-numeric id, no customer, identifier over 25 characters or with
 * control characters, customer already listed) is reported with its line and the rest is still read.
 * Never throws.
 */
export function parseMappingCsv(text: string): ParsedMappingCsv {
  const rows: ParsedMappingRow[] = [];
  const errors: MappingCsvError[] = [];
  if (typeof text !== 'string') {
    return { rows, errors: [{ line: 0, message: 'the input is not text' }] };
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records = readCsvRecords(body, detectDelimiter(body)).filter(
    (r) => !('fields' in r) || r.fields.some((f) => f.trim() !== ''),
  );
  const header = records[0];
  if (header === undefined) {
    return { rows, errors: [{ line: 1, message: 'the file is empty: a header row is required' }] };
  }
  if (!('fields' in header)) {
    return {
      rows,
      errors: [{ line: header.line, message: `the header row is not valid CSV: ${header.error}` }],
    };
  }
  const columns = new Map<string, number>();
  for (const [index, name] of header.fields.entries()) {
    const key = headerKey(unguardCell(name));
    if (!(MAPPING_CSV_COLUMNS as readonly string[]).includes(key)) continue;
    if (columns.has(key)) {
      errors.push({ line: header.line, message: `column ${key} appears more than once` });
    } else {
      columns.set(key, index);
    }
  }
  const idColumn = columns.get('customer_id');
  const nameColumn = columns.get('customer_name');
  const identifierColumn = columns.get('psa_company_identifier');
  if (identifierColumn === undefined || (idColumn === undefined && nameColumn === undefined)) {
    errors.push({
      line: header.line,
      message:
        'the header row must name the columns psa_company_identifier and customer_id or customer_name ' +
        `(found: ${header.fields.map((f) => JSON.stringify(f.slice(0, 40))).join(', ')})`,
    });
    return { rows, errors };
  }
  if (errors.length > 0) return { rows, errors };

  const seenIds = new Map<number, number>();
  const seenNames = new Map<string, number>();
  for (const record of records.slice(1)) {
    const { line } = record;
    if (!('fields' in record)) {
      errors.push({ line, message: `not valid CSV: ${record.error}` });
      continue;
    }
    if (record.fields.length !== header.fields.length) {
      errors.push({
        line,
        message: `expected ${header.fields.length} columns as in the header, found ${record.fields.length}`,
      });
      continue;
    }
    const cell = (index: number | undefined) =>
      index === undefined ? '' : unguardCell(record.fields[index]!);
    const rowErrors: string[] = [];

    const idText = cell(idColumn).trim();
    let customerId: number | undefined;
    if (idText !== '') {
      const id = /^\d+$/.test(idText) ? Number(idText) : Number.NaN;
      if (Number.isSafeInteger(id) && id > 0) customerId = id;
      else
        rowErrors.push(`customer_id ${JSON.stringify(idText.slice(0, 40))} is not a positive whole number`);
    }
    const nameText = cell(nameColumn);
    const customerName = nameText.trim() === '' ? undefined : nameText;
    if (idText === '' && customerName === undefined) {
      rowErrors.push('no customer: customer_id and customer_name are both empty');
    }

    const identifierText = cell(identifierColumn).trim();
    if (identifierText.length > MAX_COMPANY_IDENTIFIER_LENGTH) {
      rowErrors.push(
        `psa_company_identifier is ${identifierText.length} characters long, ` +
          `at most ${MAX_COMPANY_IDENTIFIER_LENGTH} allowed`,
      );
    } else if (CONTROL_CHARACTERS.test(identifierText)) {
      rowErrors.push('psa_company_identifier contains control characters (line breaks, tabs)');
    }

    if (rowErrors.length === 0) {
      if (customerId !== undefined) {
        const first = seenIds.get(customerId);
        if (first !== undefined) rowErrors.push(`customer ${customerId} is already listed on line ${first}`);
        else seenIds.set(customerId, line);
      } else if (customerName !== undefined) {
        const key = customerName.trim().toLowerCase();
        const first = seenNames.get(key);
        if (first !== undefined) {
          rowErrors.push(
            `customer ${JSON.stringify(customerName.trim())} is already listed on line ${first}`,
          );
        } else {
          seenNames.set(key, line);
        }
      }
    }
    if (rowErrors.length > 0) {
      for (const message of rowErrors) errors.push({ line, message });
      continue;
    }
    const row: ParsedMappingRow = {
      line,
      psaCompanyIdentifier: identifierText === '' ? null : identifierText,
    };
    if (customerId !== undefined) row.customerId = customerId;
    if (customerName !== undefined) row.customerName = customerName;
    rows.push(row);
  }
  return { rows, errors };
}

// ---------------------------------------------------------------------------------------------------
// Disappeared companies

/** A customer's current mapping. */
export interface CustomerMapping {
  customerId: number;
  psaCompanyIdentifier: string | null;
}

/** Canonical form for comparing identifiers: trimmed, case-folded (ConnectWise compares case-insensitively). */
function identifierKey(identifier: string): string {
  return identifier.trim().toLowerCase();
}

/**
 * Mappings whose identifier names no company in `companies` (compared case-insensitively, trimmed),
 * in input order; unmapped customers are skipped. `companies` must be the PSA's complete list — a
 * partial page would make every other mapping look missing.
 */
export function detectMissingMappings(
  mappings: readonly CustomerMapping[],
  companies: ReadonlyArray<{ identifier: string }>,
): Array<{ customerId: number; psaCompanyIdentifier: string }> {
  const known = new Set(companies.map((c) => identifierKey(c.identifier)));
  const missing: Array<{ customerId: number; psaCompanyIdentifier: string }> = [];
  for (const { customerId, psaCompanyIdentifier } of mappings) {
    if (psaCompanyIdentifier === null || psaCompanyIdentifier.trim() === '') continue;
    if (!known.has(identifierKey(psaCompanyIdentifier))) missing.push({ customerId, psaCompanyIdentifier });
  }
  return missing;
}
