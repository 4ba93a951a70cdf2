// Synthetic Umbrella DNS logs for tests, the benchmark and demos: deterministic (seeded), written
// with the sources' formatter, gzipped or plain, in Umbrella's `<org>/dnslogs/YYYY-MM-DD/` layout.

import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { formatUmbrellaCsvLine, type UmbrellaCsvRow } from '../sources/umbrella-csv.js';

export interface GenerateOptions {
  rows: number;
  seed?: number;
  /** Epoch ms of the first event; events spread over `spanMs`. */
  startMs?: number;
  spanMs?: number;
  /** Organization ids written in column 16 (round robin per row). */
  orgIds?: readonly string[];
  identities?: number;
  /** Distinct domains (keep ≤ the heavy-hitter capacity for exact top lists). */
  domains?: number;
  /** Share of blocked rows, 0..1. */
  blockedShare?: number;
  /** Columns per line: 10, 13 or 16. */
  columns?: number;
}

/** A small, fast, seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SECURITY = ['Command and Control', 'Malware', 'Phishing', 'Cryptomining', 'Newly Seen Domains'];
const CONTENT = ['Business Services', 'Software/Technology', 'Search Engines', 'News', 'Social Networking'];
const TYPES = ['A', 'AAAA', 'HTTPS', 'TXT'];

/** Yields `rows` Umbrella DNS log lines (no newline), in time order. */
export function* umbrellaLines(o: GenerateOptions): Generator<string> {
  const rnd = prng(o.seed ?? 1);
  const start = o.startMs ?? Date.UTC(2026, 0, 5);
  const span = o.spanMs ?? 24 * 3600_000;
  const orgIds = o.orgIds ?? ['1000001'];
  const identityCount = o.identities ?? 200;
  const domainCount = o.domains ?? 150;
  const blockedShare = o.blockedShare ?? 0.05;
  const columns = o.columns ?? 16;
  const identities = Array.from({ length: identityCount }, (_, i) =>
    i % 3 === 0
      ? { label: `User ${i}, Test (user${i}@example.test)`, type: 'AD Users' }
      : { label: `host-${i}.corp`, type: 'Roaming Computers' },
  );
  const domains = Array.from({ length: domainCount }, (_, i) => `d${i}.example-${i % 7}.test`);
  for (let i = 0; i < o.rows; i++) {
    const id = identities[Math.floor(rnd() * rnd() * identityCount)]!;
    const blocked = rnd() < blockedShare;
    const domain = domains[Math.floor(rnd() * rnd() * domainCount)]!;
    const security = SECURITY[Math.floor(rnd() * SECURITY.length)]!;
    const content = CONTENT[Math.floor(rnd() * CONTENT.length)]!;
    const row: UmbrellaCsvRow = {
      ts: start + Math.floor((i / o.rows) * span),
      identity: id.label,
      identities: [id.label, 'Default Site'],
      identityType: id.type,
      identityTypes: [id.type, 'Sites'],
      internalIp: `10.0.${i % 250}.${(i >> 8) % 250}`,
      externalIp: '203.0.113.7',
      action: blocked ? 'Blocked' : 'Allowed',
      queryType: TYPES[i % TYPES.length]!,
      responseCode: blocked ? 'NOERROR' : i % 17 === 0 ? 'NXDOMAIN' : 'NOERROR',
      domain,
      categories: blocked ? [security, content] : [content],
      ...(blocked ? { blockedCategories: [security] } : {}),
      ruleId: blocked ? '400123' : '',
      destinationCountries: ['US'],
      orgId: orgIds[i % orgIds.length]!,
    };
    yield formatUmbrellaCsvLine(row, columns);
  }
}

/** Writes lines to a file, gzipped when the name ends in .gz; returns the path. */
export async function writeLines(file: string, lines: Iterable<string>, eol = '\n'): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const gz = file.endsWith('.gz') ? createGzip({ level: 6 }) : undefined;
  const sink = gz ?? out;
  if (gz) gz.pipe(out);
  let buf = '';
  for (const line of lines) {
    buf += line + eol;
    if (buf.length >= 1 << 20) {
      if (!sink.write(buf)) await once(sink, 'drain');
      buf = '';
    }
  }
  if (buf !== '') sink.write(buf);
  sink.end();
  await once(out, 'close');
  return file;
}

/** `<root>/<org>/dnslogs/<day>/<day>-<hh>-<mm>-<suffix>.csv.gz`, Umbrella's layout. */
export function umbrellaKey(org: string, ts: number, suffix: string, gzip = true): string {
  const iso = new Date(ts).toISOString();
  const day = iso.slice(0, 10);
  return `${org}/dnslogs/${day}/${day}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${suffix}.csv${gzip ? '.gz' : ''}`;
}
