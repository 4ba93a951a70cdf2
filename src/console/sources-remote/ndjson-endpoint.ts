// The NDJSON ingest endpoint (CON-5 c): `POST /api/v1/ingest/events`, authenticated by a provider's
// ingest token (`Authorization: Bearer <token>`), body `application/x-ndjson`, optionally
// `Content-Encoding: gzip`. One request is one unit, ingested exactly once.
//
// Limits: at most NDJSON_MAX_BYTES as sent and NDJSON_MAX_DECODED_BYTES once decompressed; the
// decompression stops at the limit (a gzip bomb costs at most that much memory) and the request is
// refused as a whole. A body that is not UTF-8 is refused as a whole too.
//
// Lines: Parasol's NDJSON event format (sources/ndjson.ts). Each bad line is reported by number and
// the rest is ingested: `{accepted, rejected, unrouted, errors: [{line, message}]}` (errors capped).
//
// Routing: an event's `orgId` is looked up in the provider's 'ndjson-org' source bindings; an event
// without orgId, or with one no binding names, is counted as unrouted (not aggregated). There is no
// customerId field: collectors name their own organization, the console decides whose it is.
//
// Idempotency: with an `Idempotency-Key` header the unit is `ndjson:<key>` (version: digest of the
// body): a retry of a request already ingested changes nothing and answers the first outcome again
// (`duplicate: true`); the same key with a different body is a 409. Without the header every request
// is its own unit.
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { sha256Hex } from '../../platform/crypto.js';
import type { IngestOutcome, LineError } from '../ingest/types.js';
import { ConsoleError } from '../service/errors.js';
import { parseNdjson } from '../sources/ndjson.js';
import type { EventSink } from './sink.js';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
export const NDJSON_MAX_BYTES = 10 * 1024 * 1024;
export const NDJSON_MAX_DECODED_BYTES = 10 * 1024 * 1024;
/** Line errors listed in the answer (all are counted in `rejected`). */
export const NDJSON_MAX_LISTED_ERRORS = 100;

const gunzipAsync = promisify(gunzip);
/** A body over the limit is still read (and dropped) up to this many times the limit. */
const DRAIN_FACTOR = 4;

export interface NdjsonLimits {
  maxBytes: number;
  maxDecodedBytes: number;
}

const DEFAULT_LIMITS: NdjsonLimits = {
  maxBytes: NDJSON_MAX_BYTES,
  maxDecodedBytes: NDJSON_MAX_DECODED_BYTES,
};

const tooLarge = (what: string, limit: number) =>
  new ConsoleError(
    'invalid',
    `The body is too large: ${what} more than ${limit} bytes (${Math.floor(limit / 1048576)} MiB). Send the events in smaller requests.`,
  );

/** Reads the raw body, refusing it as soon as it passes the limit. */
export async function readLimited(
  body: AsyncIterable<Buffer | Uint8Array | string>,
  declaredLength: string | undefined,
  limits: NdjsonLimits = DEFAULT_LIMITS,
): Promise<Buffer> {
  if (
    declaredLength !== undefined &&
    /^\d+$/.test(declaredLength) &&
    Number(declaredLength) > limits.maxBytes
  )
    throw tooLarge('it declares', limits.maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += b.length;
    if (size <= limits.maxBytes) {
      chunks.push(b);
      continue;
    }
    chunks.length = 0;
    // Too large. Read the rest without keeping it, so that the client, still sending, gets the answer
    // instead of a reset connection; a client sending far more is cut off.
    if (size > limits.maxBytes * DRAIN_FACTOR) {
      (body as { destroy?: () => void }).destroy?.();
      break;
    }
  }
  if (size > limits.maxBytes) throw tooLarge('it has', limits.maxBytes);
  return Buffer.concat(chunks, size);
}

/** The text of the body after its Content-Encoding (identity or gzip), within the decoded limit. */
export async function decodeBody(
  raw: Buffer,
  contentEncoding: string | undefined,
  limits: NdjsonLimits = DEFAULT_LIMITS,
): Promise<string> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  let bytes: Buffer;
  if (encoding === '' || encoding === 'identity') bytes = raw;
  else if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = await gunzipAsync(raw, { maxOutputLength: limits.maxDecodedBytes });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
        throw tooLarge('decompressed, it has', limits.maxDecodedBytes);
      throw new ConsoleError(
        'invalid',
        `The body says Content-Encoding: gzip but does not decompress (${e instanceof Error ? e.message : String(e)}).`,
      );
    }
  } else
    throw new ConsoleError(
      'invalid',
      `Content-Encoding '${encoding}' is not supported: send gzip or no encoding.`,
    );
  if (bytes.length > limits.maxDecodedBytes) throw tooLarge('it has', limits.maxDecodedBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConsoleError('invalid', 'The body is not UTF-8 text.');
  }
}

export function checkIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(v))
    throw new ConsoleError(
      'invalid',
      'The Idempotency-Key header must be 1 to 200 characters of letters, digits, ".", "_", ":" or "-".',
    );
  return v;
}

export interface NdjsonResult {
  accepted: number;
  rejected: number;
  unrouted: number;
  /** The first line errors (all are counted in `rejected`). */
  errors: LineError[];
  /** True when this Idempotency-Key was already ingested: nothing was counted again. */
  duplicate: boolean;
  /** The unit's key, for support. */
  unit: string;
}

function result(o: IngestOutcome, unit: string, duplicate: boolean): NdjsonResult {
  return {
    accepted: o.rows,
    rejected: o.badRows,
    unrouted: o.unrouted,
    errors: o.errors.slice(0, NDJSON_MAX_LISTED_ERRORS),
    duplicate,
    unit,
  };
}

/** Decodes and ingests one request body for a provider. */
export async function ingestNdjson(
  sink: EventSink,
  providerId: number,
  request: {
    body: AsyncIterable<Buffer | Uint8Array | string>;
    contentLength?: string | undefined;
    contentEncoding?: string | undefined;
    idempotencyKey?: string | undefined;
  },
  limits: NdjsonLimits = DEFAULT_LIMITS,
): Promise<NdjsonResult> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const raw = await readLimited(request.body, request.contentLength, limits);
  const version = sha256Hex(raw).slice(0, 32);
  const sourceKey = key ? `ndjson:${key}` : `ndjson:request:${randomUUID()}`;
  if (key) {
    const prior = await sink.ingested(providerId, sourceKey);
    if (prior && prior.version !== version)
      throw new ConsoleError(
        'conflict',
        'This Idempotency-Key was already used for a different body: use a new key for new events.',
      );
    if (prior) return result(prior, sourceKey, true);
  }
  const text = await decodeBody(raw, request.contentEncoding, limits);
  const { events, errors } = parseNdjson(text);
  const outcome = await sink.ingestEvents({ providerId, sourceKey, version }, events, {
    bytes: raw.length,
    badRows: errors.length,
    errors: errors.slice(0, NDJSON_MAX_LISTED_ERRORS),
  });
  if (outcome.status === 'failed')
    throw new ConsoleError('invalid', `The events were not ingested: ${outcome.reason ?? 'refused'}.`);
  if (outcome.status === 'busy')
    throw new ConsoleError(
      'locked',
      'The same request is being ingested right now: retry in a few seconds.',
      [],
      5,
    );
  return result(outcome, sourceKey, outcome.status === 'duplicate');
}
