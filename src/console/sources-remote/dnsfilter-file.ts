// DNSFilter query-log files (CON-5 d) for `parasol ingest --format dnsfilter`: a JSON array of
// traffic-log records (`[{...}, {...}]`), NDJSON (one record per line), or a JSON:API-style document
// `{"data": [...]}` whose items may hold the record under `attributes`; plain or gzip (by the magic
// bytes). Arrays and NDJSON are streamed (one record at a time in memory); a document is parsed whole
// and therefore capped at MAX_DNSFILTER_DOCUMENT characters.
//
// Records are decoded by sources/dnsfilter.ts. A bad record is reported with the line it starts on
// (arrays, NDJSON) or its position (documents), and the rest of the file is read.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { IngestSummary } from '../ingest/index.js';
import type { IngestOutcome } from '../ingest/types.js';
import { decodeDnsfilterRecord } from '../sources/dnsfilter.js';
import type { DnsEvent, SourceLineError } from '../sources/event.js';
import { type EventSink, type UnitMeta, UnitRefusedError } from './sink.js';

/** Longest record (characters) accepted. */
export const MAX_DNSFILTER_RECORD = 256 * 1024;
/** A `{"data": [...]}` document is parsed whole, so it is capped. */
export const MAX_DNSFILTER_DOCUMENT = 64 * 1024 * 1024;

export type DnsfilterItem =
  | { ok: true; event: DnsEvent; line: number }
  | { ok: false; error: SourceLineError };

/** The file as a whole cannot be read (truncated gzip, not JSON in any of the three forms). */
export class DnsfilterFileError extends UnitRefusedError {
  override readonly name = 'DnsfilterFileError';
}

/** Text chunks of the (gunzipped, when it starts with the gzip magic bytes) input. */
async function* textOf(input: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const n = await it.next();
    if (n.done) break;
    head = Buffer.concat([head, Buffer.from(n.value)]);
  }
  async function* bytes(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield Buffer.from(n.value);
    }
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const source: AsyncIterable<Buffer> = gzip ? Readable.from(bytes()).pipe(createGunzip()) : bytes();
  const decoder = new StringDecoder('utf8');
  try {
    for await (const b of source) {
      const s = decoder.write(b);
      if (s) yield s;
    }
  } catch (e) {
    if (!gzip) throw e;
    throw new DnsfilterFileError(`not a complete gzip file: ${e instanceof Error ? e.message : String(e)}`);
  }
  const end = decoder.end();
  if (end) yield end;
}

/** Lines (without their end) with their 1-based numbers. */
async function* linesOf(chunks: AsyncIterable<string>): AsyncGenerator<[string, number]> {
  let pending = '';
  let n = 0;
  for await (const text of chunks) {
    pending += text;
    let start = 0;
    for (;;) {
      const nl = pending.indexOf('\n', start);
      if (nl === -1) break;
      const l = pending.slice(start, nl);
      start = nl + 1;
      yield [l.endsWith('\r') ? l.slice(0, -1) : l, ++n];
    }
    pending = pending.slice(start);
    if (pending.length > MAX_DNSFILTER_RECORD * 4)
      throw new DnsfilterFileError(`line ${n + 1} has no end within ${MAX_DNSFILTER_RECORD * 4} characters`);
  }
  if (pending !== '') yield [pending.endsWith('\r') ? pending.slice(0, -1) : pending, ++n];
}

function decode(raw: unknown, line: number, where: string): DnsfilterItem {
  const record =
    raw && typeof raw === 'object' && !Array.isArray(raw) && 'attributes' in raw
      ? (raw as { attributes: unknown }).attributes
      : raw;
  const r = decodeDnsfilterRecord(record, { line });
  if (r.ok) return { ok: true, event: r.event, line };
  return line > 0 ? r : { ok: false, error: { line: 0, message: r.error.message.replace(/^record/, where) } };
}

