// Compiles the server (src/) into dist/server/ with esbuild, so `parasol` runs JavaScript instead of
// compiling TypeScript on every start (tsx stays for development and tests). One bundle split at
// every dynamic import(): a command loads the chunks it uses and nothing else. Kysely and zod are
// bundled (Kysely's ~280 ES modules cost more to load than the rest of a command); every other
// package stays external (CommonJS and native ones must, and `import()` of them stays lazy).
//   node scripts/build-server.mjs            build
//   node scripts/build-server.mjs --if-stale build unless dist/server is up to date (npm start)
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { buildState, OUT, ROOT, STAMP, sourceState } from './server-build-state.mjs';

const BUNDLED = new Set(['kysely', 'zod']);

/** Bare imports stay external unless their package is in BUNDLED. */
const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = args.path.startsWith('@')
        ? args.path.split('/').slice(0, 2).join('/')
        : args.path.split('/')[0];
      return BUNDLED.has(name) ? undefined : { external: true };
    });
  },
};

/**
 * Bundles entry points (paths from the repository root) into `outdir` the way the server is shipped.
 * Also used by bench/ingest.bench.ts, whose child process must load the code as `parasol` does;
 * `outdir` must lie inside the repository, where the external packages resolve from node_modules.
 */
export async function bundleServer(entryPoints, outdir) {
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir,
    entryNames: '[name]',
    // Flat: pool.ts finds ./ingest-worker.js beside whichever chunk it lands in.
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    plugins: [externals],
    legalComments: 'none',
    logLevel: 'warning',
  });
}

export async function buildServer({ ifStale = false, quiet = false } = {}) {
  const state = buildState();
  if (ifStale && state === 'fresh') return 'up to date';
  const started = Date.now();
  const sources = sourceState();
  // Built beside and swapped in: a `parasol` starting meanwhile sees the old build or the new one.
  const next = `${OUT}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  await bundleServer(
    {
      // `parasol` (bin/parasol.js) and an ingestion worker thread (src/console/ingest/pool.ts).
      cli: 'src/cli/index.ts',
      'ingest-worker': 'src/console/ingest/worker.ts',
    },
    next,
  );
  writeFileSync(
    path.join(next, path.basename(STAMP)),
    `${JSON.stringify({ ...sources, builtAt: new Date().toISOString() })}\n`,
  );
  const old = `${OUT}.old-${process.pid}`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(next, OUT);
  rmSync(old, { recursive: true, force: true });
  if (!quiet)
    console.log(`server: built dist/server from src/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'built';
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'scripts', 'build-server.mjs')) {
  await buildServer({ ifStale: process.argv.includes('--if-stale') });
}
