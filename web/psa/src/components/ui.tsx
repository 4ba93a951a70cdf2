// Small building blocks shared by the screens (the kit in web/shared), with failed requests read from
// this UI's ApiError.
import { type ErrorReading, ErrorMessage as SharedErrorMessage } from '../../../shared/ui.js';
import { ApiError } from '../api.js';

export { Empty, Field, Loading, PageHeader, Success, Table } from '../../../shared/ui.js';

/** The admin API's and the REST API's errors already read as the kit's RequestFailure. */
export const ERRORS: ErrorReading = {
  failureOf: (error) => (error instanceof ApiError ? error : undefined),
};

/** A failed request: a translated summary, then the server's own words and the fields it named. */
export function ErrorMessage({ error }: { error: unknown }) {
  return <SharedErrorMessage error={error} reading={ERRORS} />;
}
