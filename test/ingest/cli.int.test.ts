// `parasol ingest` and `parasol console binding` in-process: plain progress lines without a
// terminal, the summary (counts, failed files with their reason, bad lines as file:line), exit code.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { umbrellaKey, umbrellaLines } from '../../src/console/ingest/generate.js';
import { ORG_A, tempDir } from './support.js';

function io(dataDir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { PARASOL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    readStdin: async () => '',
  };
  return { cli, out, err };
}

describe('parasol ingest', () => {
  it('prints progress lines and a summary naming bad lines by file:line and refused files', async () => {
    const dataDir = tempDir('parasol-cli-db-');
    const logs = tempDir();
    const run = async (args: string[]) => {
      const x = io(dataDir);
      const code = await runCli(args, x.cli);
      return { code, ...x };
    };
    expect((await run(['console', 'provider', 'create', 'Acme', '--kind', 'MSP'])).code).toBe(0);
    expect((await run(['console', 'customer', 'create', 'Alpha', '--provider', 'Acme'])).code).toBe(0);
    const bound = await run([
      'console',
      'binding',
      'add',
      '1',
      '--provider',
      'Acme',
      '--kind',
      'umbrella-org',
      '--value',
      ORG_A,
    ]);
    expect(bound.out).toEqual([`binding 1: customer 1 ← umbrella-org ${ORG_A}`]);
    expect((await run(['console', 'binding', 'list', '1', '--provider', 'Acme'])).out).toEqual([
      `1\tumbrella-org\t${ORG_A}`,
    ]);

    const good = path.join(logs, umbrellaKey(ORG_A, Date.UTC(2026, 0, 5, 1), 'good', false));
    const lines = [
      ...umbrellaLines({ rows: 50, orgIds: [ORG_A, '42'], startMs: Date.UTC(2026, 0, 5, 1), spanMs: 60_000 }),
    ];
    lines.splice(7, 0, '"2026-01-05 01:00:00","cut short');
    mkdirSync(path.dirname(good), { recursive: true });
    writeFileSync(good, `${lines.join('\n')}\n`);
    const refused = path.join(logs, umbrellaKey(ORG_A, Date.UTC(2026, 0, 5, 2), 'junk'));
    writeFileSync(refused, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]));

    const first = await run(['ingest', logs, '--provider', 'Acme', '--concurrency', '0']);
    expect(first.code).toBe(0);
    expect(process.exitCode).toBe(1); // a file failed in this run
    process.exitCode = 0;
    expect(first.err.some((l) => /^progress: \d+\/2 files, [\d,]+ rows, [\d.]+ MB\/s/.test(l))).toBe(true);
    expect(first.out[0]).toMatch(
      /^1 file\(s\) ingested, 0 already ingested, 1 failed — 50 rows, 1 bad, 25 unrouted; /,
    );
    expect(first.out).toContain(`bad lines (1; first 1):`);
    expect(first.out).toContain(`  ${good}:8: unterminated quote in column 2`);
    expect(first.out.some((l) => l.startsWith(`failed: file:${refused}: not a complete gzip file`))).toBe(
      true,
    );
    expect(first.out.some((l) => l.startsWith('25 row(s) matched no source binding'))).toBe(true);

    const again = await run(['ingest', logs, '--provider', 'Acme', '--json']);
    expect(again.code).toBe(0);
    expect(process.exitCode ?? 0).toBe(0); // the failure was an earlier run's
    const summary = JSON.parse(again.out.join('\n')) as {
      ingested: number;
      duplicate: number;
      failed: number;
    };
    expect(summary).toMatchObject({ ingested: 0, duplicate: 1, failed: 1 });

    // Touched (same bytes, a new modification time): already ingested, by its content.
    const later = new Date(Date.now() + 120_000);
    utimesSync(good, later, later);
    const touched = await run(['ingest', logs, '--provider', 'Acme', '--concurrency', '0']);
    expect(touched.out[0]).toMatch(/^0 file\(s\) ingested, 1 already ingested, 1 failed — 0 rows/);
    process.exitCode = 0;
    // Corrected upstream (same name, other lines): its counts replace the earlier ones.
    writeFileSync(good, `${lines.slice(0, 20).join('\n')}\n`);
    const corrected = await run(['ingest', logs, '--provider', 'Acme', '--concurrency', '0']);
    expect(corrected.out[0]).toMatch(
      /^1 file\(s\) ingested \(1 replacing an earlier version\), 0 already ingested, 1 failed — 19 rows, 1 bad/,
    );
    process.exitCode = 0;

    const unknown = await run(['ingest', logs, '--provider', 'Nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toEqual(["error: provider 'Nobody' not found (see parasol console provider list)"]);
  });
});
