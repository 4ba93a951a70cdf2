// Issue 15: a regression guard on the `parasol` command's start. Every command group's start (the
// program loaded and its arguments parsed: `parasol <command> --help`, found by walking the commander
// tree, so a new group is covered) stays within 4× `node -e 0` measured in the same run. Generous on
// purpose, best of three runs each: it catches a command file that imports the servers, a database
// driver or the AWS SDK at the top again, not a slow afternoon. The figures against the targets
// (--help ≤ 3×, psa role list ≤ 5×, start ≤ 1.5 s) are in bench/cli-start.bench.ts.
import { describe, expect, it } from 'vitest';
import { measureHelp, measureNode } from '../../bench/cli-start-runner.js';
import { buildServer } from '../../scripts/build-server.mjs';
import { buildProgram } from '../../src/cli/program.js';

const RUNS = 3;
const LIMIT = 4;

describe('parasol start-up', () => {
  it(`every command group starts within ${LIMIT}× node -e 0`, async () => {
    await buildServer({ ifStale: true, quiet: true });
    const silent = { out() {}, err() {}, env: {}, readStdin: async () => '' };
    const groups = [[], ...buildProgram(silent).commands.map((c) => [c.name()])];
    expect(groups.length).toBeGreaterThan(4);
    const node = await measureNode(RUNS);
    const slow: string[] = [];
    for (const words of groups) {
      const ms = await measureHelp(words, RUNS);
      if (ms > LIMIT * node)
        slow.push(
          `parasol ${[...words, '--help'].join(' ')}: ${ms.toFixed(0)} ms (${(ms / node).toFixed(1)}×)`,
        );
    }
    expect(slow, `node -e 0: ${node.toFixed(0)} ms`).toEqual([]);
  });
});