function parseRecord(text: string, line: number): DnsfilterItem {
  const fail = (message: string): DnsfilterItem => ({
    ok: false,
    error: { line, message: `line ${line}: ${message}` },
  });
  if (text.length > MAX_DNSFILTER_RECORD)
    return fail(`the record is longer than ${MAX_DNSFILTER_RECORD} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(`is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail('expected a JSON object');
  return decode(value, line, `line ${line}`);
}

/** Splits a top-level JSON array into the text of its elements, tracking the line each starts on. */
async function* arrayElements(chunks: AsyncIterable<string>): AsyncGenerator<[string, number]> {
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let closed = false;
  let record: string[] = [];
  let recordSize = 0;
  let recordLine = 0;
  for await (const text of chunks) {
    let from = -1; // start of the part of `text` that belongs to the current element
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === 92) escaped = true;
        else if (ch === 34) inString = false;
        continue;
      }
      if (closed) {
        if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13)
          throw new DnsfilterFileError(`line ${line}: text after the end of the array`);
        continue;
      }
      if (ch === 34) {
        if (depth === 1) throw new DnsfilterFileError(`line ${line}: the array holds strings, not records`);
        inString = true;
      } else if (ch === 123 || ch === 91) {
        depth++;
        if (depth === 2) {
          from = i;
          recordLine = line;
        }
      } else if (ch === 125 || ch === 93) {
        depth--;
        if (depth === 1) {
          record.push(text.slice(from === -1 ? 0 : from, i + 1));
          yield [record.join(''), recordLine];
          record = [];
          recordSize = 0;
          from = -1;
        } else if (depth === 0) closed = true;
        else if (depth < 0)
          throw new DnsfilterFileError(`line ${line}: unbalanced '${String.fromCharCode(ch)}'`);
      } else if (depth === 1 && ch !== 44 && ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13) {
        throw new DnsfilterFileError(`line ${line}: the array holds values that are not records`);
      }
    }
    if (depth >= 2) {
      const part = text.slice(from === -1 ? 0 : from);
      record.push(part);
      recordSize += part.length;
      if (recordSize > MAX_DNSFILTER_RECORD * 4)
        throw new DnsfilterFileError(
          `the record on line ${recordLine} has no end within ${MAX_DNSFILTER_RECORD * 4} characters`,
        );
    }
  }
  if (!closed) throw new DnsfilterFileError('the JSON array has no end (truncated file?)');
}

/**
 * The records of a DNSFilter export, decoded, in file order. Throws DnsfilterFileError when the file
 * as a whole is unreadable.
 */
export async function* readDnsfilterFile(input: AsyncIterable<Uint8Array>): AsyncGenerator<DnsfilterItem> {
  const chunks = textOf(input)[Symbol.asyncIterator]();
  // Decide the form by the first non-blank character, keeping what was read for the reader.
  const head: string[] = [];
  let first: string | undefined;
  for (;;) {
    const n = await chunks.next();
    if (n.done) break;
    head.push(n.value);
    const m = /[^\s\ufeff]/.exec(n.value);
    if (m) {
      first = n.value[m.index];
      break;
    }
  }
  if (first === undefined) return; // empty file: no records
  async function* all(): AsyncGenerator<string> {
    yield* head;
    for (;;) {
      const n = await chunks.next();
      if (n.done) return;
      yield n.value;
    }
  }
  if (first === '[') {
    for await (const [text, line] of arrayElements(all())) yield parseRecord(text, line);
    return;
  }
  if (first !== '{')
    throw new DnsfilterFileError('the file is neither a JSON array, NDJSON nor {"data": [...]}');

  const lines = linesOf(all())[Symbol.asyncIterator]();
  let firstItem: DnsfilterItem | undefined;
  for (;;) {
    const n = await lines.next();
    if (n.done) return;
    let [text, line] = n.value;
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') continue;
    // A first line that is not a record on its own, or an object with a data array, is a document.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const isDocument =
      value === undefined ||
      (typeof value === 'object' && value !== null && Array.isArray((value as { data?: unknown }).data));
    if (isDocument) {
      let doc = text;
      for (;;) {
        const more = await lines.next();
        if (more.done) break;
        doc += `\n${more.value[0]}`;
        if (doc.length > MAX_DNSFILTER_DOCUMENT)
          throw new DnsfilterFileError(
            `a {"data": [...]} document larger than ${MAX_DNSFILTER_DOCUMENT} characters`,
          );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(doc);
      } catch (e) {
        throw new DnsfilterFileError(
          `the file is neither NDJSON nor one JSON document (${e instanceof Error ? e.message : String(e)})`,
        );
      }
      const data = (parsed as { data?: unknown } | null)?.data;
      if (!Array.isArray(data))
        throw new DnsfilterFileError('a JSON object without a "data" array is not a DNSFilter export');
      for (let k = 0; k < data.length; k++) yield decode(data[k], 0, `record ${k + 1}`);
      return;
    }
    firstItem = parseRecord(text, line);
    break;
  }
  if (firstItem) yield firstItem;
  for (;;) {
    const n = await lines.next();
    if (n.done) return;
    let [text, line] = n.value;
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') continue;
    yield parseRecord(text, line);
  }
}

