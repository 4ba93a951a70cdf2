#!/usr/bin/env node
// The `parasol` command: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

// Node 24 or later (package.json engines): one clear line instead of an obscure failure later (a
// better-sqlite3 built for another Node, a missing API). Checked before the CLI loads; tsx loads on any Node.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(
    `parasol: needs Node.js 24 or later, this is ${process.version}. Get it with "nvm install 24", or in Parasol's folder: eval "$(scripts/node24.sh)" (see the README).`,
  );
  process.exit(1);
}

register();
await import('../src/cli/index.ts');
