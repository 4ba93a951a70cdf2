// Shared set-up of the UIs' translations (X-4): one i18next instance over an app's catalogues, in
// the language chosen with the switch (remembered in this browser under the app's key) or else the
// first of the browser's languages we have.
import i18next, { type i18n, type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LANGUAGES, type LanguageCode, pickLanguage } from './languages.js';

export interface LanguageMemory {
  initial(): LanguageCode;
  remember(code: LanguageCode): void;
}

/** The language choice of one app, kept in localStorage under `storageKey`. */
export function languageMemory(storageKey: string): LanguageMemory {
  const known = (code: string | null | undefined): code is LanguageCode =>
    LANGUAGES.some((l) => l.code === code);
  return {
    initial() {
      const chosen = globalThis.localStorage?.getItem(storageKey);
      return known(chosen) ? chosen : pickLanguage(globalThis.navigator?.languages ?? []);
    },
    remember(code) {
      globalThis.localStorage?.setItem(storageKey, code);
    },
  };
}

export async function createI18n(
  resources: Resource,
  options: { namespaces: string[]; defaultNS: string; memory: LanguageMemory },
): Promise<i18n> {
  const instance = i18next.createInstance();
  await instance.use(initReactI18next).init({
    resources,
    lng: options.memory.initial(),
    fallbackLng: 'en',
    ns: options.namespaces,
    defaultNS: options.defaultNS,
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  return instance;
}
