// Small building blocks shared by the screens (the kit in web/shared), with failed requests read from
// this UI's ApiError.
import { useTranslation } from 'react-i18next';
import { type ErrorReading, ErrorMessage as SharedErrorMessage } from '../../../shared/ui.js';
import { ApiError } from '../api.js';

export { Empty, Field, Loading, PageHeader, Success, Table } from '../../../shared/ui.js';

/** The admin API's and the REST API's errors already read as the kit's RequestFailure. */
export const ERRORS: ErrorReading = {
  failureOf: (error) => (error instanceof ApiError ? error : undefined),
  // Function ids, actions, tables, record kinds and field names in the reader's words.
  useLocalizeParam: () => {
    const { t } = useTranslation();
    return (name, value) => {
      const v = String(value);
      switch (name) {
        case 'function':
          return t(`catalog:functions.${v}`, { defaultValue: v });
        case 'tableSetupItem':
          return t(`catalog:tables.${v}`, { defaultValue: v });
        case 'action':
          return t(`roles.actions.${v}`, { defaultValue: v });
        case 'resource':
        case 'entity':
          return t(`serverErrors.things.${v}`, { defaultValue: v });
        case 'field':
          return t(`serverErrors.fields.${v}`, { defaultValue: v });
        default:
          return value;
      }
    };
  },
};

/** A failed request: a translated summary, then the server's own words and the fields it named. */
export function ErrorMessage({ error }: { error: unknown }) {
  return <SharedErrorMessage error={error} reading={ERRORS} />;
}
