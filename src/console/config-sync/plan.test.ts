import { describe, expect, it } from 'vitest';
import {
  answersDigest,
  answersFor,
  answerValues,
  type CustomerMetrics,
  configurationName,
  domainLines,
  type PsaQuestion,
  planType,
  type QuestionIds,
  STATUS_ACTIVE,
  STATUS_NEVER,
  STATUS_SILENT,
  serviceStatus,
  TEXT_AREA_MAX,
  threatsPrevented,
  toQuestionAnswers,
} from './plan.js';
import { DEFAULT_TYPE_NAME, QUESTIONS, type QuestionKey } from './questions.js';

const TYPE = { id: 7, name: DEFAULT_TYPE_NAME };

/** The PSA questions the console would have created: ids 100, 101, … in question order. */
const created = (): PsaQuestion[] =>
  QUESTIONS.map((q, i) => ({
    id: 100 + i,
    question: q.question,
    fieldType: q.fieldType,
    entryType: q.entryType,
  }));
const idsOf = (qs: PsaQuestion[]): QuestionIds =>
  Object.fromEntries(QUESTIONS.map((q, i) => [q.key, qs[i]!.id])) as QuestionIds;
const indexOf = (key: QuestionKey) => QUESTIONS.findIndex((q) => q.key === key);

describe('planType', () => {
  it('creates the type and every question when the type does not exist', () => {
    const plan = planType(undefined, [], {}, { typeName: 'Umbrella DNS' });
    expect(plan.operations[0]).toEqual({ op: 'create-type', name: 'Umbrella DNS' });
    const creates = plan.operations.filter((o) => o.op === 'create-question');
    expect(creates.map((o) => o.key)).toEqual(QUESTIONS.map((q) => q.key));
    expect(creates[1]).toEqual({
      op: 'create-question',
      key: 'last-event',
      body: {
        question: 'Last event received',
        fieldType: 'Date',
        entryType: 'EntryField',
        sequenceNumber: 2,
        numberOfDecimals: 0,
        requiredFlag: false,
      },
    });
    expect(plan.matched).toEqual({});
  });

  it('refuses questions of a type that does not exist', () => {
    expect(() => planType(undefined, created(), {})).toThrow(/does not exist/);
  });

  type Case = {
    name: string;
    questions: (qs: PsaQuestion[]) => PsaQuestion[];
    known: (qs: PsaQuestion[]) => QuestionIds;
    creates: QuestionKey[];
    fixes: Array<[QuestionKey, object]>;
    matchedBy?: Partial<Record<QuestionKey, 'id' | 'text'>>;
  };
  const cases: Case[] = [
    {
      name: 'everything in place: nothing to do (idempotent)',
      questions: (qs) => qs,
      known: idsOf,
      creates: [],
      fixes: [],
    },
    {
      name: 'state lost: every question found again by its text, nothing created',
      questions: (qs) => qs,
      known: () => ({}),
      creates: [],
      fixes: [],
      matchedBy: { 'service-status': 'text', 'last-synchronized': 'text' },
    },
    {
      name: 'a question renamed by hand is kept (matched by its remembered id), not duplicated',
      questions: (qs) => qs.map((q, i) => (i === 0 ? { ...q, question: 'DNS protection state' } : q)),
      known: idsOf,
      creates: [],
      fixes: [],
      matchedBy: { 'service-status': 'id' },
    },
    {
      name: 'a question renamed by hand with the state lost is created again (nothing can tie it to us)',
      questions: (qs) => qs.map((q, i) => (i === 0 ? { ...q, question: 'DNS protection state' } : q)),
      known: () => ({}),
      creates: ['service-status'],
      fixes: [],
    },
    {
      name: 'questions added by hand are left alone',
      questions: (qs) => [
        ...qs,
        { id: 900, question: 'Contract number', fieldType: 'Text', entryType: 'EntryField' },
        { id: 901, question: 'Notes', fieldType: 'TextArea', entryType: 'EntryField' },
      ],
      known: idsOf,
      creates: [],
      fixes: [],
    },
    {
      name: 'a question deleted by hand is created again',
      questions: (qs) => qs.filter((_, i) => i !== indexOf('threats-prevented')),
      known: idsOf,
      creates: ['threats-prevented'],
      fixes: [],
    },
    {
      name: 'a field type changed by hand is put back; so is an entry type',
      questions: (qs) =>
        qs.map((q, i) =>
          i === indexOf('dns-requests')
            ? { ...q, fieldType: 'Text' }
            : i === indexOf('last-event')
              ? { ...q, entryType: 'List' }
              : q,
        ),
      known: idsOf,
      creates: [],
      fixes: [
        ['last-event', { entryType: 'EntryField' }],
        ['dns-requests', { fieldType: 'Number' }],
      ],
    },
    {
      name: 'text matching ignores case and spacing',
      questions: (qs) =>
        qs.map((q) => ({ ...q, question: `  ${q.question.toUpperCase().replace(/ /g, '  ')} ` })),
      known: () => ({}),
      creates: [],
      fixes: [],
    },
    {
      name: 'a remembered id that is gone falls back to the text',
      questions: (qs) => qs,
      known: (qs) => ({ ...idsOf(qs), 'service-status': 5555 }),
      creates: [],
      fixes: [],
      matchedBy: { 'service-status': 'text' },
    },
    {
      name: 'a question renamed by hand to another question’s text does not steal it; the other is created',
      questions: (qs) =>
        qs
          .filter((_, i) => i !== indexOf('blocked-requests'))
          .map((q, i) => (i === indexOf('dns-requests') ? { ...q, question: 'Blocked requests' } : q)),
      known: (qs) => {
        const ids = idsOf(qs);
        delete ids['blocked-requests'];
        return ids;
      },
      creates: ['blocked-requests'],
      fixes: [],
      matchedBy: { 'dns-requests': 'id' },
    },
    {
      name: 'two look-alike questions: the oldest is ours',
      questions: (qs) => [
        { id: 50, question: 'Service status', fieldType: 'Text', entryType: 'EntryField' },
        ...qs.filter((_, i) => i !== 0),
        { id: 999, question: 'service status', fieldType: 'Text', entryType: 'EntryField' },
      ],
      known: () => ({}),
      creates: [],
      fixes: [],
    },
  ];

  it.each(cases)('$name', (c) => {
    const existing = c.questions(created());
    const plan = planType(TYPE, existing, c.known(created()));
    expect(plan.operations.filter((o) => o.op === 'create-question').map((o) => o.key)).toEqual(c.creates);
    expect(
      plan.operations.flatMap((o) =>
        o.op === 'fix-question' ? [[o.key, o.set] as [QuestionKey, object]] : [],
      ),
    ).toEqual(c.fixes);
    expect(plan.operations.some((o) => o.op === 'create-type' || o.op === 'activate-type')).toBe(false);
    for (const [key, by] of Object.entries(c.matchedBy ?? {}))
      expect(plan.matchedBy[key as QuestionKey]).toBe(by);
    // Every existing question is claimed by at most one key; nothing matched is created again.
    const ids = Object.values(plan.matched);
    expect(new Set(ids).size).toBe(ids.length);
    for (const key of c.creates) expect(plan.matched[key]).toBeUndefined();
    expect(Object.keys(plan.matched).length + c.creates.length).toBe(QUESTIONS.length);
    // Carrying the plan out and planning again plans nothing.
    let next = 10_000;
    const after = existing.map((q) => {
      const fix = plan.operations.find((o) => o.op === 'fix-question' && o.questionId === q.id);
      return fix && fix.op === 'fix-question' ? { ...q, ...fix.set } : q;
    });
    const known: QuestionIds = { ...plan.matched };
    for (const o of plan.operations)
      if (o.op === 'create-question') {
        after.push({ id: next, ...o.body });
        known[o.key] = next++;
      }
    expect(planType(TYPE, after, known).operations).toEqual([]);
  });

  it('reactivates a type made inactive', () => {
    const plan = planType({ ...TYPE, inactiveFlag: true }, created(), idsOf(created()));
    expect(plan.operations).toEqual([{ op: 'activate-type', typeId: 7 }]);
  });
});

