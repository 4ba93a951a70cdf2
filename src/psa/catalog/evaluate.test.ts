// Role evaluation: case tables for every rule, the article's role, and properties over random roles.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionLabel, effectiveLevels, evaluate, levelsFor, NO_ACCESS, validateRole } from './evaluate.js';
import { ALL_FUNCTIONS, CUSTOMIZE_IDS, FN } from './modules.js';
import { ARTICLE_ROLE, presetToSnapshot } from './presets.js';
import { TABLE, TABLE_SETUP_ITEMS } from './table-setup.js';
import {
  ACTIONS,
  type Action,
  type CustomizeId,
  type FunctionLevels,
  LEVELS,
  type Level,
  type Requirement,
  type RoleSnapshot,
} from './types.js';

function role(
  levels: Record<string, Partial<FunctionLevels>> = {},
  options: { admin?: boolean; inactive?: boolean; tables?: string[] | undefined } = {},
): RoleSnapshot {
  const allowed = new Map<CustomizeId, ReadonlySet<string>>();
  if (options.tables !== undefined) allowed.set('SystemTableSetup', new Set(options.tables));
  return {
    adminFlag: options.admin ?? false,
    inactiveFlag: options.inactive ?? false,
    levels: new Map(Object.entries(levels).map(([id, l]) => [id, { ...NO_ACCESS, ...l }])),
    allowed,
  };
}

function need(fn: string, action: Action, tableSetupItem?: string): Requirement {
  return tableSetupItem === undefined ? { function: fn, action } : { function: fn, action, tableSetupItem };
}

describe('evaluate: every level × action', () => {
  const cases = LEVELS.flatMap((level) => ACTIONS.map((action) => [level, action] as const));

  it.each(cases)('Service Tickets (offers My): %s on %s', (level, action) => {
    const decision = evaluate(
      role({ [FN.serviceTickets]: { [action]: level } }),
      need(FN.serviceTickets, action),
    );
    if (level === 'None') {
      expect(decision).toEqual({
        allowed: false,
        message: `You do not have access to Service Desk → Service Tickets (${actionLabel(action)}).`,
        function: FN.serviceTickets,
        action,
      });
    } else {
      expect(decision).toEqual({ allowed: true, scope: level });
    }
  });

  it.each(cases)('Table Setup (offers no My): %s on %s', (level, action) => {
    const decision = evaluate(
      role({ [FN.tableSetup]: { [action]: level } }, { tables: [] }),
      need(FN.tableSetup, action),
    );
    if (level === 'All') expect(decision).toEqual({ allowed: true, scope: 'All' });
    else if (level === 'None') {
      expect(decision).toMatchObject({
        allowed: false,
        message: `You do not have access to System → Table Setup (${actionLabel(action)}).`,
      });
    } else {
      // My where the function has no My counts as None (fail closed), and the message says why.
      expect(decision).toMatchObject({
        allowed: false,
        message: `You do not have access to System → Table Setup (${actionLabel(action)}): the role's level is My, which this function does not offer.`,
      });
    }
  });

  it('only looks at the requested action', () => {
    const r = role({ [FN.serviceTickets]: { add: 'All', edit: 'My', delete: 'None', inquire: 'All' } });
    expect(evaluate(r, need(FN.serviceTickets, 'add'))).toEqual({ allowed: true, scope: 'All' });
    expect(evaluate(r, need(FN.serviceTickets, 'edit'))).toEqual({ allowed: true, scope: 'My' });
    expect(evaluate(r, need(FN.serviceTickets, 'delete')).allowed).toBe(false);
  });

  it('treats a function the role does not mention as None', () => {
    expect(evaluate(role(), need(FN.companyMaintenance, 'inquire'))).toMatchObject({
      allowed: false,
      message: 'You do not have access to Companies → Company Maintenance (Inquire).',
    });
  });

  it('fails closed on a garbage level read from storage', () => {
    const r = role({ [FN.serviceTickets]: { inquire: 'Full' as Level } });
    expect(evaluate(r, need(FN.serviceTickets, 'inquire')).allowed).toBe(false);
  });

  it('denies a function outside the catalogue', () => {
    expect(
      evaluate(role({ 'ServiceDesk/Nope': { inquire: 'All' } }), need('ServiceDesk/Nope', 'inquire')),
    ).toEqual({
      allowed: false,
      message: "Unknown security function 'ServiceDesk/Nope': access denied.",
      function: 'ServiceDesk/Nope',
      action: 'inquire',
    });
  });
});

