// Server messages by key: every key of the PSA's and the console's MESSAGES table has its words in
// every language of the UI that shows it (`serverErrors` of `ui` and `console`), using no parameter
// the server does not send. The console's 'field.invalid' is the one exception: its words are the
// validator's own detail, shown as the server says it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WRITE_DETAILS } from '../../src/console/delivery/write-details.js';
import { MESSAGES as CONSOLE_MESSAGES } from '../../src/console/service/errors.js';
import { MESSAGES as PSA_MESSAGES } from '../../src/psa/model/errors.js';
import { LANGUAGES } from './languages.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
type Tree = { [key: string]: string | Tree };
const load = (lang: string, ns: string) =>
  JSON.parse(readFileSync(path.join(HERE, 'locales', lang, `${ns}.json`), 'utf8')) as Tree;
const placeholders = (text: string) => new Set([...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!));

/** i18next's lookup: `a.b.c` through the tree. */
function lookup(tree: Tree, key: string): string | undefined {
  let node: Tree | string | undefined = tree;
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

describe.each([
  { ns: 'ui', messages: PSA_MESSAGES as Record<string, string>, untranslated: [] as string[] },
  { ns: 'console', messages: CONSOLE_MESSAGES as Record<string, string>, untranslated: ['field.invalid'] },
])('server messages of the $ns catalogue', ({ ns, messages, untranslated }) => {
  for (const { code } of LANGUAGES) {
    it(`says every keyed message in ${code}`, () => {
      const tree = load(code, ns);
      const missing: string[] = [];
      const extra: string[] = [];
      for (const [key, english] of Object.entries(messages)) {
        if (untranslated.includes(key)) continue;
        const text = lookup(tree, `serverErrors.${key}`);
        if (text === undefined) {
          missing.push(key);
          continue;
        }
        const sent = placeholders(english);
        for (const p of placeholders(text)) if (!sent.has(p)) extra.push(`${key}: {{${p}}}`);
      }
      expect(missing, 'keys without words').toEqual([]);
      expect(extra, 'parameters the server does not send').toEqual([]);
    });
  }
});

describe('write log details of the console catalogue', () => {
  for (const { code } of LANGUAGES) {
    it(`says every write detail in ${code}`, () => {
      const tree = load(code, 'console');
      const missing = Object.entries(WRITE_DETAILS).flatMap(([key, english]) => {
        const text = lookup(tree, `writeDetails.${key}`);
        if (text === undefined) return [key];
        const sent = placeholders(english);
        return [...placeholders(text)].filter((p) => !sent.has(p)).map((p) => `${key}: {{${p}}}`);
      });
      expect(missing).toEqual([]);
    });
  }
});
