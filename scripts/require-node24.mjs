// Node 24 or later (package.json engines), checked before anything version-sensitive loads: one clear
// line instead of an obscure failure later (a better-sqlite3 built for another Node, a test runner or
// API that needs a newer one). Imported first by bin/parasol.js; run by npm before `npm test` and
// `npm run bench` (their `pre` scripts). Lint and type checks are static and run on any Node.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(
    `parasol: needs Node.js 24 or later, this is ${process.version}. Get it with "nvm install 24", or in Parasol's folder: eval "$(scripts/node24.sh)" (see the README).`,
  );
  process.exit(1);
}
