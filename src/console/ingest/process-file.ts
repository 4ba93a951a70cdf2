// One unit of input (a file) from bytes to aggregate deltas: stream → gzip or plain (by the magic
// bytes) → lines → Umbrella CSV parser → routing → AggregateBatch. Runs on a worker thread (see
// worker.ts) but is plain code, usable and tested in-thread. Nothing here touches the database: the
// caller commits the deltas together with the unit's record, or nothing when the unit failed.
//
// Memory is bounded whatever the file size: bytes stream through with back-pressure, a line longer
// than MAX_LINE_BYTES is cut off and counted as bad, and the batch holds aggregates, not events.
//
// When is a file refused as a whole (failed, nothing counted)?
//   * it starts with the gzip magic bytes but does not decompress to its end (corrupt, truncated);
//   * none of its first SNIFF_LINES non-blank lines is a DNS log row while at least one of them is
//     bad (e.g. another CSV, a header without the required columns), or the whole file has no row
//     and at least one bad line — called binary data when its first 64 KiB hold a NUL byte.
// Otherwise every bad line is counted and reported (line number and why), and the rest is ingested:
// a line with a NUL byte too (PostgreSQL cannot store U+0000; the parsers refuse such a line).

import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AggregateBatch, type AggregateOptions, type DeltaColumns } from '../aggregate/index.js';
import { BAD, BLANK, ROW, UmbrellaRowReader } from '../sources/umbrella-csv-bytes.js';
import { customerOfKey, orgIdFromKey, type RoutingTable } from './routing.js';
import type { LineError } from './types.js';

export const SNIFF_LINES = 100;
export const SNIFF_BYTES = 64 * 1024;
export const MAX_LINE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_ERRORS = 100;

export interface FileTask {
  /** The unit's source key (for messages). */
  sourceKey: string;
  /** The key folder-prefix bindings are matched against (S3 object key, path relative to the root). */
  routeKey: string;
  /** The full location (S3 object key, absolute path): an org folder in it is the rows' default org. */
  locationKey?: string;
  routing: RoutingTable;
  aggregate: AggregateOptions;
  /** Line errors kept for the report (all are counted). */
  maxErrors?: number;
}

export interface FileProgress {
  /** Bytes of the input read so far (compressed bytes for a gzip file). */
  bytes: number;
  rows: number;
  badRows: number;
}

export interface FileCounts {
  bytes: number;
  /** Lines that are DNS events (routed or not). */
  rows: number;
  badRows: number;
  /** Rows no binding routes to a customer (counted in rows, not aggregated). */
  unrouted: number;
  errors: LineError[];
}

export type FileResult =
  | ({
      ok: true;
      /** As columns: a worker transfers their buffers to the main thread instead of copying rows. */
      deltas: DeltaColumns;
      /** sha256 (hex) of the content as read: the decompressed bytes of a gzip file. */
      digest: string;
    } & FileCounts)
  | ({
      ok: false;
      /** true: the content is refused (record the unit as failed); false: reading failed, retry later. */
      permanent: boolean;
      reason: string;
    } & FileCounts);

/** An error of the source (file system, network) rather than of the content: worth a retry. */
export class SourceReadError extends Error {
  override readonly name = 'SourceReadError';
}

class Refused extends Error {
  override readonly name = 'Refused';
}

const GZIP_CHUNK = 512 * 1024;

/** Counts bytes and tags errors of the input as SourceReadError. */
async function* readInput(
  input: AsyncIterable<Uint8Array>,
  counter: { bytes: number },
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of input) {
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      counter.bytes += buf.length;
      yield buf;
    }
  } catch (e) {
    if (e instanceof SourceReadError) throw e;
    throw new SourceReadError(e instanceof Error ? e.message : String(e), { cause: e });
  }
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/** The decompressed (or plain) content as chunks of text, and whether it was gzip. */
async function openContent(
  input: AsyncIterable<Uint8Array>,
  counter: { bytes: number },
): Promise<{ gzip: boolean; chunks: AsyncIterable<Buffer> }> {
  const raw = readInput(input, counter)[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await raw.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const source = prepend(head, raw);
  if (!gzip) return { gzip, chunks: source };
  const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
  pipeline(Readable.from(source, { objectMode: false }), gunzip, () => {});
  return { gzip, chunks: gunzip };
}

function gzipReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return `not a complete gzip file: ${message}`;
}

