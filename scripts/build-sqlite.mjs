// Compiles better-sqlite3's native module from its sources (the C++ binding and the SQLite
// amalgamation its package carries) with node-gyp, against the running Node's own headers
// (scripts/node24.sh points npm_config_nodedir at them, so nothing is downloaded). Its own install
// script first tries to download a prebuilt binary; package.json's allowScripts denies that script,
// and this one builds from source instead (better-sqlite3 loads build/Release). npm runs it from
// `prepare` (every `npm install`); node-gyp comes with npm. A module already built is kept while this Node can load it (a module built for another
// Node's ABI is rebuilt; `--force` rebuilds anyway).
//   node scripts/build-sqlite.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('better-sqlite3/package.json'));
const built = path.join(dir, 'build', 'Release', 'better_sqlite3.node');

/** Whether the module built earlier loads in this Node (a module built for another ABI throws). */
function loads() {
  try {
    require(built);
    return true;
  } catch {
    return false;
  }
}

if (existsSync(built) && !process.argv.includes('--force') && loads()) process.exit(0);

process.stderr.write('better-sqlite3: compiling its native module from source (about a minute or two) …\n');
const started = Date.now();
const gyp = spawnSync(
  'node-gyp',
  ['rebuild', '--release', '--force_build=1', '--directory', dir, '--loglevel=error'],
  { stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' },
);
if (gyp.error || gyp.status !== 0 || !existsSync(built)) {
  process.stderr.write(
    `better-sqlite3: the build failed (${gyp.error?.message ?? `node-gyp exit ${gyp.status}`}); ` +
      'it needs make, a C++ compiler and python3 (Debian: apt-get install -y make g++ python3)\n',
  );
  process.exit(1);
}
process.stderr.write(`better-sqlite3: built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
