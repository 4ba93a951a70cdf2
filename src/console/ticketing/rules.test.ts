import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULE_SETTINGS,
  effectiveSettings,
  parseRuleOverride,
  parseRuleSettings,
  TicketRuleError,
  type TicketRuleIssue,
} from './rules.js';
import type { TicketRuleSettings } from './types.js';

const AGG = 60;

function issuesOf(fn: () => unknown): TicketRuleIssue[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TicketRuleError);
    return (e as TicketRuleError).issues;
  }
  throw new Error('expected a TicketRuleError');
}

const withSetting = (patch: Record<string, unknown>) => ({ ...DEFAULT_RULE_SETTINGS, ...patch });

describe('DEFAULT_RULE_SETTINGS', () => {
  it("is Umbrella's rule and validates", () => {
    expect(DEFAULT_RULE_SETTINGS).toMatchObject({
      categories: ['command-and-control'],
      threshold: 10,
      windowMinutes: 240,
      board: null,
      closedPolicy: { mode: 'new' },
      autoCloseQuietWindows: null,
    });
    expect(parseRuleSettings(DEFAULT_RULE_SETTINGS, AGG)).toEqual(DEFAULT_RULE_SETTINGS);
    expect(parseRuleSettings(JSON.parse(JSON.stringify(DEFAULT_RULE_SETTINGS)), 240)).toEqual(
      DEFAULT_RULE_SETTINGS,
    );
  });

  it('is frozen, so no caller changes the default of everyone', () => {
    expect(Object.isFrozen(DEFAULT_RULE_SETTINGS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RULE_SETTINGS.categories)).toBe(true);
    expect(() => {
      (DEFAULT_RULE_SETTINGS as { threshold: number }).threshold = 1;
    }).toThrow(TypeError);
  });
});

