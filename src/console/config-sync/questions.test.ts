import { describe, expect, it } from 'vitest';
import { SECURITY_CATEGORIES } from '../aggregate/types.js';
import {
  assertTypeName,
  DEFAULT_TYPE_NAME,
  ENTRY_TYPES,
  FIELD_TYPES,
  QUESTIONS,
  questionSetVersion,
  securityBlocksKey,
  typeNameProblem,
} from './questions.js';

describe('the question set', () => {
  it('has one question per CON-8 metric and one per canonical security category', () => {
    const keys = QUESTIONS.map((q) => q.key);
    expect(keys).toEqual([
      'service-status',
      'last-event',
      'counts-day',
      'active-identities',
      'dns-requests',
      'blocked-requests',
      ...SECURITY_CATEGORIES.map(securityBlocksKey),
      'threats-prevented',
      'infections-contained',
      'top-blocked-domains',
      'top-allowed-domains',
      'last-synchronized',
    ]);
  });

  it('has unique keys and texts, positions 1..n, ConnectWise field and entry types', () => {
    expect(new Set(QUESTIONS.map((q) => q.key)).size).toBe(QUESTIONS.length);
    expect(new Set(QUESTIONS.map((q) => q.question.toLowerCase())).size).toBe(QUESTIONS.length);
    expect(QUESTIONS.map((q) => q.sequenceNumber)).toEqual(QUESTIONS.map((_, i) => i + 1));
    for (const q of QUESTIONS) {
      expect(FIELD_TYPES).toContain(q.fieldType);
      expect(ENTRY_TYPES).toContain(q.entryType);
      expect(q.entryType).toBe('EntryField');
      expect(q.question.length).toBeLessThanOrEqual(1000);
    }
  });

  it.each([
    ['service-status', 'Text'],
    ['last-event', 'Date'],
    ['counts-day', 'Text'],
    ['active-identities', 'Number'],
    ['dns-requests', 'Number'],
    ['blocked-requests', 'Number'],
    ['security-blocks:command-and-control', 'Number'],
    ['threats-prevented', 'Number'],
    ['infections-contained', 'Number'],
    ['top-blocked-domains', 'TextArea'],
    ['top-allowed-domains', 'TextArea'],
    ['last-synchronized', 'Date'],
  ])('%s is a %s question', (key, fieldType) => {
    expect(QUESTIONS.find((q) => q.key === key)?.fieldType).toBe(fieldType);
  });
});

describe('type names', () => {
  it.each([
    [DEFAULT_TYPE_NAME, undefined],
    ['Umbrella DNS', undefined],
    ['x'.repeat(50), undefined],
    ['x'.repeat(51), 'at most 50'],
    ['', 'must not be empty'],
    [' DNS', 'spaces'],
    ['DNS ', 'spaces'],
    ['DNS "Security"', 'double quotes'],
    ['DNS\\Security', 'backslashes'],
    ['DNS\nSecurity', 'control characters'],
    [42, 'must be text'],
  ])('%j → %s', (name, problem) => {
    const found = typeNameProblem(name);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('assertTypeName throws the problem', () => {
    expect(() => assertTypeName('a"b')).toThrow(/double quotes/);
    expect(() => assertTypeName('DNS Security')).not.toThrow();
  });
});

describe('questionSetVersion', () => {
  it('is stable and changes with the type name or any question', () => {
    const v = questionSetVersion(DEFAULT_TYPE_NAME);
    expect(questionSetVersion(DEFAULT_TYPE_NAME)).toBe(v);
    expect(v).toMatch(/^[0-9a-f]{32}$/);
    expect(questionSetVersion('Other name')).not.toBe(v);
    const renamed = QUESTIONS.map((q, i) => (i === 0 ? { ...q, question: 'Status' } : q));
    expect(questionSetVersion(DEFAULT_TYPE_NAME, renamed)).not.toBe(v);
    const retyped = QUESTIONS.map((q, i) => (i === 0 ? { ...q, fieldType: 'TextArea' as const } : q));
    expect(questionSetVersion(DEFAULT_TYPE_NAME, retyped)).not.toBe(v);
    expect(questionSetVersion(DEFAULT_TYPE_NAME, QUESTIONS.slice(1))).not.toBe(v);
  });
});
