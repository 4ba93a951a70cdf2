// Typed PSA errors in ConnectWise's `ErrorResponseMessage` shape. The HTTP status of each code lives
// in one table (ERROR_STATUS) so no handler chooses a status on its own.
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

export class PsaError extends Error {
  override readonly name = 'PsaError';
  constructor(
    readonly code: PsaErrorCode,
    message: string,
    readonly errors: ValidationIssue[] | null = null,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): { code: string; message: string; errors: ValidationIssue[] | null } {
    return { code: this.code, message: this.message, errors: this.errors };
  }
}

export const notFound = (entity: string, id: number | string) =>
  new PsaError('NotFound', `${entity} recId ${id} not found.`);

export const invalidObject = (resource: string, errors: ValidationIssue[]) =>
  new PsaError('InvalidObject', `${resource} object is invalid`, errors);

export const badRequest = (message: string) => new PsaError('BadRequest', message);
