#!/usr/bin/env node
// The `parasol` command. Runs the compiled server in dist/server (built by `npm install` and by
// `npm start`, see scripts/build-server.mjs). When that build is missing or older than src/, it runs
// the TypeScript sources through tsx instead — the same code, only slower to start — and says so.
// First: Node 24 or later, checked before the CLI or tsx loads (one clear line otherwise).
import '../scripts/require-node24.mjs';
import { buildState } from '../scripts/server-build-state.mjs';

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
