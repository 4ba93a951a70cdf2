// The PSA admin UI's catalogues: English, Portuguese (Brazil), Spanish, Italian, German and Dutch. `ui` holds
// the screens' own strings, `catalog` the names of the security modules, functions and Table Setup
// tables. The language comes from a switch (remembered in this browser) or the browser's languages.
import type { i18n } from 'i18next';
import type { LanguageCode } from './languages.js';
import catalogDe from './locales/de/catalog.json';
import uiDe from './locales/de/ui.json';
import catalogEn from './locales/en/catalog.json';
import uiEn from './locales/en/ui.json';
import catalogEs from './locales/es/catalog.json';
import uiEs from './locales/es/ui.json';
import catalogIt from './locales/it/catalog.json';
import uiIt from './locales/it/ui.json';
import catalogNl from './locales/nl/catalog.json';
import uiNl from './locales/nl/ui.json';
import catalogPtBr from './locales/pt-BR/catalog.json';
import uiPtBr from './locales/pt-BR/ui.json';
import { createI18n, languageMemory } from './setup.js';

export { LANGUAGES, type LanguageCode, pickLanguage } from './languages.js';

export const RESOURCES = {
  en: { ui: uiEn, catalog: catalogEn },
  'pt-BR': { ui: uiPtBr, catalog: catalogPtBr },
  es: { ui: uiEs, catalog: catalogEs },
  it: { ui: uiIt, catalog: catalogIt },
  de: { ui: uiDe, catalog: catalogDe },
  nl: { ui: uiNl, catalog: catalogNl },
} as const;

const memory = languageMemory('parasol.psa.language');

export function rememberLanguage(code: LanguageCode): void {
  memory.remember(code);
}

export function initI18n(): Promise<i18n> {
  return createI18n(RESOURCES, { namespaces: ['ui', 'catalog'], defaultNS: 'ui', memory });
}
