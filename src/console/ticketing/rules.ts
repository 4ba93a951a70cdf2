// Ticket rule settings (CON-7): the default rule (Umbrella's), the zod schemas that validate a rule
// and a per-customer override, and how an override applies to a rule.
import { z } from 'zod';
import { SECURITY_CATEGORIES, type SecurityCategory } from '../aggregate/types.js';
import { windowLengthProblem } from '../aggregate/windows.js';
import { templateProblems } from './templates.js';
import type { PsaRef, TicketRuleOverride, TicketRuleSettings } from './types.js';
import { canonicalTimeZone } from './zoned-time.js';

/**
 * Umbrella raises a ticket when an identity has more botnet (command-and-control) blocks than the
 * integration's "query threshold" within a four-hour block. Umbrella's documentation does not state
 * the field's default value; 10 is our choice, and every rule and customer can change it.
 */
export const DEFAULT_THRESHOLD = 10;
export const MAX_THRESHOLD = 1_000_000;
/** Silence after a closed ticket: at most a year. */
export const MAX_SILENCE_HOURS = 8760;
export const MAX_AUTO_CLOSE_QUIET_WINDOWS = 1000;
export const PSA_NAME_MAX_LENGTH = 100;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Umbrella's behaviour: command-and-control blocks, four-hour windows, a new ticket after a closed
 * one. Board, status and the other PSA references are null: the service fills in the PSA's defaults.
 * Frozen: copy it ({...DEFAULT_RULE_SETTINGS}) to change it.
 */
export const DEFAULT_RULE_SETTINGS: TicketRuleSettings = deepFreeze<TicketRuleSettings>({
  categories: ['command-and-control'],
  threshold: DEFAULT_THRESHOLD,
  windowMinutes: 240,
  board: null,
  status: null,
  priority: null,
  type: null,
  subType: null,
  item: null,
  source: null,
  summaryTemplate: 'DNS security: {identity} contacted {categories} domains ({count} blocked)',
  descriptionTemplate: [
    'The DNS security service blocked {count} requests from {identity} ({identityType}) at {customer}',
    'to {categories} domains in the window {window}, more than the threshold of {threshold}.',
    '',
    'Repeated attempts to reach such domains usually mean the device is infected: the requests were',
    'blocked, but the device needs to be examined and cleaned.',
    '',
    'First blocked request: {firstSeen}',
    'Last blocked request: {lastSeen}',
    'Top blocked domains: {topDomains}',
    'Rule: {rule}',
  ].join('\n'),
  noteTemplate: [
    'Still active: {identity} made {count} blocked requests to {categories} domains',
    'in the window {window} (first {firstSeen}, last {lastSeen}).',
    'Top blocked domains: {topDomains}',
  ].join('\n'),
  closedPolicy: { mode: 'new' },
  autoCloseQuietWindows: null,
  closedStatus: null,
  timeZone: null,
});

/** One refused field: its path (e.g. "closedPolicy.hours", "categories.1") and why. */
export interface TicketRuleIssue {
  path: string;
  message: string;
}

/** Settings or an override that do not validate; `issues` names each bad field. */
export class TicketRuleError extends Error {
  readonly issues: TicketRuleIssue[];

  constructor(what: string, issues: TicketRuleIssue[]) {
    super(
      `Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    );
    this.name = 'TicketRuleError';
    this.issues = issues;
  }
}

const SETTING_KEYS = Object.keys(DEFAULT_RULE_SETTINGS) as (keyof TicketRuleSettings)[];

const psaRefSchema: z.ZodType<PsaRef, z.ZodTypeDef, unknown> = z
  .object({
    id: z
      .number({ invalid_type_error: 'must be a number (the PSA record id)' })
      .int('must be a whole number')
      .min(1, 'must be a positive record id'),
    name: z.string().max(PSA_NAME_MAX_LENGTH, `must be at most ${PSA_NAME_MAX_LENGTH} characters`).optional(),
  })
  .strict()
  .transform((ref): PsaRef => (ref.name === undefined ? { id: ref.id } : { id: ref.id, name: ref.name }));

const categorySchema = z.enum(SECURITY_CATEGORIES, {
  errorMap: () => ({ message: `must be one of ${SECURITY_CATEGORIES.join(', ')}` }),
});

const categoriesSchema = z
  .array(categorySchema)
  .min(1, 'must name at least one category')
  .superRefine((categories, ctx) => {
    const seen = new Set<SecurityCategory>();
    categories.forEach((category, index) => {
      if (seen.has(category)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `${category} is listed twice` });
      }
      seen.add(category);
    });
  });

const wholeNumber = (min: number, max: number, unit: string) =>
  z
    .number({ invalid_type_error: `must be a number of ${unit}` })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const templateSchema = z.string({ invalid_type_error: 'must be text' }).superRefine((template, ctx) => {
  for (const message of templateProblems(template)) ctx.addIssue({ code: 'custom', message });
});

const timeZoneSchema = z
  .string({ invalid_type_error: "must be a time zone name such as 'Europe/Berlin', or null for UTC" })
  .transform((name, ctx) => {
    const zone = canonicalTimeZone(name);
    if (zone === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(name.slice(0, 64))} is not a time zone: use an IANA name such as 'Europe/Berlin' or 'America/New_York' (null: UTC)`,
      });
      return z.NEVER;
    }
    return zone;
  })
  .nullable();

