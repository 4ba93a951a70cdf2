// The language switch, the choice remembered as the PSA UI's.
import { rememberLanguage } from '../../../i18n/index.js';
import { LanguageSwitch as SharedLanguageSwitch } from '../../../shared/LanguageSwitch.js';

export function LanguageSwitch() {
  return <SharedLanguageSwitch remember={rememberLanguage} />;
}
