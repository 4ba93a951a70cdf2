import { describe, expect, it } from 'vitest';
import {
  customizeItemMatches,
  type DiagnoseInput,
  diagnose,
  type ProbeOutcome,
  probeOutcome,
} from './diagnose.js';
import { PROBES, type Probe, REQUIREMENTS, type RequirementId, requirement } from './requirements.js';

type Level = 'All' | 'My' | 'None';

/** `/system/mySecurity` as Parasol renders it: every level row All unless overridden, plus unrelated rows. */
function summary(levels: Partial<Record<RequirementId, Level>> = {}): Record<string, unknown>[] {
  const rows = new Map<string, Record<string, unknown>>();
  for (const r of REQUIREMENTS) {
    if (r.kind !== 'level') continue;
    const key = `${r.module}|${r.function}`;
    const row = rows.get(key) ?? {
      moduleName: r.module,
      moduleFunctionName: r.function,
      addLevel: 'All',
      editLevel: 'All',
      deleteLevel: 'None',
      inquireLevel: 'All',
    };
    row[`${r.action.toLowerCase()}Level`] = levels[r.id] ?? 'All';
    rows.set(key, row);
  }
  return [
    {
      moduleName: 'Finance',
      moduleFunctionName: 'Agreements',
      addLevel: 'None',
      editLevel: 'None',
      inquireLevel: 'None',
    },
    ...rows.values(),
    {
      moduleName: 'Service Desk',
      moduleFunctionName: 'Close Service Tickets',
      addLevel: 'None',
      inquireLevel: 'None',
    },
  ];
}

const ITEM_IDS: Record<string, string> = {
  'tableSetup.allow.configuration': 'Company/Configuration',
  'tableSetup.allow.priority': 'Service/Priority',
  'tableSetup.allow.serviceBoard': 'Service/ServiceBoard',
};

/** `/system/mySecurity/customizeItems` as Parasol renders it, without the given rows' items. */
function items(without: RequirementId[] = []): Record<string, unknown>[] {
  return [
    { id: 1, customizeIdentifier: 'SystemTableSetup', itemIdentifier: 'Company/ConfigurationStatus' },
    ...Object.entries(ITEM_IDS)
      .filter(([id]) => !without.includes(id as RequirementId))
      .map(([, itemIdentifier], i) => ({
        id: i + 2,
        customizeIdentifier: 'SystemTableSetup',
        itemIdentifier,
      })),
  ];
}

/** What a PSA enforcing the role answers: a probe is refused when any row it depends on is missing. */
function simulate(missing: RequirementId[], inconclusive: string[] = []): ProbeOutcome[] {
  return PROBES.map((p): ProbeOutcome => {
    if (inconclusive.includes(p.id))
      return { probe: p.id, result: 'inconclusive', status: 500, message: 'boom' };
    if (p.rows.some((id) => missing.includes(id)))
      return { probe: p.id, result: 'refused', message: 'You do not have access.' };
    return { probe: p.id, result: 'permitted', status: p.method === 'GET' ? 200 : 400 };
  });
}

const statuses = (input: DiagnoseInput) =>
  Object.fromEntries(diagnose(input).rows.map((r) => [r.id, r.status]));
const failing = (input: DiagnoseInput) =>
  diagnose(input)
    .rows.filter((r) => r.status === 'fail')
    .map((r) => r.id);
const verdict = (input: DiagnoseInput, id: RequirementId) => diagnose(input).rows.find((r) => r.id === id)!;

