// Typed console errors; the HTTP status of each kind lives here, in one table.
export const CONSOLE_ERROR_STATUS = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  locked: 429,
  'rate-limited': 429,
  'psa-unavailable': 502,
  busy: 503,
} as const;

export type ConsoleErrorKind = keyof typeof CONSOLE_ERROR_STATUS;

export interface Issue {
  path: string;
  message: string;
}

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError';
  constructor(
    readonly kind: ConsoleErrorKind,
    message: string,
    readonly issues: Issue[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get status(): number {
    return CONSOLE_ERROR_STATUS[this.kind];
  }

  toBody() {
    return {
      error: this.kind,
      message: this.message,
      ...(this.issues.length ? { issues: this.issues } : {}),
    };
  }
}

/** Another tenant's id and a missing id look the same from outside: 404, never data. */
export const notFound = (what: string) => new ConsoleError('not-found', `${what} not found`);