const METRICS: CustomerMetrics = {
  day: '2026-03-09',
  lastEventAt: '2026-03-10T05:59:58.123Z',
  activeIdentities: 12,
  requests: 10_000,
  blocked: 321,
  securityBlocks: { malware: 5, 'command-and-control': 7, phishing: 2 },
  infectionsContained: 2,
  topBlocked: [
    { domain: 'evil.example', count: 120, approximate: false },
    { domain: 'c2.example', count: 7, approximate: true },
  ],
  topAllowed: [],
};
const NOW = new Date('2026-03-10T06:00:00.000Z');

describe('serviceStatus', () => {
  it.each([
    [null, STATUS_NEVER],
    ['2026-03-10T05:00:00.000Z', STATUS_ACTIVE],
    ['2026-03-09T06:00:00.000Z', STATUS_ACTIVE],
    ['2026-03-09T05:59:59.999Z', STATUS_SILENT],
    ['2025-01-01T00:00:00.000Z', STATUS_SILENT],
  ])('last event %s → %s', (last, status) => {
    expect(serviceStatus(last, NOW)).toBe(status);
  });
  it('refuses a last event that is not a date', () => {
    expect(() => serviceStatus('yesterday', NOW)).toThrow(/not a date/);
  });
});

describe('answers', () => {
  it('answers every question from the metrics', () => {
    const v = answerValues(METRICS, NOW);
    expect(v).toMatchObject({
      'service-status': STATUS_ACTIVE,
      'last-event': '2026-03-10T05:59:58Z',
      'counts-day': '2026-03-09',
      'active-identities': 12,
      'dns-requests': 10_000,
      'blocked-requests': 321,
      'security-blocks:malware': 5,
      'security-blocks:command-and-control': 7,
      'security-blocks:phishing': 2,
      'security-blocks:tunneling': 0,
      'threats-prevented': 14,
      'infections-contained': 2,
      'top-blocked-domains': 'evil.example (120)\nc2.example (≈7)',
      'top-allowed-domains': 'None',
    });
    expect(v['last-synchronized']).toBeUndefined();
    expect(threatsPrevented(METRICS)).toBe(14);
  });

  it('leaves "last event" unanswered when nothing was ever received', () => {
    const v = answerValues({ ...METRICS, lastEventAt: null }, NOW);
    expect(v['last-event']).toBeUndefined();
    expect(v['service-status']).toBe(STATUS_NEVER);
  });

  it.each([
    [{ requests: -1 }, /requests must be a count/],
    [{ activeIdentities: 1.5 }, /activeIdentities must be a count/],
    [{ securityBlocks: { malware: Number.NaN } }, /securityBlocks.malware must be a count/],
    [{ day: '2026-3-9' }, /day must be YYYY-MM-DD/],
  ])('refuses bad metrics %j', (bad, message) => {
    expect(() => answerValues({ ...METRICS, ...bad } as CustomerMetrics, NOW)).toThrow(message);
  });

  it('answersFor: question ids, numbers for Number questions, text for Text, ConnectWise dates', () => {
    const ids = idsOf(created());
    const answers = answersFor(METRICS, ids, NOW);
    const byKey = (key: QuestionKey) => answers.find((a) => a.questionId === ids[key])?.answer;
    expect(answers).toHaveLength(QUESTIONS.length);
    expect(answers.map((a) => a.questionId)).toEqual(QUESTIONS.map((q) => ids[q.key]));
    expect(byKey('dns-requests')).toBe(10_000);
    expect(byKey('counts-day')).toBe('2026-03-09');
    expect(byKey('last-synchronized')).toBe('2026-03-10T06:00:00Z');
    expect(byKey('last-event')).toBe('2026-03-10T05:59:58Z');
  });

  it.each([
    ['number for a Text question becomes text', { 'service-status': 3 }, '3'],
    ['text for a Number question becomes a number', { 'dns-requests': '42' }, 42],
  ] as const)('%s', (_name, values, expected) => {
    const ids = idsOf(created());
    const [a] = toQuestionAnswers(values, ids);
    expect(a?.answer).toBe(expected);
  });

  it('refuses text that is no number for a Number question', () => {
    expect(() => toQuestionAnswers({ 'dns-requests': 'many' }, idsOf(created()))).toThrow(/not a number/);
  });

  it('skips questions without a known id', () => {
    expect(toQuestionAnswers({ 'dns-requests': 1, 'blocked-requests': 2 }, { 'dns-requests': 9 })).toEqual([
      { questionId: 9, answer: 1 },
    ]);
  });

  it('domain lists: at most ten lines and a bounded length', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      domain: `${'x'.repeat(240)}${i}.example`,
      count: 100 - i,
      approximate: false,
    }));
    const text = domainLines(many);
    expect(text.split('\n').length).toBeLessThanOrEqual(10);
    expect(text.length).toBeLessThanOrEqual(TEXT_AREA_MAX);
    expect(domainLines(many.slice(0, 3).map((d) => ({ ...d, domain: d.domain.slice(239) })))).toBe(
      'x0.example (100)\nx1.example (99)\nx2.example (98)',
    );
  });
});