describe('parseRuleSettings', () => {
  it('accepts a complete rule with PSA references and every policy', () => {
    const full: TicketRuleSettings = {
      ...DEFAULT_RULE_SETTINGS,
      categories: ['malware', 'command-and-control'],
      threshold: 0,
      windowMinutes: 1440,
      board: { id: 1, name: 'Security' },
      status: { id: 7 },
      closedPolicy: { mode: 'silence', hours: 24 },
      autoCloseQuietWindows: 6,
      closedStatus: { id: 9, name: 'Closed (resolved)' },
    };
    expect(parseRuleSettings(full, AGG)).toEqual(full);
    expect(parseRuleSettings(withSetting({ closedPolicy: { mode: 'reopen' } }), AGG).closedPolicy).toEqual({
      mode: 'reopen',
    });
  });

  it.each([
    [{ categories: [] }, 'categories', /at least one category/],
    [{ categories: ['malware', 'botnet'] }, 'categories.1', /must be one of malware, command-and-control/],
    [{ categories: ['malware', 'malware'] }, 'categories.1', /malware is listed twice/],
    [{ categories: ['content'] }, 'categories.0', /must be one of/],
    [{ threshold: -1 }, 'threshold', /at least 0/],
    [{ threshold: 1_000_001 }, 'threshold', /at most 1000000/],
    [{ threshold: 2.5 }, 'threshold', /whole number/],
    [{ threshold: '10' }, 'threshold', /must be a number/],
    [{ windowMinutes: 420 }, 'windowMinutes', /different time each day/],
    [{ windowMinutes: 0 }, 'windowMinutes', /positive whole number/],
    [
      { windowMinutes: 30 },
      'windowMinutes',
      /30 minutes is not a whole multiple of the aggregation window of 60/,
    ],
    [{ board: { id: 0 } }, 'board.id', /positive record id/],
    [{ board: { id: 3, name: 'x'.repeat(101) } }, 'board.name', /at most 100 characters/],
    [{ board: { id: 3, color: 'red' } }, 'board.color', /unknown setting/],
    [{ priority: 'High' }, 'priority', /object/i],
    [{ summaryTemplate: 'Alert {identiy}' }, 'summaryTemplate', /unknown placeholder \{identiy\}; the known/],
    [{ noteTemplate: 'x'.repeat(2001) }, 'noteTemplate', /at most 2000 characters/],
    [{ descriptionTemplate: '' }, 'descriptionTemplate', /must not be empty/],
    [{ closedPolicy: { mode: 'forget' } }, 'closedPolicy.mode', /'new', 'reopen' or 'silence'/],
    [{ closedPolicy: { mode: 'silence' } }, 'closedPolicy.hours', /is required/],
    [{ closedPolicy: { mode: 'silence', hours: 0 } }, 'closedPolicy.hours', /at least 1/],
    [{ closedPolicy: { mode: 'silence', hours: 8761 } }, 'closedPolicy.hours', /at most 8760/],
    [{ closedPolicy: { mode: 'new', hours: 3 } }, 'closedPolicy.hours', /unknown setting/],
    [{ autoCloseQuietWindows: 0 }, 'autoCloseQuietWindows', /at least 1/],
    [{ autoCloseQuietWindows: 1001 }, 'autoCloseQuietWindows', /at most 1000/],
    [{ closedStatus: { id: -4 } }, 'closedStatus.id', /positive record id/],
    [{ colour: 'blue' }, 'colour', /unknown setting \(known settings: categories, threshold/],
  ])('%j is refused at %s', (patch, path, message) => {
    const issues = issuesOf(() => parseRuleSettings(withSetting(patch), AGG));
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('names every bad field at once, and the error message names them too', () => {
    let error: unknown;
    try {
      parseRuleSettings(withSetting({ threshold: -1, windowMinutes: 7, categories: [] }), AGG);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TicketRuleError);
    const e = error as TicketRuleError;
    expect(e.issues.map((i) => i.path).sort()).toEqual(['categories', 'threshold', 'windowMinutes']);
    expect(e.message).toMatch(/^Invalid ticket rule settings: .*threshold: must be at least 0/);
  });

  it('requires every setting', () => {
    const { board: _board, ...missing } = DEFAULT_RULE_SETTINGS;
    expect(issuesOf(() => parseRuleSettings(missing, AGG))).toEqual([
      { path: 'board', message: 'is required' },
    ]);
  });

  it('refuses something that is not an object', () => {
    expect(issuesOf(() => parseRuleSettings(null, AGG))[0]?.message).toMatch(/expected object/i);
  });

  it('refuses an invalid aggregation window as a programming error', () => {
    expect(() => parseRuleSettings(DEFAULT_RULE_SETTINGS, 7)).toThrow(RangeError);
  });
});

describe('parseRuleOverride', () => {
  it('accepts any subset, and null to clear a PSA reference', () => {
    expect(parseRuleOverride({}, AGG)).toEqual({});
    expect(parseRuleOverride({ threshold: 50, board: null, status: { id: 4 } }, AGG)).toEqual({
      threshold: 50,
      board: null,
      status: { id: 4 },
    });
  });

  it('validates what it has like the full settings', () => {
    expect(issuesOf(() => parseRuleOverride({ windowMinutes: 90, threshold: -3 }, AGG))).toEqual([
      { path: 'threshold', message: 'must be at least 0' },
      { path: 'windowMinutes', message: expect.stringMatching(/90 minutes.*aggregation window of 60/) },
    ]);
  });

  it('refuses unknown keys', () => {
    expect(issuesOf(() => parseRuleOverride({ thresold: 5 }, AGG))).toEqual([
      { path: 'thresold', message: expect.stringMatching(/^unknown setting/) },
    ]);
  });

  it('does not accept null for required values', () => {
    expect(issuesOf(() => parseRuleOverride({ threshold: null }, AGG))[0]?.path).toBe('threshold');
  });
});

describe('effectiveSettings', () => {
  it('returns the settings themselves without an override', () => {
    expect(effectiveSettings(DEFAULT_RULE_SETTINGS, undefined)).toBe(DEFAULT_RULE_SETTINGS);
    expect(effectiveSettings(DEFAULT_RULE_SETTINGS, {})).toBe(DEFAULT_RULE_SETTINGS);
  });

  it('replaces exactly the overridden settings', () => {
    const rule = { ...DEFAULT_RULE_SETTINGS, board: { id: 1, name: 'Security' } };
    const result = effectiveSettings(rule, { threshold: 3, board: null, closedPolicy: { mode: 'reopen' } });
    expect(result).toEqual({ ...rule, threshold: 3, board: null, closedPolicy: { mode: 'reopen' } });
    expect(rule.threshold).toBe(10);
  });
});

describe('timeZone', () => {
  it('is UTC (null) by default, and takes IANA names in their usual spelling', () => {
    expect(DEFAULT_RULE_SETTINGS.timeZone).toBeNull();
    expect(parseRuleSettings(withSetting({ timeZone: 'Europe/Berlin' }), AGG).timeZone).toBe('Europe/Berlin');
    expect(parseRuleSettings(withSetting({ timeZone: 'america/new_york' }), AGG).timeZone).toBe(
      'America/New_York',
    );
    // The runtime's own name for it is Asia/Calcutta: the name the administrator knows is kept.
    expect(parseRuleSettings(withSetting({ timeZone: 'Asia/Kolkata' }), AGG).timeZone).toBe('Asia/Kolkata');
    expect(parseRuleSettings(withSetting({ timeZone: 'Etc/UTC' }), AGG).timeZone).toBe('UTC');
  });

  it.each(['Mars/Olympus', '+02:00', 'CEST ', '', 'x'.repeat(65)])('refuses %j', (zone) => {
    expect(issuesOf(() => parseRuleSettings(withSetting({ timeZone: zone }), AGG))).toEqual([
      { path: 'timeZone', message: expect.stringMatching(/is not a time zone: use an IANA name/) },
    ]);
    expect(issuesOf(() => parseRuleOverride({ timeZone: zone }, AGG))[0]?.path).toBe('timeZone');
  });

  it("is set per customer by an override; null there means UTC whatever the rule's zone", () => {
    const rule = parseRuleSettings(withSetting({ timeZone: 'Europe/Lisbon' }), AGG);
    expect(effectiveSettings(rule, parseRuleOverride({ timeZone: 'Europe/Berlin' }, AGG)).timeZone).toBe(
      'Europe/Berlin',
    );
    expect(effectiveSettings(rule, parseRuleOverride({ timeZone: null }, AGG)).timeZone).toBeNull();
    expect(effectiveSettings(rule, parseRuleOverride({}, AGG)).timeZone).toBe('Europe/Lisbon');
  });
});