describe('diagnose with the security summary readable', () => {
  it('passes every row of a complete role', () => {
    const d = diagnose({ mySecurity: summary(), customizeItems: items(), probes: simulate([]) });
    expect(d.rows.map((r) => r.status)).toEqual(REQUIREMENTS.map(() => 'pass'));
    expect(d.findings).toEqual([]);
  });

  it.each(REQUIREMENTS.map((r) => [r.id]))('fails exactly %s when it alone is missing', (id) => {
    const r = requirement(id as RequirementId);
    const input: DiagnoseInput = {
      mySecurity: summary(r.kind === 'level' ? { [r.id]: 'None' } : {}),
      customizeItems: items(r.kind === 'allow' ? [r.id] : []),
      probes: simulate([r.id]),
    };
    expect(failing(input)).toEqual([id]);
    expect(Object.values(statuses(input)).filter((s) => s !== 'pass')).toEqual(['fail']);
    const v = verdict(input, r.id);
    expect(v.fix).toBe(r.kind === 'level' ? `${r.fix} (it is None)` : r.fix);
    expect(v.detail).toMatch(/refused/);
    expect(diagnose(input).findings).toHaveLength(1);
  });

  it('fails a level of My where All is needed, although the PSA let the request through', () => {
    const input = {
      mySecurity: summary({ 'serviceTickets.inquire': 'My' }),
      customizeItems: items(),
      probes: simulate([]),
    };
    expect(failing(input)).toEqual(['serviceTickets.inquire']);
    expect(verdict(input, 'serviceTickets.inquire').fix).toBe(
      'Service Desk → Service Tickets: set Inquire Level to All (it is My)',
    );
  });

  it('fails a row the summary shows lower even when no probe was refused', () => {
    const input = {
      mySecurity: summary({ 'configurations.edit': 'None' }),
      customizeItems: items(),
      probes: simulate([]),
    };
    expect(failing(input)).toEqual(['configurations.edit']);
    expect(verdict(input, 'configurations.edit').detail).toContain('/system/mySecurity');
  });

  it('fails a row whose single-row probe was refused although the summary shows it set', () => {
    const input = {
      mySecurity: summary(),
      customizeItems: items(),
      probes: simulate(['serviceTickets.add']),
    };
    expect(failing(input)).toEqual(['serviceTickets.add']);
    expect(verdict(input, 'serviceTickets.add').fix).toBe(
      'Service Desk → Service Tickets: set Add Level to All',
    );
    expect(verdict(input, 'serviceTickets.add').detail).toBe(
      'the PSA refused POST /service/tickets (403): You do not have access',
    );
  });

  it('blames the rows the summary shows missing when several could explain a refusal', () => {
    const input = {
      mySecurity: summary({ 'tableSetup.inquire': 'None' }),
      customizeItems: items(),
      probes: simulate(['tableSetup.inquire']),
    };
    const d = diagnose(input);
    expect(failing(input)).toEqual(['tableSetup.inquire']);
    expect(verdict(input, 'tableSetup.allow.priority').status).toBe('pass');
    expect(d.findings.map((f) => f.rows)).toEqual([['tableSetup.inquire']]);
    expect(d.findings[0]!.detail).toContain('GET /service/priorities');
  });

  it('matches modules and functions case-insensitively', () => {
    const shouted = summary({ 'companyMaintenance.inquire': 'None' }).map((r) => ({
      ...r,
      moduleName: String(r.moduleName).toUpperCase(),
      moduleFunctionName: ` ${String(r.moduleFunctionName).toLowerCase()} `,
    }));
    expect(failing({ mySecurity: shouted, customizeItems: items(), probes: simulate([]) })).toEqual([
      'companyMaintenance.inquire',
    ]);
  });

  it('takes an allow-list item the PSA served as present, whatever the summary calls it', () => {
    // A real ConnectWise's item ids are undocumented: a summary that lists it under another name
    // must not produce a false failure when the PSA served the table.
    const odd = items(['tableSetup.allow.priority']);
    const input = { mySecurity: summary(), customizeItems: odd, probes: simulate([]) };
    expect(failing(input)).toEqual([]);
  });

  it('names candidates together when the summary shows them all set, yet the PSA refused', () => {
    const input = {
      mySecurity: summary(),
      customizeItems: items(),
      probes: simulate(['tableSetup.allow.priority'], ['read.configurationTypes', 'read.boards']),
    };
    const d = diagnose(input);
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]!.rows).toEqual(['tableSetup.inquire', 'tableSetup.allow.priority']);
    expect(d.findings[0]!.detail).toContain('although');
    expect(failing(input)).toEqual(['tableSetup.inquire', 'tableSetup.allow.priority']);
  });

  it('ignores rows that do not name a level it needs', () => {
    const broken = summary().map((r) =>
      r.moduleFunctionName === 'Company Maintenance' ? { ...r, inquireLevel: 'Sometimes' } : r,
    );
    const input = { mySecurity: broken, customizeItems: items(), probes: simulate([]) };
    const v = verdict(input, 'companyMaintenance.inquire');
    expect(v.status).toBe('pass');
    expect(v.detail).toContain('All cannot be told from My');
  });
});

