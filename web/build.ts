// Builds the two UIs with Vite — the PSA admin UI (web/psa) into dist/psa-web and the console UI
// (web/console) into dist/console-web, both with web/shared and web/i18n — each unless its bundle
// is already built from the same sources: `npm install` (prepare), `npm start` and the browser
// tests' global setup all call it, and only the first pays for the build.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('.', import.meta.url));
const ROOT = path.dirname(WEB);

export type WebApp = 'psa' | 'console';
export type BuildResult = 'built' | 'up to date' | 'skipped';

interface AppSpec {
  label: string;
  /**
   * Folders (from the project root) whose files go into the bundle: both apps build on the kit in
   * web/shared; the console also imports the server's pure ticketing and aggregation definitions.
   */
  sources: string[];
  out: string;
}

export const WEB_APPS: Record<WebApp, AppSpec> = {
  psa: { label: 'PSA admin UI', sources: ['web/psa', 'web/shared', 'web/i18n'], out: 'dist/psa-web' },
  console: {
    label: 'Console UI',
    sources: ['web/console', 'web/shared', 'web/i18n', 'src/console/ticketing', 'src/console/aggregate'],
    out: 'dist/console-web',
  },
};

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return files(full);
      return /\.test\.ts$/.test(name) ? [] : [full];
    });
}

/** SHA-256 over every source of an app's bundle and the lock file (a dependency change rebuilds). */
export function sourcesDigest(app: WebApp = 'psa'): string {
  const hash = createHash('sha256');
  for (const file of [
    ...WEB_APPS[app].sources.flatMap((dir) => files(path.join(ROOT, dir))),
    path.join(ROOT, 'package-lock.json'),
  ]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

async function buildApp(
  app: WebApp,
  options: { force?: boolean | undefined; quiet?: boolean | undefined },
): Promise<BuildResult> {
  const out = path.join(ROOT, WEB_APPS[app].out);
  const stamp = path.join(out, '.sources-sha256');
  const digest = sourcesDigest(app);
  if (
    !options.force &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === digest &&
    existsSync(path.join(out, 'index.html'))
  )
    return 'up to date';
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (e) {
    // An install without devDependencies has no Vite: keep whatever bundle there is, and say so.
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    console.warn(
      `${WEB_APPS[app].label}: Vite is not installed (npm install without devDependencies?): not rebuilt.`,
    );
    return 'skipped';
  }
  await vite.build({
    configFile: path.join(WEB, app, 'vite.config.ts'),
    logLevel: options.quiet ? 'error' : 'warn',
  });
  writeFileSync(stamp, digest);
  return 'built';
}

/** Builds the apps (default: both, one after the other) that are not up to date. */
export async function buildWeb(
  options: { force?: boolean; quiet?: boolean; apps?: WebApp[] } = {},
): Promise<Record<WebApp, BuildResult | 'not asked'>> {
  const results: Record<WebApp, BuildResult | 'not asked'> = { psa: 'not asked', console: 'not asked' };
  for (const app of options.apps ?? (Object.keys(WEB_APPS) as WebApp[])) {
    results[app] = await buildApp(app, options);
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const app of Object.keys(WEB_APPS) as WebApp[]) {
    const started = performance.now();
    const result = await buildApp(app, { force: process.argv.includes('--force') });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${WEB_APPS[app].label}: ${result} (${WEB_APPS[app].out}, ${seconds} s)`);
  }
}
