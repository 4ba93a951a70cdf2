// Typed console errors; the HTTP status of each kind lives here, in one table, and the English words
// of each keyed message in another (MESSAGES), so the console UI can say them in its language.
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

/**
 * Every keyed message, `{{name}}` standing for a parameter. The console UI's catalogues
 * (web/i18n/locales/<lang>/console.json, `serverErrors`) translate the same keys; an unknown key is
 * shown in these words.
 */
export const MESSAGES = {
  notFound: '{{what}} not found',
  'input.invalid': '{{what}} is invalid',
  'field.unknown': 'unknown field(s): {{field}}',
  'field.invalid': '{{detail}}',
  'session.required': 'Sign in first.',
  'session.csrf': 'The x-csrf-token header is missing or wrong: reload the page and try again.',
  'access.readOnly': 'Your role is read-only: an admin of this account can make this change.',
  'signIn.wrong': 'The email or password is incorrect.',
  'signIn.locked': 'Too many failed sign-ins: try again in {{seconds}} seconds.',
  'signIn.rateLimited': 'Too many sign-in attempts from your address: try again in {{seconds}} seconds.',
  'signIn.busy': 'The server is checking too many sign-ins: try again in {{seconds}} seconds.',
  'provider.nameInUse': "a provider named '{{name}}' exists",
  'user.emailInUse': 'a user with email {{email}} exists',
  'ticketRule.nameInUse': "A ticket rule named '{{name}}' already exists.",
  'ticketRule.invalid': '{{what}} is not valid: {{detail}}',
  'integration.incomplete': 'PSA Integration Details are incomplete.',
  'integration.notConfigured':
    'PSA Integration Details are not configured: enter the site, company id, keys and clientId.',
} as const;

export type MessageKey = keyof typeof MESSAGES;
export type MessageParams = Record<string, string | number>;

/** The English words of a keyed message with its parameters filled in. */
export function say(key: MessageKey, params: MessageParams = {}): string {
  return MESSAGES[key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(params[name] ?? ''));
}

export interface Issue {
  path: string;
  message: string;
  /** The message's key in MESSAGES and its parameters, when it is one of them. */
  key?: string;
  params?: MessageParams;
}

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError';
  key: MessageKey | undefined;
  params: MessageParams | undefined;

  constructor(
    readonly kind: ConsoleErrorKind,
    message: string,
    readonly issues: Issue[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** An error whose message is MESSAGES[key] with `params`. */
  static keyed(
    kind: ConsoleErrorKind,
    key: MessageKey,
    params: MessageParams = {},
    issues: Issue[] = [],
    retryAfterSeconds?: number,
  ): ConsoleError {
    const e = new ConsoleError(kind, say(key, params), issues, retryAfterSeconds);
    e.key = key;
    e.params = params;
    return e;
  }

  get status(): number {
    return CONSOLE_ERROR_STATUS[this.kind];
  }

  toBody() {
    return {
      error: this.kind,
      message: this.message,
      ...(this.key ? { key: this.key, params: this.params ?? {} } : {}),
      ...(this.issues.length ? { issues: this.issues } : {}),
    };
  }
}

/** Another tenant's id and a missing id look the same from outside: 404, never data. */
export const notFound = (what: string) => ConsoleError.keyed('not-found', 'notFound', { what });
