// Umbrella DNS CSV line parsing (src/console/sources/umbrella-csv.ts): lines/s of parseLine turning
// 200,000 synthetic lines into normalized events, and of the ingest's byte reader (umbrella-csv-bytes.ts)
// reading them from one buffer, beside csv-parse merely splitting the same lines into
// string arrays (no events, no validation), and beside zlib gunzipping them. Lines mix 16- and
// 10-column rows, spaces after commas on some, identities with commas, blocked rows with security
// categories. Everything in memory, no I/O (the full-ingest row belongs to the ingestion benchmark).
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import {
  createUmbrellaCsvParser,
  formatUmbrellaCsvLine,
  type UmbrellaCsvRow,
} from '../src/console/sources/umbrella-csv.js';
import { ROW, UmbrellaRowReader } from '../src/console/sources/umbrella-csv-bytes.js';
import { type BenchRow, median, ratioOf } from './report.js';

const LINES = 200_000;
const ROUNDS = 5;

/** A small deterministic PRNG (mulberry32), so every run parses the same lines. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CATEGORY_SETS: readonly (readonly string[])[] = [
  ['Business Services', 'Computers and Internet'],
  ['Infrastructure and Content Delivery Networks'],
  ['Search Engines and Portals'],
  ['Social Networking'],
  ['Software/Technology', 'Computers and Internet'],
  [],
  ['Command and Control', 'Malware'],
  ['Phishing'],
  ['Newly Seen Domains'],
  ['Allow List', 'Business Services'],
];

/**
 * `n` Umbrella DNS log lines, every fifth with 10 columns, the others 16, every third with spaces after
 * the commas. The lines are cut out of one text, as a reader splitting gunzip's output would have them.
 */
export function generateUmbrellaLines(n: number, seed = 1): string[] {
  const rnd = prng(seed);
  const users = Array.from({ length: 400 }, (_, i) =>
    i % 4 === 0 ? `User${i}, Test (user${i}@example.test)` : `WS-${String(i).padStart(4, '0')}`,
  );
  const domains = Array.from({ length: 20_000 }, (_, i) => `svc${i % 97}.host${i}.example${i % 300}.test`);
  const out: string[] = [];
  let ts = Date.UTC(2026, 0, 5, 0, 0, 0);
  for (let i = 0; i < n; i++) {
    ts += Math.floor(rnd() * 900);
    const user = users[Math.floor(rnd() * users.length)]!;
    const cats = CATEGORY_SETS[Math.floor(rnd() * CATEGORY_SETS.length)]!;
    const security = cats.includes('Malware') || cats.includes('Phishing');
    const blocked = security ? rnd() < 0.9 : rnd() < 0.01;
    const row: UmbrellaCsvRow = {
      ts,
      identity: user,
      identities: [user, 'Office-LAN', 'Main Site'],
      internalIp: rnd() < 0.1 ? 'fd00:1::2a' : `10.1.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`,
      externalIp: '198.51.100.23',
      action: blocked ? 'blocked' : 'allowed',
      queryType: rnd() < 0.6 ? 'A' : rnd() < 0.8 ? 'AAAA' : 'HTTPS',
      responseCode: rnd() < 0.95 ? 'NOERROR' : 'NXDOMAIN',
      domain: domains[Math.floor(rnd() * rnd() * domains.length)]!,
      categories: cats,
      identityType: user.includes('@') ? 'AD Users' : 'Roaming Computers',
      identityTypes: [user.includes('@') ? 'AD Users' : 'Roaming Computers', 'Internal Networks', 'Sites'],
      blockedCategories: blocked ? cats.filter((c) => c !== 'Allow List') : [],
      ruleId: '4410021',
      orgId: '7700123',
    };
    out.push(formatUmbrellaCsvLine(row, i % 5 === 0 ? 10 : 16, i % 3 === 0));
  }
  return out.join('\n').split('\n');
}

