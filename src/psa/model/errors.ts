// Typed PSA errors in ConnectWise's `ErrorResponseMessage` shape. The HTTP status of each code lives
// in one table (ERROR_STATUS) so no handler chooses a status on its own; the words of each message a
// person reads live in another (MESSAGES), by a stable key, so the UIs can say them in their language.
import type { ValidationIssue } from './schema-types.js';

export const ERROR_STATUS = {
  BadRequest: 400,
  InvalidObject: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  ConnectWiseApi: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  NotImplemented: 501,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const;

export type PsaErrorCode = keyof typeof ERROR_STATUS;

/**
 * The English text of every keyed message, `{{name}}` standing for a parameter. The UIs' catalogues
 * (web/i18n/locales/<lang>/ui.json, `serverErrors`) translate the same keys; a key they do not know
 * is shown in these words.
 */
export const MESSAGES = {
  'object.invalid': '{{resource}} object is invalid',
  'record.notFound': '{{entity}} recId {{id}} not found.',
  'access.denied': 'You do not have access to {{function}} ({{action}}).',
  'field.required': '{{field}} is required',
  'field.invalid': '{{field}}: {{detail}}',
  'field.unknown': 'unknown field(s): {{field}}',
  'field.tooLong': '{{field}} is longer than {{max}} characters',
  'role.nameInUse': "Role ID '{{name}}' already in use.",
  'role.assigned': "Role '{{name}}' is assigned to {{count}} member(s) and cannot be deleted.",
  'role.unknownFunction': "unknown function '{{function}}'",
  'role.noMyLevel': '{{function}} does not offer the My level',
  'role.unknownList': "unknown customize list '{{list}}'",
  'role.unknownItem': "'{{item}}' is not an item of {{list}}",
  'member.identifierInUse': "Member ID '{{identifier}}' already in use.",
  'member.roleNotFound': 'Role {{role}} was not found',
  'member.apiPassword': 'API members sign in with keys, not passwords.',
  'signIn.wrong': 'The member identifier or password is incorrect.',
  'signIn.rateLimited': 'Too many sign-in attempts from your address: try again in {{seconds}} seconds.',
  'signIn.locked': 'Too many failed sign-ins: try again in {{seconds}} seconds.',
  'signIn.busy': 'The server is checking too many sign-ins: try again in {{seconds}} seconds.',
  'signIn.required': 'Sign in first.',
} as const;

export type MessageKey = keyof typeof MESSAGES;
export type MessageParams = Record<string, string | number>;

/** The English words of a keyed message with its parameters filled in. */
export function say(key: MessageKey, params: MessageParams = {}): string {
  return MESSAGES[key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(params[name] ?? ''));
}

/** A field error of ConnectWise's `errors[]`, with the key and parameters of its message. */
export function issue(
  code: string,
  resource: string,
  field: string,
  key: MessageKey,
  params: MessageParams = {},
): ValidationIssue {
  return { code, message: say(key, params), resource, field, key, params };
}

export interface ErrorBody {
  code: string;
  message: string;
  errors: ValidationIssue[] | null;
  key?: string;
  params?: MessageParams;
}

export class PsaError extends Error {
  override readonly name = 'PsaError';
  /** The message's key in MESSAGES and its parameters, when the message is one of them. */
  key: MessageKey | undefined;
  params: MessageParams | undefined;

  constructor(
    readonly code: PsaErrorCode,
    message: string,
    readonly errors: ValidationIssue[] | null = null,
  ) {
    super(message);
  }

  /** An error whose message is MESSAGES[key] with `params`. */
  static keyed(
    code: PsaErrorCode,
    key: MessageKey,
    params: MessageParams = {},
    errors: ValidationIssue[] | null = null,
  ): PsaError {
    const e = new PsaError(code, say(key, params), errors);
    e.key = key;
    e.params = params;
    return e;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /**
   * ConnectWise's `{code, message, errors}`. With `keys` (the UI's member sessions) the message's
   * key and parameters come beside it, for the error and each field; without (requests judged by an
   * API key) the shape is exactly ConnectWise's.
   */
  toBody(options: { keys?: boolean } = {}): ErrorBody {
    const errors = options.keys
      ? this.errors
      : (this.errors?.map(({ code, message, resource, field }) => ({ code, message, resource, field })) ??
        null);
    return {
      code: this.code,
      message: this.message,
      errors,
      ...(options.keys && this.key ? { key: this.key, params: this.params ?? {} } : {}),
    };
  }
}

export const notFound = (entity: string, id: number | string) =>
  PsaError.keyed('NotFound', 'record.notFound', { entity, id });

export const invalidObject = (resource: string, errors: ValidationIssue[]) =>
  PsaError.keyed('InvalidObject', 'object.invalid', { resource }, errors);

export const badRequest = (message: string) => new PsaError('BadRequest', message);

/** A role's refusal (evaluate's Decision), keyed by the function and action it names. */
export const forbidden = (decision: {
  message: string;
  function: string;
  action: string;
  tableSetupItem?: string;
}) => {
  const e = new PsaError('Forbidden', decision.message);
  e.key = 'access.denied';
  e.params = {
    function: decision.function,
    action: decision.action,
    ...(decision.tableSetupItem !== undefined ? { tableSetupItem: decision.tableSetupItem } : {}),
  };
  return e;
};
