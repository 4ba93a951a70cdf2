// `parasol start` refuses bad options with one clear line before it opens anything: an unknown role,
// --demo outside the all-in-one role, a watched location without its provider, numbers out of range.
import { describe, expect, it } from 'vitest';
import { parseWatch } from '../../src/background.js';
import { runCli } from '../../src/cli/program.js';

async function start(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['start', ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
    readStdin: async () => '',
  });
  return { code, out, err: err.join('\n') };
}

describe('parasol start options', () => {
  it.each([
    [['--role', 'db'], "--role must be one of api, worker, all, not 'db'"],
    [['--demo', '--role', 'worker'], '--demo runs everything in one process'],
    [
      ['--role', 'worker', '--watch', 'just-a-folder'],
      "--watch must be PROVIDER=LOCATION (a folder or s3://bucket/prefix), not 'just-a-folder'",
    ],
    [
      ['--role', 'worker', '--watch-seconds', '0'],
      "--watch-seconds must be a whole number from 1 to 86400, not '0'",
    ],
    [['--role', 'worker', '--ingest-concurrency', 'many'], '--ingest-concurrency must be a whole number'],
    [['--role', 'api', '--watch', 'My MSP=/logs'], '--watch runs in a worker'],
    [['--role', 'all', '--ops-port', '9464'], '--ops-port is for --role worker'],
  ])('%j is refused', async (args, message) => {
    const r = await start(args);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
    expect(r.out).toEqual([]);
  });

  it('splits a watched location at its first =', () => {
    expect(parseWatch('My MSP=s3://bucket/a=b/')).toEqual({
      provider: 'My MSP',
      location: 's3://bucket/a=b/',
    });
    expect(() => parseWatch('=/logs')).toThrow(/PROVIDER=LOCATION/);
  });
});
