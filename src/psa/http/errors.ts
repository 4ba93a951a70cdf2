// Every error leaves the PSA in ConnectWise's shape `{code, message, errors}` with the status from
// ERROR_STATUS; framework errors (bad JSON, wrong media type, oversized body) are translated, and
// anything unexpected is logged and answered with a 500 that reveals nothing.
import type { FastifyError, FastifyInstance } from 'fastify';
import { PsaError } from '../model/errors.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

function translate(error: FastifyError): PsaError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PsaError(
        'UnsupportedMediaType',
        'The request body must be JSON (Content-Type: application/json).',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PsaError('BadRequest', `The request body is larger than ${BODY_LIMIT_BYTES} bytes.`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new PsaError('BadRequest', 'The request body is empty; a JSON document was expected.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PsaError('BadRequest', `The request body is not valid JSON: ${error.message}`);
    default:
      break;
  }
  if (error instanceof SyntaxError || error.name === 'SyntaxError') {
    return new PsaError('BadRequest', `The request body is not valid JSON: ${error.message}`);
  }
  if (error.validation) return new PsaError('BadRequest', error.message);
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new PsaError(error.statusCode === 404 ? 'NotFound' : 'BadRequest', error.message);
  }
  return undefined;
}

export function installErrorHandler(
  app: FastifyInstance,
  countError: (code: string) => void = () => {},
): void {
  app.setErrorHandler((error: FastifyError | PsaError, req, reply) => {
    const known = error instanceof PsaError ? error : translate(error as FastifyError);
    if (known) {
      countError(known.code);
      const retryAfter = (known as PsaError & { retryAfter?: number }).retryAfter;
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      if (known.status >= 500) req.log.error({ err: error }, 'request failed');
      // Keys and parameters for the UI's member sessions (no Authorization header); a request
      // judged by an API key gets ConnectWise's shape exactly, on the REST and the admin API alike.
      const keys = req.headers.authorization === undefined;
      return reply.status(known.status).send(known.toBody({ keys }));
    }
    countError('InternalError');
    req.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send({
      code: 'InternalError',
      message: `An unexpected error occurred (request ${req.id}).`,
      errors: null,
    });
  });
}