/**
 * Calls onLine(bytes, start, end) for every line of the chunks (the range without its '\n'; a last
 * line without one included), onTooLong instead for a line longer than MAX_LINE_BYTES (whose bytes are
 * skipped), and onChunk before each chunk's lines. Lines are cut on the '\n' byte, which is never
 * part of a multi-byte UTF-8 character. A line is handed over where it lies in its chunk; only a line
 * split between two chunks is copied (into a buffer of its own). The callee may change the bytes of
 * the line it is given, nothing else.
 */
export async function forEachLine(
  chunks: AsyncIterable<Buffer | Uint8Array>,
  onLine: (bytes: Buffer, start: number, end: number) => void,
  onTooLong: () => void,
  onChunk?: (chunk: Buffer) => void,
): Promise<void> {
  let carry: Buffer[] = [];
  let carryLength = 0;
  let skipping = false; // inside a line that was too long, until its end
  for await (const c of chunks) {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    onChunk?.(chunk);
    const first = chunk.indexOf(10);
    if (first === -1) {
      if (!skipping) {
        carry.push(Buffer.from(chunk));
        carryLength += chunk.length;
        if (carryLength > MAX_LINE_BYTES) {
          onTooLong();
          carry = [];
          carryLength = 0;
          skipping = true;
        }
      }
      continue;
    }
    if (skipping) skipping = false;
    else if (carryLength > 0) {
      carry.push(chunk.subarray(0, first));
      if (carryLength + first > MAX_LINE_BYTES) onTooLong();
      else {
        const line = Buffer.concat(carry);
        onLine(line, 0, line.length);
      }
      carry = [];
      carryLength = 0;
    } else onLine(chunk, 0, first);
    const last = chunk.lastIndexOf(10);
    let start = first + 1;
    while (start <= last) {
      const nl = chunk.indexOf(10, start);
      onLine(chunk, start, nl);
      start = nl + 1;
    }
    if (last + 1 < chunk.length) {
      carry.push(Buffer.from(chunk.subarray(last + 1)));
      carryLength = chunk.length - last - 1;
    }
  }
  if (!skipping && carryLength > 0) {
    const line = Buffer.concat(carry);
    onLine(line, 0, line.length);
  }
}

/**
 * Reads one file's content and folds its rows into aggregate deltas. Never throws for bad content:
 * the result says why a file was refused; a failure of the input itself is a non-permanent result.
 */