describe('evaluate: admin and inactive roles', () => {
  it.each([
    ['a None function', need(FN.agreements, 'delete')],
    ['a table outside the allow-list', need(FN.tableSetup, 'add', TABLE.source)],
    ['an unknown table', need(FN.tableSetup, 'add', 'Service/Nope')],
    ['an unknown function', need('Nope/Nope', 'inquire')],
  ])('an admin role is allowed All on %s', (_what, n) => {
    expect(evaluate(role({}, { admin: true }), n)).toEqual({ allowed: true, scope: 'All' });
  });

  it('an inactive role is denied, even with All', () => {
    const r = role({ [FN.serviceTickets]: { inquire: 'All' } }, { inactive: true });
    expect(evaluate(r, need(FN.serviceTickets, 'inquire'))).toEqual({
      allowed: false,
      message: 'Your security role is inactive: no access to Service Desk → Service Tickets (Inquire).',
      function: FN.serviceTickets,
      action: 'inquire',
    });
  });

  it('an inactive admin role is denied: deactivation locks everyone out', () => {
    expect(
      evaluate(role({}, { admin: true, inactive: true }), need(FN.serviceTickets, 'inquire')).allowed,
    ).toBe(false);
  });
});

describe('evaluate: Table Setup allow-list', () => {
  const levels = { [FN.tableSetup]: { add: 'All', edit: 'All', inquire: 'All' } } as const;

  it('allows a table in "Allow Access to these"', () => {
    const r = role(levels, { tables: [TABLE.priority] });
    expect(evaluate(r, need(FN.tableSetup, 'add', TABLE.priority))).toEqual({ allowed: true, scope: 'All' });
  });

  it('denies a table not in the list and names the row to move', () => {
    const r = role(levels, { tables: [TABLE.priority] });
    expect(evaluate(r, need(FN.tableSetup, 'edit', TABLE.source))).toEqual({
      allowed: false,
      message: "System → Table Setup → customize: 'Service / Source' is not in Allow Access to these.",
      function: FN.tableSetup,
      action: 'edit',
      tableSetupItem: TABLE.source,
    });
  });

  it('denies when the role has no Table Setup list at all', () => {
    expect(evaluate(role(levels), need(FN.tableSetup, 'add', TABLE.priority))).toMatchObject({
      allowed: false,
      tableSetupItem: TABLE.priority,
    });
  });

  it('names an unknown table by its id', () => {
    expect(evaluate(role(levels, { tables: [] }), need(FN.tableSetup, 'add', 'Service/Nope'))).toMatchObject({
      message: "System → Table Setup → customize: 'Service/Nope' is not in Allow Access to these.",
    });
  });

  it('checks the level first: an allowed table does not lift a None level', () => {
    const r = role(levels, { tables: [TABLE.priority] });
    expect(evaluate(r, need(FN.tableSetup, 'delete', TABLE.priority))).toMatchObject({
      allowed: false,
      message: 'You do not have access to System → Table Setup (Delete).',
      tableSetupItem: TABLE.priority,
    });
  });

  it('applies the list whatever function the endpoint names', () => {
    const r = role({ [FN.configurations]: { add: 'All' } }, { tables: [TABLE.configuration] });
    expect(evaluate(r, need(FN.configurations, 'add', TABLE.configuration)).allowed).toBe(true);
    expect(evaluate(r, need(FN.configurations, 'add', TABLE.configurationStatus)).allowed).toBe(false);
  });

  it('keeps the My scope when the table is allowed', () => {
    const r = role({ [FN.serviceTickets]: { edit: 'My' } }, { tables: [TABLE.serviceBoard] });
    expect(evaluate(r, need(FN.serviceTickets, 'edit', TABLE.serviceBoard))).toEqual({
      allowed: true,
      scope: 'My',
    });
  });
});

