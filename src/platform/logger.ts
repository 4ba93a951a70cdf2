// Logs (pino): JSON lines for services, containers and files; readable lines when stdout is a
// terminal (pino-pretty run in this process, one synchronous write a line, so no transport worker
// and nothing beside the server bundle); LOG_FORMAT chooses. Credentials never reach a log line in
// either format: pino redacts before formatting, the redaction list covers every place a key,
// password or signature could travel, and request URLs lose the secrets some carry (the console's
// callback tokens in the path, token-like query parameters).
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino, destination as pinoDestination } from 'pino';

export type { Logger };

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** JSON unless the output is a terminal (a person reads it), where lines are made readable. */
export function defaultLogFormat(output: { isTTY?: boolean } = process.stdout): LogFormat {
  return output.isTTY ? 'pretty' : 'json';
}

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

/**
 * Readable lines, one a log entry: time, level, message, then the entry's fields on the same line.
 * pino-pretty is loaded at the first entry, not before: a command that logs nothing (most, at their
 * default level `warn`) does not pay for it.
 */
function prettyDestination(destination: DestinationStream | undefined): DestinationStream {
  const out = destination ?? pinoDestination({ dest: 1, sync: true });
  let pretty: ((line: string) => string) | undefined;
  const formatter = () => {
    const load = createRequire(import.meta.url);
    const { prettyFactory, isColorSupported } = load('pino-pretty') as typeof import('pino-pretty');
    return prettyFactory({
      colorize: destination === undefined && isColorSupported,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
  };
  return {
    write(line: string) {
      pretty ??= formatter();
      out.write(pretty(line));
    },
  };
}

/** A logger at `level` writing to `destination` (stdout when absent) in `format`. */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    serializers: { req: requestSerializer },
  };
  if (format === 'pretty') return pino(options, prettyDestination(destination));
  return destination ? pino(options, destination) : pino(options);
}
