// The UI's languages and how the browser's preferences choose one. Pure: no catalogue loaded.

/** Each language named in itself, as a language switch shows it. */
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'pt-BR', name: 'Português (Brasil)' },
  { code: 'es', name: 'Español' },
  { code: 'it', name: 'Italiano' },
  { code: 'de', name: 'Deutsch' },
  { code: 'nl', name: 'Nederlands' },
] as const;

export type LanguageCode = (typeof LANGUAGES)[number]['code'];

/** The first of the browser's languages we have, by exact tag, then by primary subtag ('pt-PT' → pt-BR). */
export function pickLanguage(preferred: readonly string[]): LanguageCode {
  const codes: readonly string[] = LANGUAGES.map((l) => l.code);
  for (const tag of preferred) {
    const exact = codes.find((c) => c.toLowerCase() === tag.toLowerCase());
    if (exact) return exact as LanguageCode;
    const primary = tag.split('-')[0]!.toLowerCase();
    const near = codes.find((c) => c.split('-')[0]!.toLowerCase() === primary);
    if (near) return near as LanguageCode;
  }
  return 'en';
}
