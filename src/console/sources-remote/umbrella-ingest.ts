// Pulls DNS activity of each Umbrella organization from the Reporting API v2 into the ingestion core,
// one API page = one unit, each committed exactly once, continuing from a cursor per provider+org.
//
// Windows. Time is cut into aligned windows of `windowMs` (default 5 minutes); a window is fetched
// only once it ended `lagMs` ago (Umbrella's reports lag behind), and the cursor names the end of the
// last window fully ingested (`done`), plus the paging position inside the window being read, so an
// interrupted run continues where it stopped. The first run starts `initialLookbackMs` back.
//
// Paging without losses. The API sorts by time but the order of the records of one second is not
// stable between requests (event-formats.md §2.1), so plain offset paging can repeat a record or skip
// one at a page boundary. Instead, when a full page spans several seconds, the next request narrows
// the time range to end (newest-first order) or start (oldest-first) at the page's last second, offset
// 0: that boundary second is read again in full and the records already ingested are dropped by their
// de-duplication key (the decoder's `dedupKey`). When a full page lies within one second, the client
// falls back to offset paging with an overlap of `overlap` records (dropped by key as well); only a
// second with more events than a page can then lose a record whose position moved by more than the
// overlap.
//
// Units. sourceKey `umbrella-api:<org>:<from>:<to>:<offset>` (the request), version = digest of the
// page's de-duplication keys. A key already ingested under any version is not ingested again.
import { createHash } from 'node:crypto';
import type { IngestOutcome, LineError } from '../ingest/types.js';
import type { DnsEvent } from '../sources/event.js';
import { decodeUmbrellaDnsRecord } from '../sources/umbrella-api.js';
import type { EventSink } from './sink.js';
import type { ActivityPage, ActivityQuery } from './umbrella-reporting.js';

export interface UmbrellaIngestOptions {
  providerId: number;
  client: { activityDns(orgId: string, q: ActivityQuery): Promise<ActivityPage> };
  sink: EventSink;
  /** Epoch ms. */
  now: () => number;
  pageSize?: number;
  overlap?: number;
  windowMs?: number;
  lagMs?: number;
  initialLookbackMs?: number;
  /** Windows per organization per run (a long outage is caught up over several runs). */
  maxWindowsPerRun?: number;
}

export interface UmbrellaOrgReport {
  orgId: string;
  windows: number;
  pages: number;
  /** Units ingested now / found already ingested (re-fetched after an interruption). */
  unitsIngested: number;
  unitsSkipped: number;
  events: number;
  /** Records dropped because an earlier page of the window had them. */
  repeated: number;
  badRecords: number;
  unrouted: number;
  /** End of the last window fully ingested (ISO), or null before the first one. */
  ingestedUntil: string | null;
  error?: string;
}

interface Progress {
  /** The window [wFrom, wTo). */
  wFrom: number;
  wTo: number;
  /** The request's range (inclusive ms) and offset. */
  lo: number;
  hi: number;
  offset: number;
  /** Keys of the records already ingested that the next request may return again. */
  seen: string[];
}

interface Cursor {
  v: 1;
  /** Every record with a timestamp before this was ingested. */
  done: number;
  partial?: Progress;
}

export const UMBRELLA_CURSOR_PREFIX = 'umbrella-api:';

function parseCursor(raw: string | undefined): Cursor | undefined {
  if (!raw) return undefined;
  try {
    const c = JSON.parse(raw) as Cursor;
    if (c && c.v === 1 && Number.isFinite(c.done)) return c;
  } catch {
    // A cursor this code cannot read is treated as absent (the first-run lookback applies).
  }
  return undefined;
}

const second = (ms: number) => Math.floor(ms / 1000);

/** Digest of a page's de-duplication keys, independent of the order they came in. */
export function pageVersion(keys: string[]): string {
  const h = createHash('sha256');
  for (const k of [...keys].sort()) h.update(k).update('\n');
  return h.digest('hex').slice(0, 32);
}

interface DecodedPage {
  events: DnsEvent[];
  keys: string[];
  /** (second, key) of every valid record, in page order. */
  timed: Array<{ sec: number; key: string }>;
  errors: LineError[];
  bad: number;
  repeated: number;
}

function decodePage(orgId: string, data: unknown[], p: Progress): DecodedPage {
  const seen = new Set(p.seen);
  const out: DecodedPage = { events: [], keys: [], timed: [], errors: [], bad: 0, repeated: 0 };
  data.forEach((raw, index) => {
    const r = decodeUmbrellaDnsRecord(raw, { orgId, index });
    if (!r.ok) {
      out.bad++;
      if (out.errors.length < 20) out.errors.push(r.error);
      return;
    }
    out.keys.push(r.key);
    out.timed.push({ sec: second(r.event.ts), key: r.key });
    if (seen.has(r.key)) {
      out.repeated++;
      return;
    }
    seen.add(r.key);
    // The API should only answer records of the range asked; anything else belongs to another window.
    if (r.event.ts < p.wFrom || r.event.ts >= p.wTo) return;
    out.events.push(r.event);
  });
  return out;
}