describe('diagnose without the security summary (probes only)', () => {
  const fallback = (missing: RequirementId[], inconclusive: string[] = []): DiagnoseInput => ({
    mySecurity: null,
    customizeItems: null,
    probes: simulate(missing, inconclusive),
  });

  it('passes a complete role, noting that My cannot be told from All', () => {
    const d = diagnose(fallback([]));
    expect(d.rows.every((r) => r.status === 'pass')).toBe(true);
    expect(d.rows.find((r) => r.id === 'configurations.add')!.detail).toContain('All cannot be told from My');
  });

  // What probes alone can tell when exactly one row is missing.
  const cases: Array<[RequirementId, { fail: RequirementId[]; unchecked: RequirementId[] }]> = [
    ['companyMaintenance.inquire', { fail: ['companyMaintenance.inquire'], unchecked: [] }],
    ['configurations.add', { fail: ['configurations.add'], unchecked: [] }],
    ['configurations.edit', { fail: ['configurations.edit'], unchecked: [] }],
    ['configurations.inquire', { fail: ['configurations.inquire'], unchecked: [] }],
    ['serviceTickets.add', { fail: ['serviceTickets.add'], unchecked: [] }],
    ['serviceTickets.edit', { fail: ['serviceTickets.edit'], unchecked: [] }],
    ['serviceTickets.inquire', { fail: ['serviceTickets.inquire'], unchecked: [] }],
    // Table Setup Add: the configuration type is proven allowed by the read, so Add is to blame.
    ['tableSetup.add', { fail: ['tableSetup.add'], unchecked: [] }],
    ['tableSetup.edit', { fail: ['tableSetup.edit'], unchecked: [] }],
    // Inquire None hides whether priorities and boards are allowed.
    [
      'tableSetup.inquire',
      {
        fail: ['tableSetup.inquire'],
        unchecked: ['tableSetup.allow.priority', 'tableSetup.allow.serviceBoard'],
      },
    ],
    // A missing configuration type hides whether Table Setup Add and Edit are All.
    [
      'tableSetup.allow.configuration',
      { fail: ['tableSetup.allow.configuration'], unchecked: ['tableSetup.add', 'tableSetup.edit'] },
    ],
    ['tableSetup.allow.priority', { fail: ['tableSetup.allow.priority'], unchecked: [] }],
    ['tableSetup.allow.serviceBoard', { fail: ['tableSetup.allow.serviceBoard'], unchecked: [] }],
  ];

  it.each(cases)('without %s', (missing, expected) => {
    const input = fallback([missing]);
    const s = statuses(input);
    expect(failing(input)).toEqual(expected.fail);
    expect(Object.keys(s).filter((id) => s[id] === 'unchecked')).toEqual(expected.unchecked);
    for (const id of expected.unchecked)
      expect(verdict(input, id).detail).toMatch(/could not be checked.*fix that first/);
    expect(verdict(input, missing).fix).toBe(requirement(missing).fix);
  });

  it('names both rows in one finding when a refusal cannot be pinned on one', () => {
    const input = fallback(
      ['tableSetup.allow.priority'],
      ['read.configurationTypes', 'read.boards', 'add.configurationType', 'edit.configurationType'],
    );
    const d = diagnose(input);
    expect(d.findings).toHaveLength(1);
    const f = d.findings[0]!;
    expect(f.rows).toEqual(['tableSetup.inquire', 'tableSetup.allow.priority']);
    expect(f.fix).toBe(
      'one of these is missing, and the PSA does not say which: System → Table Setup: set Inquire Level to All; ' +
        'or System → Table Setup → customize: allow Service / Priority',
    );
    expect(f.detail).toContain('could not tell which');
    expect(verdict(input, 'tableSetup.inquire').fix).toBe(f.fix);
    expect(verdict(input, 'tableSetup.allow.priority').fix).toBe(f.fix);
    // Nothing shows whether the configuration type and the board are allowed, or Table Setup Add/Edit.
    expect(verdict(input, 'tableSetup.allow.serviceBoard')).toMatchObject({ status: 'unchecked' });
    expect(verdict(input, 'tableSetup.allow.serviceBoard').detail).toContain('boom');
  });

  it('uses the summary for levels and the probes for allow items when only customizeItems is unreadable', () => {
    const input = {
      mySecurity: summary(),
      customizeItems: null,
      probes: simulate(['tableSetup.allow.serviceBoard']),
    };
    expect(failing(input)).toEqual(['tableSetup.allow.serviceBoard']);
  });
});