function parserRate(lines: string[]): number {
  const parser = createUmbrellaCsvParser();
  const t0 = process.hrtime.bigint();
  let events = 0;
  for (let i = 0; i < lines.length; i++) {
    const r = parser.parseLine(lines[i]!, i + 1);
    if (r.ok && 'event' in r) events++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (events !== lines.length) throw new Error(`parsed ${events} of ${lines.length} lines`);
  return lines.length / s;
}

/** The byte reader over the lines as one decompressed buffer holds them (line ends found natively). */
function readerRate(bytes: Buffer, expected: number): number {
  const reader = new UmbrellaRowReader();
  const t0 = process.hrtime.bigint();
  let rows = 0;
  let line = 0;
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    if (reader.read(bytes, start, end, ++line) === ROW) rows++;
    start = end + 1;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (rows !== expected) throw new Error(`the byte reader read ${rows} of ${expected} lines`);
  return rows / s;
}

function csvParseRate(text: string, expected: number): number {
  const t0 = process.hrtime.bigint();
  const records = parse(text, { relax_column_count: true, ltrim: true }) as string[][];
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (records.length !== expected) throw new Error(`csv-parse read ${records.length} of ${expected} records`);
  return records.length / s;
}

function gunzipRate(gz: Buffer, lines: number): number {
  const t0 = process.hrtime.bigint();
  gunzipSync(gz);
  return lines / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export async function run(): Promise<BenchRow[]> {
  const lines = generateUmbrellaLines(LINES);
  const text = `${lines.join('\n')}\n`;
  const gz = gzipSync(text);
  // csv-parse is ~40× slower: it reads a 1-in-5 sample of the same lines (rates are per line).
  const sample = lines.slice(0, LINES / 5);
  const sampleText = `${sample.join('\n')}\n`;
  parserRate(lines.slice(0, 20_000)); // warm-up
  readerRate(Buffer.from(lines.slice(0, 20_000).join('\n')), 20_000);
  csvParseRate(`${lines.slice(0, 5_000).join('\n')}\n`, 5_000);
  const ours: number[] = [];
  const csv: number[] = [];
  const gunzip: number[] = [];
  const bytes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(parserRate(lines));
    // A fresh copy each round: the reader lower-cases domains in place.
    bytes.push(readerRate(Buffer.from(text), LINES));
    csv.push(csvParseRate(sampleText, sample.length));
    gunzip.push(gunzipRate(gz, LINES));
  }
  const figure = median(ours);
  const mb = (text.length / 1e6).toFixed(0);
  return [
    {
      name: `parseLine → events (${LINES.toLocaleString('en-US')} lines) vs csv-parse`,
      figure,
      unit: 'lines/s',
      baseline: median(csv),
      ratio: ratioOf(figure, median(csv)),
      target: { on: 'ratio', op: '>=', value: 5 },
      note: `baseline: csv-parse (sync, ltrim) only splitting ${sample.length.toLocaleString('en-US')} of the same lines into arrays; median of ${ROUNDS} rounds`,
    },
    {
      name: 'parseLine → events vs gunzip of the same lines',
      figure,
      unit: 'lines/s',
      baseline: median(gunzip),
      ratio: ratioOf(figure, median(gunzip)),
      target: { on: 'ratio', op: '>=', value: 1 },
      note: `baseline: zlib gunzipSync of the ${mb} MB text (${(gz.length / 1e6).toFixed(1)} MB gzipped); parsing must outrun gunzip for a full ingest at ≥ 0.5× gunzip`,
    },
    {
      name: 'byte reader (the ingest’s) vs parseLine',
      figure: median(bytes),
      unit: 'lines/s',
      baseline: figure,
      ratio: ratioOf(median(bytes), figure),
      note: 'UmbrellaRowReader reading the same lines from one buffer (what aggregation needs, no event objects); the string parser reads only the lines it is unsure of',
    },
    {
      name: 'byte reader vs gunzip of the same lines',
      figure: median(bytes),
      unit: 'lines/s',
      baseline: median(gunzip),
      ratio: ratioOf(median(bytes), median(gunzip)),
      note: 'the same gunzip baseline',
    },
  ];
}