/** Where to read next after a page, or undefined when the window is complete. */
function nextProgress(p: Progress, page: DecodedPage, returned: number, limit: number, overlap: number) {
  if (returned < limit) return undefined;
  const first = page.timed[0];
  const last = page.timed[page.timed.length - 1];
  if (first && last && first.sec !== last.sec) {
    const boundary = last.sec;
    const seen = page.timed.filter((t) => t.sec === boundary).map((t) => t.key);
    return first.sec > last.sec
      ? { ...p, hi: Math.min(p.hi, boundary * 1000 + 999), offset: 0, seen }
      : { ...p, lo: Math.max(p.lo, boundary * 1000), offset: 0, seen };
  }
  // One second (or no readable time) fills the page: page by offset, overlapping by `overlap`.
  const seen = [...new Set([...p.seen, ...page.keys])];
  return { ...p, offset: p.offset + limit - overlap, seen };
}

export async function ingestUmbrellaOrg(o: UmbrellaIngestOptions, orgId: string): Promise<UmbrellaOrgReport> {
  const limit = o.pageSize ?? 1000;
  const overlap = Math.min(o.overlap ?? 50, Math.floor(limit / 2));
  const windowMs = o.windowMs ?? 5 * 60_000;
  const lagMs = o.lagMs ?? 10 * 60_000;
  const lookback = o.initialLookbackMs ?? 60 * 60_000;
  const maxWindows = o.maxWindowsPerRun ?? 288;
  const source = `${UMBRELLA_CURSOR_PREFIX}${orgId}`;
  const align = (ms: number) => Math.floor(ms / windowMs) * windowMs;

  const report: UmbrellaOrgReport = {
    orgId,
    windows: 0,
    pages: 0,
    unitsIngested: 0,
    unitsSkipped: 0,
    events: 0,
    repeated: 0,
    badRecords: 0,
    unrouted: 0,
    ingestedUntil: null,
  };
  let cursor: Cursor = { v: 1, done: align(o.now() - lookback) };
  const end = align(o.now() - lagMs);

  try {
    cursor = parseCursor(await o.sink.getCursor(o.providerId, source)) ?? cursor;
    report.ingestedUntil = new Date(cursor.done).toISOString();
    await readWindows();
  } catch (e) {
    // The cursor stays where the last committed page left it; the next run continues from there.
    report.error = e instanceof Error ? e.message : String(e);
  }
  return report;

  async function readWindows(): Promise<void> {
    while (report.windows < maxWindows) {
      let p = cursor.partial;
      if (!p) {
        if (cursor.done + windowMs > end) break;
        const wFrom = cursor.done;
        const wTo = wFrom + windowMs;
        p = { wFrom, wTo, lo: wFrom, hi: wTo - 1, offset: 0, seen: [] };
      }
      for (;;) {
        const page = await o.client.activityDns(orgId, { from: p.lo, to: p.hi, limit, offset: p.offset });
        report.pages++;
        const decoded = decodePage(orgId, page.data, p);
        report.repeated += decoded.repeated;
        const next = nextProgress(p, decoded, page.data.length, limit, overlap);
        const nextCursor: Cursor = next ? { v: 1, done: cursor.done, partial: next } : { v: 1, done: p.wTo };
        const unit = {
          providerId: o.providerId,
          sourceKey: `${UMBRELLA_CURSOR_PREFIX}${orgId}:${p.lo}:${p.hi}:${p.offset}`,
          version: pageVersion(decoded.keys),
        };
        const cursorValue = JSON.stringify(nextCursor);
        const prior = await o.sink.ingested(o.providerId, unit.sourceKey);
        let outcome: IngestOutcome;
        if (prior) {
          // Ingested by an earlier, interrupted run; only the cursor did not move.
          report.unitsSkipped++;
          await o.sink.setCursor(o.providerId, source, cursorValue);
          outcome = prior;
        } else {
          outcome = await o.sink.ingestEvents(unit, decoded.events, {
            bytes: JSON.stringify(page.data).length,
            badRows: decoded.bad,
            errors: decoded.errors,
            cursor: { source, value: cursorValue },
          });
          if (outcome.status === 'failed' || outcome.status === 'busy') {
            throw new Error(
              `page ${unit.sourceKey} was not ingested (${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''})`,
            );
          }
          if (outcome.status === 'duplicate') report.unitsSkipped++;
          else {
            report.unitsIngested++;
            report.events += outcome.rows;
            report.badRecords += outcome.badRows;
            report.unrouted += outcome.unrouted;
          }
        }
        cursor = nextCursor;
        if (!next) break;
        p = next;
      }
      report.windows++;
      report.ingestedUntil = new Date(cursor.done).toISOString();
    }
  }
}

/** Every organization, a few at a time; one organization's failure does not stop the others. */
export async function ingestUmbrella(
  o: UmbrellaIngestOptions,
  orgIds: readonly string[],
  concurrency = 2,
): Promise<UmbrellaOrgReport[]> {
  const reports: UmbrellaOrgReport[] = new Array(orgIds.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= orgIds.length) return;
      const orgId = orgIds[i]!;
      reports[i] = await ingestUmbrellaOrg(o, orgId);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, orgIds.length)) }, worker));
  return reports;
}
