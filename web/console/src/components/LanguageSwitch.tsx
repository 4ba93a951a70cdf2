// The language switch, the choice remembered as the console's (apart from the PSA UI's).
import { rememberConsoleLanguage } from '../../../i18n/console.js';
import { LanguageSwitch as SharedLanguageSwitch } from '../../../shared/LanguageSwitch.js';

export function LanguageSwitch() {
  return <SharedLanguageSwitch remember={rememberConsoleLanguage} />;
}
