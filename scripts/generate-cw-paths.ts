// Writes src/psa/http/cw-paths.generated.json: every path of ConnectWise's REST API (spec 2022.1,
// from connectwise-rest's ManageTypes.ts), so Parasol can tell "exists in ConnectWise but not here"
// (501) from "no such endpoint" (404). Run: npx tsx scripts/generate-cw-paths.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function generatePaths(): string[] {
  const require = createRequire(import.meta.url);
  const pkg = path.dirname(require.resolve('connectwise-rest/package.json'));
  const text = readFileSync(path.join(pkg, 'src', 'ManageTypes.ts'), 'utf8');
  const start = text.indexOf('export interface paths {');
  const end = text.indexOf('export interface components {');
  const block = text.slice(start, end);
  const paths = [...block.matchAll(/^ {2}"(\/[^"]+)": \{$/gm)].map((m) => m[1]!);
  return [...new Set(paths)].sort();
}

const out = fileURLToPath(new URL('../src/psa/http/cw-paths.generated.json', import.meta.url));
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(out, `${JSON.stringify(generatePaths(), null, 0)}\n`);
}
