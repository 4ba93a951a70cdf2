// Structured JSON logs (pino). Credentials never reach a log line: the redaction list covers every
// place a key, password or signature could travel, and request URLs lose the secrets some carry
// (the console's callback tokens in the path, token-like query parameters).
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'headers.authorization',
  'authorization',
  'password',
  'privateKey',
  '*.privateKey',
  '*.password',
  'secret',
  '*.secret',
];

const CENSOR = '[redacted]';
/** `/api/v1/psa-callbacks/{provider}/{token}`: the token is the callback's only credential. */
const SECRET_SEGMENT = /(\/psa-callbacks\/[^/?#]*\/)[^/?#]+/gi;
/** Query parameters whose value is a credential wherever they appear. */
const SECRET_PARAM = /([?&](?:token|access_token|secret|password|signature|key|privatekey)=)[^&#]*/gi;

/** A URL or path as it may be logged: secrets in the path or query replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_SEGMENT, `$1${CENSOR}`).replace(SECRET_PARAM, `$1${CENSOR}`);
}

/** What Fastify's request line shows (its own serializer's fields), with the URL redacted. */
function requestSerializer(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    serializers: { req: requestSerializer },
  };
  return destination ? pino(options, destination) : pino(options);
}
