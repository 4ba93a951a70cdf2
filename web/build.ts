// Builds the PSA admin UI (web/psa + web/i18n) with Vite into dist/psa-web unless the bundle is
// already built from the same sources: `npm install` (prepare), `npm start` and the browser tests'
// global setup all call it, and only the first pays for the build.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('.', import.meta.url));
const ROOT = path.dirname(WEB);
const OUT = path.join(ROOT, 'dist', 'psa-web');
const STAMP = path.join(OUT, '.sources-sha256');

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return files(full);
      return /\.test\.ts$/.test(name) ? [] : [full];
    });
}

/** SHA-256 over every source of the bundle and the lock file (a dependency change rebuilds). */
export function sourcesDigest(): string {
  const hash = createHash('sha256');
  for (const file of [
    ...files(path.join(WEB, 'psa')),
    ...files(path.join(WEB, 'i18n')),
    path.join(ROOT, 'package-lock.json'),
  ]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export async function buildWeb(
  options: { force?: boolean; quiet?: boolean } = {},
): Promise<'built' | 'up to date' | 'skipped'> {
  const digest = sourcesDigest();
  if (
    !options.force &&
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === digest &&
    existsSync(path.join(OUT, 'index.html'))
  )
    return 'up to date';
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (e) {
    // An install without devDependencies has no Vite: keep whatever bundle there is, and say so.
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    console.warn('PSA admin UI: Vite is not installed (npm install without devDependencies?): not rebuilt.');
    return 'skipped';
  }
  await vite.build({
    configFile: path.join(WEB, 'psa', 'vite.config.ts'),
    logLevel: options.quiet ? 'error' : 'warn',
  });
  writeFileSync(STAMP, digest);
  return 'built';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const result = await buildWeb({ force: process.argv.includes('--force') });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`PSA admin UI: ${result} (dist/psa-web, ${seconds} s)`);
}