describe("evaluate: the article's role", () => {
  const umbrella = presetToSnapshot(ARTICLE_ROLE);

  it.each([
    [FN.companyMaintenance, 'inquire', undefined],
    [FN.configurations, 'add', undefined],
    [FN.configurations, 'edit', undefined],
    [FN.configurations, 'inquire', undefined],
    [FN.serviceTickets, 'add', undefined],
    [FN.serviceTickets, 'edit', undefined],
    [FN.serviceTickets, 'inquire', undefined],
    [FN.tableSetup, 'inquire', undefined],
    [FN.tableSetup, 'add', TABLE.priority],
    [FN.tableSetup, 'edit', TABLE.priority],
    [FN.tableSetup, 'add', TABLE.serviceBoard],
    [FN.tableSetup, 'add', TABLE.configuration],
  ] as const)('may %s %s (%s)', (fn, action, table) => {
    expect(evaluate(umbrella, need(fn, action, table))).toEqual({ allowed: true, scope: 'All' });
  });

  it.each([
    [
      FN.serviceTickets,
      'delete',
      undefined,
      'You do not have access to Service Desk → Service Tickets (Delete).',
    ],
    [FN.agreements, 'inquire', undefined, 'You do not have access to Finance → Agreements (Inquire).'],
    [
      FN.companyMaintenance,
      'add',
      undefined,
      'You do not have access to Companies → Company Maintenance (Add).',
    ],
    [
      FN.configurations,
      'delete',
      undefined,
      'You do not have access to Companies → Configurations (Delete).',
    ],
    [
      FN.closeServiceTickets,
      'edit',
      undefined,
      'You do not have access to Service Desk → Close Service Tickets (Edit).',
    ],
    [FN.securityRoles, 'inquire', undefined, 'You do not have access to System → Security Roles (Inquire).'],
    [FN.tableSetup, 'delete', TABLE.priority, 'You do not have access to System → Table Setup (Delete).'],
    [
      FN.tableSetup,
      'add',
      TABLE.source,
      "System → Table Setup → customize: 'Service / Source' is not in Allow Access to these.",
    ],
    [
      FN.tableSetup,
      'edit',
      TABLE.configurationStatus,
      "System → Table Setup → customize: 'Company / Configuration Status' is not in Allow Access to these.",
    ],
  ] as const)('may not %s %s (%s)', (fn, action, table, message) => {
    expect(evaluate(umbrella, need(fn, action, table))).toMatchObject({ allowed: false, message });
  });
});

describe('levelsFor / effectiveLevels', () => {
  it('defaults to None and returns stored levels untouched', () => {
    const r = role({ [FN.tableSetup]: { add: 'My' } }, { admin: true });
    expect(levelsFor(r, FN.agreements)).toEqual(NO_ACCESS);
    expect(levelsFor(r, FN.tableSetup)).toEqual({ ...NO_ACCESS, add: 'My' });
  });

  it('gives admins All, inactive roles None, and clamps an unoffered My to None', () => {
    const all: FunctionLevels = { add: 'All', edit: 'All', delete: 'All', inquire: 'All' };
    expect(effectiveLevels(role({}, { admin: true }), FN.agreements)).toEqual(all);
    expect(effectiveLevels(role({ [FN.agreements]: all }, { inactive: true }), FN.agreements)).toEqual(
      NO_ACCESS,
    );
    expect(effectiveLevels(role({ [FN.tableSetup]: { add: 'My', edit: 'All' } }), FN.tableSetup)).toEqual({
      ...NO_ACCESS,
      edit: 'All',
    });
    expect(effectiveLevels(role({ [FN.serviceTickets]: { add: 'My' } }), FN.serviceTickets).add).toBe('My');
    expect(effectiveLevels(role({}, { admin: true }), 'Nope/Nope')).toEqual(NO_ACCESS);
  });
});

describe('validateRole', () => {
  it('accepts a clean role', () => {
    expect(validateRole(role({ [FN.serviceTickets]: { edit: 'My' } }, { tables: [TABLE.priority] }))).toEqual(
      [],
    );
  });

  it('reports what the Security Roles screen could not have produced', () => {
    const r = role(
      { 'Nope/Nope': { add: 'All' }, [FN.tableSetup]: { add: 'My', edit: 'Full' as Level } },
      {
        tables: ['Service/Nope'],
      },
    );
    const allowed = new Map(r.allowed);
    allowed.set('WhatIsThis', new Set(['x']));
    expect(validateRole({ ...r, allowed })).toEqual([
      "Unknown function 'Nope/Nope'.",
      'System → Table Setup: Add level My is not offered by this function.',
      'System → Table Setup: Edit level is not None, My or All.',
      "Unknown Table Setup table 'Service/Nope'.",
      "Unknown customize list 'WhatIsThis'.",
    ]);
  });
});

