// Where units come from (CON-5): a local folder (or one file) and an S3-compatible bucket, both in
// Umbrella's layout `<prefix>/<org>/dnslogs/YYYY-MM-DD/<file>.csv[.gz]`. Each yields candidates —
// a unit (key + version), its size, the key routing matches against and where to read it — in key
// order. Exactly-once rests on the unit records; the S3 cursor only spares listing old keys.
import { type Dirent, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Locator } from './pool.js';
import type { S3Options } from './s3.js';

export interface UnitCandidate {
  sourceKey: string;
  version: string;
  bytes: number;
  /** What folder-prefix bindings match (S3 object key; path relative to the folder given). */
  routeKey: string;
  /** The full location, for the org folder (S3 object key; absolute path). */
  locationKey: string;
  locator: Locator;
  /** S3 only: the cursor this key advances ('s3://bucket/<…>/dnslogs/') and the key itself. */
  cursor?: { source: string; key: string };
}

/** `…/dnslogs/YYYY-MM-DD/<name>.csv` or `.csv.gz`: an Umbrella DNS log file. */
export const DNS_LOG_PATH = /(?:^|\/)dnslogs\/\d{4}-\d{2}-\d{2}\/[^/]+\.csv(?:\.gz)?$/i;

const toPosix = (p: string) => p.split(path.sep).join('/');

/**
 * The DNS log files under a folder (any depth; symbolic links are not followed), or the one file
 * given. Version = size and modification time.
 */
export async function listLocal(target: string): Promise<UnitCandidate[]> {
  const root = path.resolve(target);
  const st = await stat(root);
  const candidate = async (
    abs: string,
    size: number,
    mtimeMs: number,
    routeKey: string,
  ): Promise<UnitCandidate> => ({
    sourceKey: `file:${toPosix(abs)}`,
    version: `${size}:${Math.trunc(mtimeMs)}`,
    bytes: size,
    routeKey,
    locationKey: toPosix(abs),
    locator: { kind: 'file', path: abs },
  });
  if (st.isFile())
    return [await candidate(root, st.size, st.mtimeMs, toPosix(target).replace(/^(\.\/)+/, ''))];
  const out: UnitCandidate[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile() && DNS_LOG_PATH.test(toPosix(abs))) {
        // A folder is scanned every few seconds by every worker process: a stat on this thread costs
        // a quarter of one handed to libuv's pool (a folder at a time between turns of the loop). A
        // file gone since the listing is no candidate.
        const s = statSync(abs, { throwIfNoEntry: false });
        if (s) out.push(await candidate(abs, s.size, s.mtimeMs, toPosix(path.relative(root, abs))));
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  await walk(root);
  return out.sort((a, b) => (a.sourceKey < b.sourceKey ? -1 : a.sourceKey > b.sourceKey ? 1 : 0));
}

const DNSLOGS = 'dnslogs/';
/** Listing requests spent looking for `dnslogs/` folders before giving up (a bucket of other things). */
const MAX_DISCOVERY_REQUESTS = 10_000;

/** The smallest string after every key that starts with `folder` (which ends in '/'): '/' + 1 = '0'. */
const pastFolder = (folder: string) => `${folder.slice(0, -1)}0`;

/** Keys per discovery page: enough to see several small folders at once, small enough to be cheap. */
const DISCOVERY_PAGE = 100;

/**
 * The `…/dnslogs/` folders at or under `prefix`, by a skip scan: list a page of keys, note the
 * dnslogs folders they lie in, then list from after the last folder seen (StartAfter past all its
 * keys), and so on; keys outside any dnslogs folder skip their own folder. About one request per
 * folder whatever the number of files in it, and no reliance on delimiter listings, which
 * S3-compatible servers implement unevenly.
 */
async function dnsLogFolders(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const { listPage } = await import('./s3.js');
  const at = prefix.startsWith(DNSLOGS) ? 0 : prefix.indexOf(`/${DNSLOGS}`);
  if (at >= 0) return [prefix.slice(0, at === 0 ? DNSLOGS.length : at + 1 + DNSLOGS.length)];
  const found: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < MAX_DISCOVERY_REQUESTS; i++) {
    const page = await listPage(client, bucket, { prefix, startAfter: after, maxKeys: DISCOVERY_PAGE });
    if (page.objects.length === 0) break;
    let skipTo: string | undefined;
    for (const { key } of page.objects) {
      if (skipTo !== undefined && key < skipTo) continue;
      const d = key.startsWith(DNSLOGS) ? 0 : key.indexOf(`/${DNSLOGS}`);
      if (d >= 0) {
        const folder = key.slice(0, d === 0 ? DNSLOGS.length : d + 1 + DNSLOGS.length);
        found.push(folder);
        skipTo = pastFolder(folder);
      } else {
        const slash = key.lastIndexOf('/');
        skipTo = slash === -1 ? `${key}\u0000` : pastFolder(key.slice(0, slash + 1));
      }
    }
    if (page.next === undefined && page.objects.length < DISCOVERY_PAGE) break;
    after = skipTo === undefined ? page.objects[page.objects.length - 1]!.key : skipTo;
    // StartAfter excludes `after` itself; past-folder markers are never keys of a DNS log.
  }
  return found;
}

export interface S3Listing {
  candidates: UnitCandidate[];
  /** Objects the listings returned (with the cursor, only keys after it). */
  listed: number;
  /**
   * The `dnslogs/` folders listed, each with its cursor source and the keys listed in order; only a
   * folder listed whole (the prefix given is not inside it) may move its cursor.
   */
  folders: Array<{ source: string; keys: string[]; whole: boolean }>;
}

/**
 * The DNS log objects under s3://bucket/prefix. Per `dnslogs/` folder a cursor (the last key
 * settled by an earlier run) makes the listing start after it: Umbrella names files by time
 * (`YYYY-MM-DD/YYYY-MM-DD-hh-mm-xxxx.csv.gz`), so new files sort after old ones. Version = size and
 * ETag.
 */
export async function listS3(
  client: S3Client,
  s3: S3Options,
  bucket: string,
  prefix: string,
  cursorOf: (source: string) => Promise<string | undefined>,
): Promise<S3Listing> {
  const { listPage } = await import('./s3.js');
  const candidates: UnitCandidate[] = [];
  const folders: S3Listing['folders'] = [];
  let listed = 0;
  for (const folder of await dnsLogFolders(client, bucket, prefix)) {
    const source = `s3://${bucket}/${folder}`;
    const listPrefix = prefix.length > folder.length ? prefix : folder;
    const after = await cursorOf(source);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await listPage(client, bucket, {
        prefix: listPrefix,
        startAfter: after !== undefined && after >= listPrefix ? after : undefined,
        token,
      });
      listed += page.objects.length;
      for (const o of page.objects) {
        keys.push(o.key);
        if (!DNS_LOG_PATH.test(o.key)) continue;
        candidates.push({
          sourceKey: `s3://${bucket}/${o.key}`,
          version: `${o.size}:${o.etag}`,
          bytes: o.size,
          routeKey: o.key,
          locationKey: o.key,
          locator: { kind: 's3', bucket, key: o.key, s3 },
          cursor: { source, key: o.key },
        });
      }
      token = page.next;
    } while (token);
    folders.push({ source, keys, whole: listPrefix === folder });
  }
  return { candidates, listed, folders };
}