const closedPolicySchema = z.discriminatedUnion(
  'mode',
  [
    z.object({ mode: z.literal('new') }).strict(),
    z.object({ mode: z.literal('reopen') }).strict(),
    z.object({ mode: z.literal('silence'), hours: wholeNumber(1, MAX_SILENCE_HOURS, 'hours') }).strict(),
  ],
  { errorMap: () => ({ message: "mode must be 'new', 'reopen' or 'silence' (with hours)" }) },
);

function windowMinutesSchema(aggregationWindowMinutes: number) {
  return z.number({ invalid_type_error: 'must be a number of minutes' }).superRefine((minutes, ctx) => {
    const problem = windowLengthProblem(minutes);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
    } else if (minutes % aggregationWindowMinutes !== 0) {
      ctx.addIssue({
        code: 'custom',
        message:
          `a ticket window of ${minutes} minutes is not a whole multiple of the aggregation window ` +
          `of ${aggregationWindowMinutes} minutes, so its counts cannot be added up from it`,
      });
    }
  });
}

function settingShape(aggregationWindowMinutes: number) {
  const problem = windowLengthProblem(aggregationWindowMinutes);
  if (problem !== undefined) throw new RangeError(`Aggregation window: ${problem}`);
  return {
    categories: categoriesSchema,
    threshold: wholeNumber(0, MAX_THRESHOLD, 'blocked requests'),
    windowMinutes: windowMinutesSchema(aggregationWindowMinutes),
    board: psaRefSchema.nullable(),
    status: psaRefSchema.nullable(),
    priority: psaRefSchema.nullable(),
    type: psaRefSchema.nullable(),
    subType: psaRefSchema.nullable(),
    item: psaRefSchema.nullable(),
    source: psaRefSchema.nullable(),
    summaryTemplate: templateSchema,
    descriptionTemplate: templateSchema,
    noteTemplate: templateSchema,
    closedPolicy: closedPolicySchema,
    autoCloseQuietWindows: wholeNumber(1, MAX_AUTO_CLOSE_QUIET_WINDOWS, 'windows').nullable(),
    closedStatus: psaRefSchema.nullable(),
    timeZone: timeZoneSchema,
  } satisfies Record<keyof TicketRuleSettings, z.ZodTypeAny>;
}

/** Complete rule settings (every key required, unknown keys refused). */
export function ticketRuleSettingsSchema(
  aggregationWindowMinutes: number,
): z.ZodType<TicketRuleSettings, z.ZodTypeDef, unknown> {
  return z.object(settingShape(aggregationWindowMinutes)).strict() as z.ZodType<
    TicketRuleSettings,
    z.ZodTypeDef,
    unknown
  >;
}

/** A customer override: any subset of the settings (null clears a PSA reference), unknown keys refused. */
/** The override as a plain object schema (every setting optional, unknown keys refused), e.g. for API documents. */
export function ticketRuleOverrideObject(aggregationWindowMinutes: number) {
  return z.object(settingShape(aggregationWindowMinutes)).partial().strict();
}

export function ticketRuleOverrideSchema(
  aggregationWindowMinutes: number,
): z.ZodType<TicketRuleOverride, z.ZodTypeDef, unknown> {
  return ticketRuleOverrideObject(aggregationWindowMinutes).transform(
    (override) =>
      Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined)) as TicketRuleOverride,
  );
}

function issuesOf(error: z.ZodError): TicketRuleIssue[] {
  const issues: TicketRuleIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      // One issue per unknown key, named by its own path, so a form can point at it.
      const known = path === '' ? ` (known settings: ${SETTING_KEYS.join(', ')})` : '';
      for (const key of issue.keys) {
        issues.push({ path: path === '' ? key : `${path}.${key}`, message: `unknown setting${known}` });
      }
    } else if (issue.code === 'invalid_type' && issue.received === 'undefined') {
      issues.push({ path, message: 'is required' });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}

/** Validated complete settings; throws TicketRuleError naming every bad field. */
export function parseRuleSettings(input: unknown, aggregationWindowMinutes: number): TicketRuleSettings {
  const result = ticketRuleSettingsSchema(aggregationWindowMinutes).safeParse(input);
  if (!result.success) throw new TicketRuleError('ticket rule settings', issuesOf(result.error));
  return result.data;
}

/** A validated customer override; throws TicketRuleError naming every bad field. */
export function parseRuleOverride(input: unknown, aggregationWindowMinutes: number): TicketRuleOverride {
  const result = ticketRuleOverrideSchema(aggregationWindowMinutes).safeParse(input);
  if (!result.success) throw new TicketRuleError('ticket rule override', issuesOf(result.error));
  return result.data;
}

/** The rule's settings with the customer's override applied (the settings object itself without one). */
export function effectiveSettings(
  settings: TicketRuleSettings,
  override: TicketRuleOverride | undefined,
): TicketRuleSettings {
  if (override === undefined) return settings;
  const replaced = Object.entries(override).filter(
    ([key, value]) => value !== undefined && (SETTING_KEYS as string[]).includes(key),
  );
  if (replaced.length === 0) return settings;
  return { ...settings, ...Object.fromEntries(replaced) } as TicketRuleSettings;
}
