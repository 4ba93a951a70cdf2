// The console UI's catalogues (X-4), in the PSA UI's six languages: `console` holds the screens'
// strings (among them the article's steps for the help panel), `catalog` the PSA's names of security
// modules, functions and Table Setup tables (shared with the PSA UI: the preflight's fixes name them).
import type { i18n } from 'i18next';
import type { LanguageCode } from './languages.js';
import catalogDe from './locales/de/catalog.json';
import consoleDe from './locales/de/console.json';
import catalogEn from './locales/en/catalog.json';
import consoleEn from './locales/en/console.json';
import catalogEs from './locales/es/catalog.json';
import consoleEs from './locales/es/console.json';
import catalogIt from './locales/it/catalog.json';
import consoleIt from './locales/it/console.json';
import catalogNl from './locales/nl/catalog.json';
import consoleNl from './locales/nl/console.json';
import catalogPtBr from './locales/pt-BR/catalog.json';
import consolePtBr from './locales/pt-BR/console.json';
import { createI18n, languageMemory } from './setup.js';

export { LANGUAGES, type LanguageCode, pickLanguage } from './languages.js';

export const CONSOLE_RESOURCES = {
  en: { console: consoleEn, catalog: catalogEn },
  'pt-BR': { console: consolePtBr, catalog: catalogPtBr },
  es: { console: consoleEs, catalog: catalogEs },
  it: { console: consoleIt, catalog: catalogIt },
  de: { console: consoleDe, catalog: catalogDe },
  nl: { console: consoleNl, catalog: catalogNl },
} as const;

const memory = languageMemory('parasol.console.language');

export function rememberConsoleLanguage(code: LanguageCode): void {
  memory.remember(code);
}

export function initConsoleI18n(): Promise<i18n> {
  return createI18n(CONSOLE_RESOURCES, { namespaces: ['console', 'catalog'], defaultNS: 'console', memory });
}
