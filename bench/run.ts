// `npm run bench`: runs every bench/*.bench.ts one after the other (never in parallel: they would
// measure each other) and prints one table. `npx tsx bench/run.ts key-verify` runs only the files
// whose name contains one of the given words.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchRow, formatTable, targetMet } from './report.js';

interface BenchModule {
  run(): Promise<BenchRow[]>;
  /** Why the benchmark cannot run here (e.g. it needs PostgreSQL); undefined when it can. */
  skipReason?(): string | undefined;
}

const dir = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`no benchmark matches ${filters.join(', ') || '*.bench.ts'}\n`);
    return 2;
  }
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  const skipped: string[] = [];
  const started = Date.now();
  for (const file of files) {
    const t0 = Date.now();
    process.stderr.write(`== ${file}\n`);
    try {
      const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as BenchModule;
      const reason = mod.skipReason?.();
      if (reason) {
        skipped.push(`${file}: ${reason}`);
        continue;
      }
      const got = await mod.run();
      rows.push(...got.map((r) => ({ ...r, name: `${file.replace(/\.bench\.ts$/, '')}: ${r.name}` })));
    } catch (e) {
      failures.push(`${file}: ${(e as Error).stack ?? String(e)}`);
    }
    process.stderr.write(`== ${file} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(`\n${formatTable(rows)}\n`);
  if (skipped.length) process.stdout.write(`\nskipped:\n${skipped.map((s) => `  ${s}`).join('\n')}\n`);
  process.stdout.write(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const missed = rows.filter((r) => targetMet(r) === false).length;
  if (missed) process.stdout.write(`${missed} target(s) not met\n`);
  if (failures.length) {
    process.stdout.write(`\nfailed:\n${failures.join('\n')}\n`);
    return 1;
  }
  return 0;
}

// Targets are reported, not enforced (the machine is shared); only a benchmark that broke fails.
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
