import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWord } from './start-hints.js';

describe('shellWord', () => {
  it.each([
    ['My MSP', '"My MSP"'],
    ['admin@msp.example', 'admin@msp.example'],
    ["Bob's MSP", `"Bob's MSP"`],
    ['Cost $5 & "more"!', `'Cost $5 & "more"!'`],
    ["It's $HOME", `'It'\\''s $HOME'`],
    ['back\\slash `cmd`', "'back\\slash `cmd`'"],
  ])('%s reads back unchanged in a shell as %s', (word, quoted) => {
    expect(shellWord(word)).toBe(quoted);
    expect(execFileSync('bash', ['-c', `printf %s ${shellWord(word)}`], { encoding: 'utf8' })).toBe(word);
  });
});