describe('customizeItemMatches', () => {
  it.each([
    ['Service/Priority', 'Service / Priority', true],
    ['ServicePriority', 'Service / Priority', true],
    ['service / priority', 'Service / Priority', true],
    ['Priority', 'Service / Priority', true],
    ['SERVICE/SERVICEBOARD', 'Service / Service Board', true],
    ['Service Board', 'Service / Service Board', true],
    ['Company/Configuration', 'Company / Configuration', true],
    ['Service/PriorityX', 'Service / Priority', false],
    ['Company/ConfigurationStatus', 'Company / Configuration', false],
    ['Service/Source', 'Service / Priority', false],
    ['', 'Service / Priority', false],
  ])('%s ~ %s → %s', (item, table, expected) => {
    expect(customizeItemMatches(item, table)).toBe(expected);
  });

  it('only counts items of the Table Setup list', () => {
    const other = [{ customizeIdentifier: 'CompanyConfigurations', itemIdentifier: 'Service/Priority' }];
    const input = {
      mySecurity: summary(),
      customizeItems: [...items(['tableSetup.allow.priority']), ...other],
      probes: simulate(['tableSetup.allow.priority']),
    };
    expect(failing(input)).toEqual(['tableSetup.allow.priority']);
  });
});

describe('probeOutcome', () => {
  const probe = (id: string): Probe => PROBES.find((p) => p.id === id)!;
  const err = (status: number | undefined, kind = 'http') => ({
    ok: false as const,
    kind,
    message: `failed ${status}`,
    ...(status !== undefined ? { status } : {}),
  });

  it.each([
    ['read.companies', { ok: true as const, status: 200 }, 'permitted'],
    ['read.companies', err(403), 'refused'],
    ['read.companies', err(404), 'inconclusive'],
    ['read.companies', err(500), 'inconclusive'],
    ['read.companies', err(undefined, 'timeout'), 'inconclusive'],
    ['add.ticket', err(400), 'permitted'],
    ['add.ticket', err(403), 'refused'],
    ['add.ticket', err(404), 'inconclusive'],
    ['add.ticket', err(401), 'inconclusive'],
    ['edit.ticket', err(400), 'permitted'],
    ['edit.ticket', err(404), 'permitted'],
    ['edit.ticket', err(403), 'refused'],
    ['edit.ticket', err(409), 'inconclusive'],
  ])('%s answered %j → %s', (id, answer, expected) => {
    expect(probeOutcome(probe(id), answer).result).toBe(expected);
  });

  it('keeps the PSA message of a refusal', () => {
    expect(probeOutcome(probe('read.tickets'), { ...err(403), cwMessage: 'No access to tickets.' })).toEqual({
      probe: 'read.tickets',
      result: 'refused',
      message: 'No access to tickets.',
    });
  });
});