export async function processFile(
  input: AsyncIterable<Uint8Array>,
  task: FileTask,
  onProgress?: (p: FileProgress) => void,
): Promise<FileResult> {
  const maxErrors = task.maxErrors ?? DEFAULT_MAX_ERRORS;
  const counter = { bytes: 0 };
  const counts: FileCounts = { bytes: 0, rows: 0, badRows: 0, unrouted: 0, errors: [] };
  const defaultOrg = orgIdFromKey(task.locationKey ?? task.routeKey);
  const reader = new UmbrellaRowReader(defaultOrg === undefined ? {} : { orgId: defaultOrg });
  const row = reader.row;
  const batch = new AggregateBatch(task.aggregate);
  const fileCustomer = customerOfKey(task.routing, task.routeKey);
  const orgs = task.routing.orgs;
  let lastOrg: string | undefined;
  let lastOrgCustomer: number | undefined;
  // One event object for the aggregator, refilled per row (add() copies what it keeps).
  const ev = {
    ts: 0,
    customerId: 0,
    identity: row.identity as { label: string; type: string },
    domain: '',
    action: 'allowed' as 'allowed' | 'blocked',
    categories: [] as readonly string[],
  };

  let lineNumber = 0;
  let nonBlank = 0;
  let firstError: LineError | undefined;
  let gzip = false;
  let binary = false; // a NUL byte among the first SNIFF_BYTES
  let digest = '';

  const bad = (line: number, message: string) => {
    counts.badRows++;
    const error = { line, message };
    if (firstError === undefined) firstError = error;
    if (counts.errors.length < maxErrors) counts.errors.push(error);
  };

  const handleLine = (bytes: Buffer, start: number, end: number): void => {
    lineNumber++;
    const outcome = reader.read(bytes, start, end, lineNumber);
    if (outcome === ROW) {
      nonBlank++;
      counts.rows++;
      let customerId = fileCustomer;
      if (customerId === undefined) {
        const org = row.orgId;
        if (org !== lastOrg) {
          lastOrg = org;
          lastOrgCustomer = org === undefined ? undefined : orgs[org];
        }
        customerId = lastOrgCustomer;
      }
      if (customerId === undefined) {
        counts.unrouted++;
        return;
      }
      ev.ts = row.ts;
      ev.customerId = customerId;
      ev.identity = row.identity;
      ev.domain = row.domain;
      ev.action = row.action;
      ev.categories = row.categories;
      batch.add(ev);
      return;
    }
    if (outcome === BAD) bad(lineNumber, reader.error);
    else if (outcome === BLANK) return;
    // Not a row: the file must show one among its first SNIFF_LINES non-blank lines.
    if (++nonBlank === SNIFF_LINES && counts.rows === 0 && counts.badRows > 0)
      throw new Refused(notCsv(firstError, gzip, binary));
  };

  let progressAt = 0;
  const report = () => {
    counts.bytes = counter.bytes;
    onProgress?.({ bytes: counter.bytes, rows: counts.rows, badRows: counts.badRows });
  };

  try {
    const content = await openContent(input, counter);
    gzip = content.gzip;
    let sniffedBytes = 0;
    // The file's identity: the digest of its content, decompressed, so that a gzip and a plain copy
    // of the same lines are one file. Each chunk is hashed before its lines are read (the reader
    // lower-cases domains in place).
    const hash = createHash('sha256');
    await forEachLine(
      content.chunks,
      handleLine,
      () => {
        lineNumber++;
        nonBlank++;
        bad(lineNumber, `line ${lineNumber}: longer than ${MAX_LINE_BYTES} bytes`);
      },
      (chunk) => {
        hash.update(chunk);
        if (sniffedBytes < SNIFF_BYTES) {
          const end = Math.min(chunk.length, SNIFF_BYTES - sniffedBytes);
          const nul = chunk.indexOf(0);
          if (nul !== -1 && nul < end) binary = true;
          sniffedBytes += end;
        }
        const now = Date.now();
        if (onProgress && now - progressAt >= 200) {
          progressAt = now;
          report();
        }
      },
    );
    if (counts.rows === 0 && counts.badRows > 0) throw new Refused(notCsv(firstError, gzip, binary));
    digest = hash.digest('hex');
  } catch (e) {
    counts.bytes = counter.bytes;
    if (e instanceof Refused) return { ok: false, permanent: true, reason: e.message, ...counts };
    if (e instanceof SourceReadError) {
      return { ok: false, permanent: false, reason: `could not read the file: ${e.message}`, ...counts };
    }
    // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR: "unexpected end of file", …) are the content's.
    const code = (e as { code?: unknown } | null)?.code;
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
      return { ok: false, permanent: true, reason: gzipReason(e), ...counts };
    }
    return {
      ok: false,
      permanent: false,
      reason: `could not process the file: ${e instanceof Error ? e.message : String(e)}`,
      ...counts,
    };
  }
  report();
  return { ok: true, deltas: batch.takeColumns(), digest, ...counts };
}

function notCsv(first: LineError | undefined, gzip: boolean, binary: boolean): string {
  if (binary)
    return gzip ? 'not CSV: the gzip file holds binary data' : 'neither gzip nor CSV text: binary data';
  const why = first ? ` (${first.message})` : '';
  return `not an Umbrella DNS CSV file: no line is a DNS log row${why}`;
}
