// The UI catalogues: every key in every language (the PSA UI's `ui` and `catalog`, the console
// UI's `console`), nothing empty, the same placeholders; the catalogue namespace names every module,
// function and Table Setup table the PSA has; every static key the PSA screens use exists (the
// console's: console-i18n.test.ts); the browser's languages choose the right one.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODULES, TABLE_SETUP_ITEMS } from '../../src/psa/catalog/index.js';
import { LANGUAGES, pickLanguage } from './languages.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NAMESPACES = ['ui', 'catalog', 'console'] as const;
type Tree = { [key: string]: string | Tree };

function load(lang: string, ns: string): Tree {
  return JSON.parse(readFileSync(path.join(HERE, 'locales', lang, `${ns}.json`), 'utf8')) as Tree;
}

/** `a.b.c` → text, for every leaf. */
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('UI catalogues', () => {
  it('has a folder for exactly the six languages', () => {
    expect(readdirSync(path.join(HERE, 'locales')).sort()).toEqual(LANGUAGES.map((l) => l.code).sort());
  });

  for (const ns of NAMESPACES) {
    const english = flatten(load('en', ns));
    for (const { code } of LANGUAGES) {
      it(`${code}/${ns}.json has every key of English, no other, none empty, the same placeholders`, () => {
        const other = flatten(load(code, ns));
        const missing = [...english.keys()].filter((k) => !other.has(k));
        const extra = [...other.keys()].filter((k) => !english.has(k));
        expect(missing, `missing in ${code}`).toEqual([]);
        expect(extra, `unknown in ${code}`).toEqual([]);
        for (const [key, text] of other) {
          expect(text.trim(), `${code} ${key} is empty`).not.toBe('');
          expect(placeholders(text), `${code} ${key} placeholders`).toEqual(placeholders(english.get(key)!));
        }
      });
    }
  }

  it('names every module, function and Table Setup table of the PSA catalogue', () => {
    const catalog = load('en', 'catalog') as Record<string, Record<string, string>>;
    expect(catalog.modules).toEqual(Object.fromEntries(MODULES.map((m) => [m.id, m.name])));
    expect(catalog.functions).toEqual(
      Object.fromEntries(MODULES.flatMap((m) => m.functions.map((f) => [f.id, f.name]))),
    );
    expect(catalog.tables).toEqual(Object.fromEntries(TABLE_SETUP_ITEMS.map((i) => [i.id, i.label])));
  });

  it('has every key the screens ask for', () => {
    const english = flatten(load('en', 'ui'));
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? sources(path.join(dir, e.name))
          : /\.tsx?$/.test(e.name)
            ? [path.join(dir, e.name)]
            : [],
      );
    const used = new Set<string>();
    for (const file of sources(path.join(HERE, '..', 'psa', 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([\w.-]+)'/g)) used.add(m[1]!);
    }
    // Keys built from a fixed set of values (`roles.actions.${a}` …).
    for (const a of ['add', 'edit', 'delete', 'inquire']) used.add(`roles.actions.${a}`);
    for (const tab of ['details', 'keys', 'logs', 'history']) used.add(`members.tabs.${tab}`);
    const missing = [...used].filter((k) => !english.has(k)).sort();
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(100);
  });

  it('picks the language from the browser: exact tag, then the primary subtag, else English', () => {
    expect(pickLanguage(['de-DE', 'en'])).toBe('de');
    expect(pickLanguage(['pt-BR'])).toBe('pt-BR');
    expect(pickLanguage(['pt-PT', 'en'])).toBe('pt-BR');
    expect(pickLanguage(['nl-BE'])).toBe('nl');
    expect(pickLanguage(['fr-FR', 'es-MX'])).toBe('es');
    expect(pickLanguage(['fr-FR'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});
