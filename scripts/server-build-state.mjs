// Whether dist/server (the compiled server, see build-server.mjs) is up to date with its sources.
// Read by bin/parasol.js on every command, so it uses file times and sizes only (a few ms), no hash.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = path.join(ROOT, 'dist', 'server');
export const STAMP = path.join(OUT, 'build.json');
/** What the bundle is made of, besides src/: the build itself and the dependencies' versions. */
const INPUTS = ['scripts/build-server.mjs', 'package-lock.json'];

function walk(dir, into) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, into);
    else if (!e.name.endsWith('.test.ts')) into.push(full);
  }
  return into;
}

/** The sources' newest modification time and their count (a deleted file changes the count). */
export function sourceState() {
  const files = walk(path.join(ROOT, 'src'), []).concat(
    INPUTS.map((f) => path.join(ROOT, f)).filter((f) => existsSync(f)),
  );
  let newestMs = 0;
  for (const f of files) newestMs = Math.max(newestMs, statSync(f).mtimeMs);
  return { files: files.length, newestMs };
}

/** 'fresh', 'stale' (a source changed since the build) or 'missing' (never built). */
export function buildState() {
  if (!existsSync(STAMP)) return 'missing';
  if (!existsSync(path.join(ROOT, 'src'))) return 'fresh';
  const built = JSON.parse(readFileSync(STAMP, 'utf8'));
  const now = sourceState();
  return now.files === built.files && now.newestMs <= built.newestMs ? 'fresh' : 'stale';
}
