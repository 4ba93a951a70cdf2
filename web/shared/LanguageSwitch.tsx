// The language switch: the choice is remembered in this browser, under the app's own key.
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type LanguageCode } from '../i18n/languages.js';

export function LanguageSwitch({ remember }: { remember: (code: LanguageCode) => void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <span className="language">
      <label htmlFor={id} className="sr-only">
        {t('app.language')}
      </label>
      <select
        id={id}
        value={i18n.language}
        onChange={(e) => {
          const code = e.target.value as LanguageCode;
          remember(code);
          void i18n.changeLanguage(code);
        }}
      >
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </span>
  );
}