describe('answersDigest', () => {
  const a = [
    { questionId: 1, answer: 5 },
    { questionId: 2, answer: 'x' },
  ];
  it.each([
    ['same answers, other order', true, [a[1]!, a[0]!], null],
    ['another answer', false, [a[0]!, { questionId: 2, answer: 'y' }], null],
    ['a number vs its text', false, [{ questionId: 1, answer: '5' }, a[1]!], null],
    ['one answer fewer', false, [a[0]!], null],
    ['another context', false, a, { name: 'other' }],
  ])('%s → equal: %s', (_name, equal, other, context) => {
    expect(answersDigest(other, context) === answersDigest(a, null)).toBe(equal);
  });
});

describe('configurationName', () => {
  it.each([
    ['Acme Corp', 'DNS Security - Acme Corp'],
    ['  Acme   Corp ', 'DNS Security - Acme Corp'],
  ])('%j → %j', (customer, name) => {
    expect(configurationName(DEFAULT_TYPE_NAME, customer)).toBe(name);
  });
  it('keeps within ConnectWise’s 100 characters', () => {
    const name = configurationName(DEFAULT_TYPE_NAME, 'y'.repeat(200));
    expect(name).toHaveLength(100);
    expect(name.endsWith('…')).toBe(true);
  });
});
