// Starts an app once its catalogues are loaded: the page's language follows the chosen one.
import type { i18n } from 'i18next';
import { type ReactNode, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';

export function mount(i18n: i18n, app: ReactNode): void {
  document.documentElement.lang = i18n.language;
  i18n.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>{app}</I18nextProvider>
    </StrictMode>,
  );
}