/** File names `parasol ingest --format dnsfilter` picks up in a folder. */
export const DNSFILTER_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;
/** Line errors kept per file (all are counted). */
const MAX_ERRORS = 100;

export interface DnsfilterFileOutcome extends IngestOutcome {
  file: string;
  sourceKey: string;
  version: string;
  bytes: number;
}

/**
 * Ingests DNSFilter files — one file, or every *.json / *.jsonl / *.ndjson (optionally .gz) under a
 * folder, in name order — each as one unit (`file:<absolute path>`, version size:mtime, as the core
 * names local files), exactly once. Events are routed by 'dnsfilter-network' bindings.
 */
export async function ingestDnsfilterPath(
  sink: EventSink,
  providerId: number,
  target: string,
): Promise<DnsfilterFileOutcome[]> {
  const root = path.resolve(target);
  const files: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile() && DNSFILTER_FILE.test(e.name)) files.push(abs);
    }
  };
  if ((await stat(root)).isFile()) files.push(root);
  else await walk(root);
  const out: DnsfilterFileOutcome[] = [];
  for (const file of files) {
    const st = await stat(file);
    const unit = {
      providerId,
      sourceKey: `file:${file.split(path.sep).join('/')}`,
      version: `${st.size}:${Math.trunc(st.mtimeMs)}`,
    };
    const meta: UnitMeta = { bytes: st.size, badRows: 0, errors: [] };
    async function* events(): AsyncGenerator<DnsEvent> {
      for await (const item of readDnsfilterFile(createReadStream(file))) {
        if (item.ok) yield item.event;
        else {
          meta.badRows = (meta.badRows ?? 0) + 1;
          if (meta.errors!.length < MAX_ERRORS) meta.errors!.push(item.error);
        }
      }
    }
    const outcome = await sink.ingestEvents(unit, events(), meta);
    out.push({ ...outcome, file, sourceKey: unit.sourceKey, version: unit.version, bytes: st.size });
  }
  return out;
}

/** The outcomes of `ingestDnsfilterPath` as the summary `parasol ingest` prints for any format. */
export function dnsfilterSummary(
  location: string,
  outcomes: DnsfilterFileOutcome[],
  elapsedMs: number,
): IngestSummary {
  const n = (status: IngestOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  const sum = (k: 'rows' | 'badRows' | 'unrouted' | 'bytes') =>
    outcomes.reduce((t, o) => t + (o.status === 'ingested' ? o[k] : 0), 0);
  return {
    source: location,
    listed: outcomes.length,
    files: outcomes.length,
    ingested: n('ingested'),
    duplicate: n('duplicate'),
    replaced: 0,
    failed: n('failed'),
    busy: n('busy'),
    rows: sum('rows'),
    badRows: sum('badRows'),
    unrouted: sum('unrouted'),
    bytes: sum('bytes'),
    elapsedMs,
    units: outcomes.map(({ file: _file, ...u }) => u),
  };
}
