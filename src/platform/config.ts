// The one place that reads configuration: environment variables, optionally over a JSON file
// (PARASOL_CONFIG), validated with zod so that a bad value is named at start-up.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const booleanFromEnv = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
    .optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json or pretty; absent: pretty when stdout is a terminal, else json (logger.ts). */
  logFormat: z.enum(['json', 'pretty']).optional(),
  psa: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.coerce.number().int().min(0).max(65535).default(8443),
      /** Plain HTTP, only when explicitly enabled for local use (PSA-7). */
      allowHttp: booleanFromEnv.default(false),
      /** The company id members put before their public key (`companyId+publicKey`). */
      companyId: z.string().min(1).max(50).default('parasol'),
      companyName: z.string().min(1).default('Parasol PSA'),
      codebase: z
        .string()
        .regex(/^[A-Za-z0-9_.]+$/)
        .default('v4_6_release'),
      /** Refuse clientIds that are not GUIDs, as ConnectWise refuses unregistered ones. */
      requireGuidClientId: booleanFromEnv.default(true),
      /** Requests per minute per (company, public key) before 429. */
      rateLimitPerMinute: z.coerce.number().int().min(1).default(1000),
      tlsCertFile: z.string().optional(),
      tlsKeyFile: z.string().optional(),
      /** Public origin used in Link headers and `_info` hrefs; derived from host/port when absent. */
      publicUrl: z.string().url().optional(),
    })
    .default({}),
  console: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.coerce.number().int().min(0).max(65535).default(8444),
      publicUrl: z.string().url().optional(),
      /** Daily configuration sync, UTC 'HH:MM' (CON-8). */
      configSyncAt: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a UTC time 'HH:MM'")
        .default('02:00'),
      /** How often the status of open tickets is polled when no callback tells (CON-10). */
      ticketPollMinutes: z.coerce.number().int().min(1).max(1440).default(5),
      /** PSA writes per minute per integration (CON-9); 0 turns the limit off. */
      psaWritesPerMinute: z.coerce.number().int().min(0).default(600),
      /** Delivery workers in this process (X-2: `--role api` runs none). */
      deliveryWorkers: z.coerce.number().int().min(0).max(64).default(1),
      /** Whether this process takes part in the cluster-wide schedules (daily sync, ticket polling). */
      schedules: booleanFromEnv.default(true),
    })
    .default({}),
  /** Sign-in attempts a minute per client address, on each product's sign-in (issue 13). */
  signInAttemptsPerMinute: z.coerce.number().int().min(1).default(20),
  /** Master keys for secrets at rest (`current=id;id=<base64>` or one base64 key); else a key file. */
  masterKeys: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function fromEnv(env: Env): Record<string, unknown> {
  const psa: Record<string, unknown> = {};
  const map: Array<[string, string]> = [
    ['PSA_HOST', 'host'],
    ['PSA_PORT', 'port'],
    ['PSA_ALLOW_HTTP', 'allowHttp'],
    ['PSA_COMPANY_ID', 'companyId'],
    ['PSA_COMPANY_NAME', 'companyName'],
    ['PSA_CODEBASE', 'codebase'],
    ['PSA_RATE_LIMIT_PER_MINUTE', 'rateLimitPerMinute'],
    ['PSA_REQUIRE_GUID_CLIENT_ID', 'requireGuidClientId'],
    ['PSA_TLS_CERT_FILE', 'tlsCertFile'],
    ['PSA_TLS_KEY_FILE', 'tlsKeyFile'],
    ['PSA_PUBLIC_URL', 'publicUrl'],
  ];
  for (const [name, key] of map) if (env[name] !== undefined && env[name] !== '') psa[key] = env[name];
  const out: Record<string, unknown> = {};
  if (env.PARASOL_DATA_DIR) out.dataDir = env.PARASOL_DATA_DIR;
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  if (env.LOG_FORMAT) out.logFormat = env.LOG_FORMAT;
  if (env.PARASOL_MASTER_KEYS) out.masterKeys = env.PARASOL_MASTER_KEYS;
  if (env.SIGN_IN_ATTEMPTS_PER_MINUTE) out.signInAttemptsPerMinute = env.SIGN_IN_ATTEMPTS_PER_MINUTE;
  if (Object.keys(psa).length > 0) out.psa = psa;
  const consoleEnv: Record<string, unknown> = {};
  if (env.CONSOLE_HOST) consoleEnv.host = env.CONSOLE_HOST;
  if (env.CONSOLE_PORT) consoleEnv.port = env.CONSOLE_PORT;
  if (env.CONSOLE_PUBLIC_URL) consoleEnv.publicUrl = env.CONSOLE_PUBLIC_URL;
  if (env.CONSOLE_CONFIG_SYNC_AT) consoleEnv.configSyncAt = env.CONSOLE_CONFIG_SYNC_AT;
  if (env.CONSOLE_TICKET_POLL_MINUTES) consoleEnv.ticketPollMinutes = env.CONSOLE_TICKET_POLL_MINUTES;
  if (env.CONSOLE_PSA_WRITES_PER_MINUTE) consoleEnv.psaWritesPerMinute = env.CONSOLE_PSA_WRITES_PER_MINUTE;
  if (env.CONSOLE_DELIVERY_WORKERS) consoleEnv.deliveryWorkers = env.CONSOLE_DELIVERY_WORKERS;
  if (env.CONSOLE_SCHEDULES) consoleEnv.schedules = env.CONSOLE_SCHEDULES;
  if (Object.keys(consoleEnv).length > 0) out.console = consoleEnv;
  return out;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      b && typeof b === 'object' && !Array.isArray(b) && v && typeof v === 'object' && !Array.isArray(v)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Loads configuration: file (if PARASOL_CONFIG names one) < environment < explicit overrides. */
export function loadConfig(env: Env = process.env, overrides: Record<string, unknown> = {}): Config {
  let file: Record<string, unknown> = {};
  if (env.PARASOL_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.PARASOL_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`configuration file ${env.PARASOL_CONFIG}: ${(e as Error).message}`);
    }
  }
  const parsed = configSchema.safeParse(merge(merge(file, fromEnv(env)), overrides));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
