#!/usr/bin/env node
// The `parasol` command. Runs the compiled server in dist/server (built by `npm install` and by
// `npm start`, see scripts/build-server.mjs). When that build is missing or older than src/, it runs
// the TypeScript sources through tsx instead — the same code, only slower to start — and says so.
import { buildState } from '../scripts/server-build-state.mjs';

// Node 24 or later (package.json engines): one clear line instead of an obscure failure later (a
// better-sqlite3 built for another Node, a missing API). Checked before the CLI or tsx loads.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(
    `parasol: needs Node.js 24 or later, this is ${process.version}. Get it with "nvm install 24", or in Parasol's folder: eval "$(scripts/node24.sh)" (see the README).`,
  );
  process.exit(1);
}

const state = process.env.PARASOL_FROM_SOURCES ? 'sources' : buildState();
if (state === 'fresh') {
  await import('../dist/server/cli.js');
} else {
  if (state !== 'sources')
    process.stderr.write(
      `parasol: ${state === 'missing' ? 'dist/server is not built' : 'dist/server is older than src/'}; ` +
        'running the TypeScript sources through tsx (slower to start). `npm run build` compiles them.\n',
    );
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