describe('evaluate: properties', () => {
  const fnIds = ALL_FUNCTIONS.map((f) => f.id);
  const tableIds = TABLE_SETUP_ITEMS.map((i) => i.id);
  const level = fc.constantFrom<Level>(...LEVELS);
  const levelsArb: fc.Arbitrary<FunctionLevels> = fc.record({
    add: level,
    edit: level,
    delete: level,
    inquire: level,
  });
  const anyFn = fc.oneof(fc.constantFrom(...fnIds), fc.string());
  const anyTable = fc.oneof(fc.constantFrom(...tableIds), fc.string());
  const snapshot: fc.Arbitrary<RoleSnapshot> = fc.record({
    adminFlag: fc.boolean(),
    inactiveFlag: fc.boolean(),
    levels: fc.array(fc.tuple(anyFn, levelsArb), { maxLength: 30 }).map((es) => new Map(es)),
    allowed: fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom<string>(...CUSTOMIZE_IDS), fc.string()),
          fc.array(anyTable, { maxLength: 10 }).map((xs) => new Set(xs) as ReadonlySet<string>),
        ),
        { maxLength: 4 },
      )
      .map((es) => new Map(es)),
  });
  const requirement: fc.Arbitrary<Requirement> = fc
    .tuple(anyFn, fc.constantFrom<Action>(...ACTIONS), fc.option(anyTable, { nil: undefined }))
    .map(([f, a, t]) => need(f, a, t));
  // Random roles rarely mention the one function asked about, so most cases would stop at "None";
  // usually give the role levels (and the table) for exactly what is asked.
  const scenario: fc.Arbitrary<[RoleSnapshot, Requirement]> = fc
    .tuple(snapshot, requirement, fc.option(levelsArb, { freq: 4, nil: undefined }), fc.boolean())
    .map(([r, n, own, grantTable]) => {
      const levels = new Map(r.levels);
      if (own !== undefined) levels.set(n.function, own);
      const allowed = new Map(r.allowed);
      if (grantTable && n.tableSetupItem !== undefined) {
        allowed.set(
          'SystemTableSetup',
          new Set([...(r.allowed.get('SystemTableSetup') ?? []), n.tableSetupItem]),
        );
      }
      return [{ ...r, levels, allowed }, n];
    });

  it('never throws, and every denial names the function and action it was asked about', () => {
    fc.assert(
      fc.property(scenario, ([r, n]) => {
        const d = evaluate(r, n);
        if (!d.allowed) {
          expect(d.function).toBe(n.function);
          expect(d.action).toBe(n.action);
          expect(d.tableSetupItem).toBe(n.tableSetupItem);
          expect(d.message.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('allows an active admin role everything, with scope All', () => {
    fc.assert(
      fc.property(scenario, ([r, n]) => {
        expect(evaluate({ ...r, adminFlag: true, inactiveFlag: false }, n)).toEqual({
          allowed: true,
          scope: 'All',
        });
      }),
    );
  });

  it('denies an inactive role everything', () => {
    fc.assert(fc.property(scenario, ([r, n]) => !evaluate({ ...r, inactiveFlag: true }, n).allowed));
  });

  it('denies a non-admin role whose level for the action is None', () => {
    fc.assert(
      fc.property(scenario, ([r, n]) => {
        const active = { ...r, adminFlag: false };
        fc.pre(levelsFor(active, n.function)[n.action] === 'None');
        expect(evaluate(active, n).allowed).toBe(false);
      }),
    );
  });

  it('allows a non-admin role only up to its effective level, and only for allowed tables', () => {
    fc.assert(
      fc.property(scenario, ([r, n]) => {
        const active = { ...r, adminFlag: false };
        const d = evaluate(active, n);
        if (!d.allowed) return;
        expect(d.scope).toBe(effectiveLevels(active, n.function)[n.action]);
        if (n.tableSetupItem !== undefined) {
          expect(active.allowed.get('SystemTableSetup')?.has(n.tableSetupItem)).toBe(true);
        }
      }),
    );
  });
});
