// "Rights ≤ own rights": a case table over flags, levels (All > My > None, My clamped where a
// function offers none) and allow-lists, then properties: reflexive, transitive, and consistent
// with evaluate (a role within another is never allowed anything the other is refused).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, NO_ACCESS } from './evaluate.js';
import { ALL_FUNCTIONS, FN } from './modules.js';
import { ADMIN_ROLE, ARTICLE_ROLE, PRESETS, presetToSnapshot, READ_ONLY_ROLE } from './presets.js';
import { describeExcess, excessField, rightsBeyond, roleWithin } from './privilege.js';
import { TABLE, TABLE_SETUP_ITEMS } from './table-setup.js';
import { ACTIONS, type CustomizeId, type FunctionLevels, LEVELS, type RoleSnapshot } from './types.js';

function role(
  levels: Record<string, Partial<FunctionLevels>> = {},
  o: { admin?: boolean; inactive?: boolean; allowed?: Record<string, string[]> } = {},
): RoleSnapshot {
  return {
    adminFlag: o.admin ?? false,
    inactiveFlag: o.inactive ?? false,
    levels: new Map(Object.entries(levels).map(([id, l]) => [id, { ...NO_ACCESS, ...l }])),
    allowed: new Map<CustomizeId, ReadonlySet<string>>(
      Object.entries(o.allowed ?? {}).map(([k, v]) => [k, new Set(v)]),
    ),
  };
}

const T = FN.serviceTickets;
const TS = FN.tableSetup;
const tables = (...items: string[]) => ({ SystemTableSetup: items });

// [name, holder, candidate, expected excess fields (empty: candidate ⊆ holder)]
const CASES: Array<[string, RoleSnapshot, RoleSnapshot, string[]]> = [
  ['empty ⊆ empty', role(), role(), []],
  ['equal levels', role({ [T]: { add: 'All' } }), role({ [T]: { add: 'All' } }), []],
  ['All covers My', role({ [T]: { inquire: 'All' } }), role({ [T]: { inquire: 'My' } }), []],
  ['My covers None', role({ [T]: { inquire: 'My' } }), role({ [T]: { inquire: 'None' } }), []],
  [
    'My does not cover All',
    role({ [T]: { inquire: 'My' } }),
    role({ [T]: { inquire: 'All' } }),
    [`levels/${T}/inquire`],
  ],
  ['None does not cover My', role(), role({ [T]: { edit: 'My' } }), [`levels/${T}/edit`]],
  [
    'each action on its own',
    role({ [T]: { add: 'All', edit: 'All', inquire: 'All' } }),
    role({ [T]: { add: 'All', edit: 'All', delete: 'My', inquire: 'All' } }),
    [`levels/${T}/delete`],
  ],
  ['My on a function without My grants nothing', role(), role({ [TS]: { add: 'My' } }), []],
  [
    "the holder's My without My counts as None",
    role({ [TS]: { add: 'My' } }),
    role({ [TS]: { add: 'All' } }),
    [`levels/${TS}/add`],
  ],
  [
    'admin candidate, non-admin holder',
    role({ [T]: { add: 'All' } }),
    role({}, { admin: true }),
    ['adminFlag'],
  ],
  ['admin holder covers admin', role({}, { admin: true }), role({}, { admin: true }), []],
  [
    'admin holder covers every level and item',
    role({}, { admin: true }),
    presetToSnapshot(READ_ONLY_ROLE),
    [],
  ],
  [
    'inactive admin holder covers nothing',
    role({}, { admin: true, inactive: true }),
    role({ [T]: { add: 'My' } }),
    [`levels/${T}/add`],
  ],
  [
    'inactive candidate is judged as if active',
    role(),
    role({ [T]: { delete: 'All' } }, { inactive: true }),
    [`levels/${T}/delete`],
  ],
  [
    'inactive admin candidate is still an admin role',
    role({ [T]: { add: 'All' } }),
    role({}, { admin: true, inactive: true }),
    ['adminFlag'],
  ],
  [
    'allow-list subset',
    role({}, { allowed: tables(TABLE.priority, TABLE.serviceBoard) }),
    role({}, { allowed: tables(TABLE.priority) }),
    [],
  ],
  [
    'allow-list item beyond the holder',
    role({}, { allowed: tables(TABLE.priority) }),
    role({}, { allowed: tables(TABLE.priority, TABLE.sla) }),
    ['allowLists/SystemTableSetup'],
  ],
  [
    'allow-list items count without any level',
    role(),
    role({}, { allowed: { CompanyConfigurations: ['Firewall'] } }),
    ['allowLists/CompanyConfigurations'],
  ],
  ['unknown functions grant nothing', role(), role({ 'Nowhere/Nothing': { add: 'All' } }), []],
  [
    'the article role within the read-only role? no: it adds and edits',
    presetToSnapshot(READ_ONLY_ROLE),
    presetToSnapshot(ARTICLE_ROLE),
    [
      `levels/${FN.configurations}/add`,
      `levels/${FN.configurations}/edit`,
      `levels/${T}/add`,
      `levels/${T}/edit`,
      `levels/${TS}/add`,
      `levels/${TS}/edit`,
    ],
  ],
];

describe('rightsBeyond: case table', () => {
  it.each(CASES)('%s', (_name, holder, candidate, fields) => {
    const excess = rightsBeyond(holder, candidate);
    expect(excess.map(excessField).sort()).toEqual([...fields].sort());
    expect(roleWithin(candidate, holder)).toBe(fields.length === 0);
  });

  it('names what is refused the way the Security Roles screen shows it', () => {
    const [level] = rightsBeyond(role({ [T]: { delete: 'My' } }), role({ [T]: { delete: 'All' } }));
    expect(describeExcess(level!)).toBe('Service Desk → Service Tickets (Delete) All, yours My');
    const [item] = rightsBeyond(role(), role({}, { allowed: tables(TABLE.sla) }));
    expect(describeExcess(item!)).toBe("SystemTableSetup → 'Service / SLA'");
    expect(describeExcess({ kind: 'adminFlag' })).toContain('Admin');
  });

  it('every preset is within the admin role, and the admin role within no other', () => {
    const adminRole = presetToSnapshot(ADMIN_ROLE);
    for (const p of PRESETS) expect(roleWithin(presetToSnapshot(p), adminRole)).toBe(true);
    for (const p of PRESETS.filter((x) => !x.adminFlag))
      expect(roleWithin(adminRole, presetToSnapshot(p))).toBe(false);
  });
});

const level = fc.constantFrom(...LEVELS);
const someFunctions = ALL_FUNCTIONS.slice(0, 12).map((f) => f.id);
const arbRole: fc.Arbitrary<RoleSnapshot> = fc
  .record({
    admin: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    inactive: fc.constant(false),
    levels: fc.dictionary(
      fc.constantFrom(...someFunctions, T, TS),
      fc.record({ add: level, edit: level, delete: level, inquire: level }),
    ),
    items: fc.subarray(TABLE_SETUP_ITEMS.slice(0, 6).map((i) => i.id)),
  })
  .map((r) => role(r.levels, { admin: r.admin, allowed: tables(...r.items) }));

describe('rightsBeyond: properties', () => {
  it('every role is within itself', () => {
    fc.assert(fc.property(arbRole, (r) => roleWithin(r, r)));
  });

  it('within is transitive', () => {
    fc.assert(
      fc.property(arbRole, arbRole, arbRole, (a, b, c) => {
        if (roleWithin(a, b) && roleWithin(b, c)) return roleWithin(a, c);
        return true;
      }),
    );
  });

  it('a role within another is allowed nothing the other is refused', () => {
    fc.assert(
      fc.property(arbRole, arbRole, (candidate, holder) => {
        if (!roleWithin(candidate, holder)) return true;
        for (const fn of [...someFunctions, T, TS]) {
          for (const action of ACTIONS) {
            for (const item of [undefined, TABLE_SETUP_ITEMS[0]!.id]) {
              const need =
                item === undefined
                  ? { function: fn, action }
                  : { function: fn, action, tableSetupItem: item };
              const c = evaluate(candidate, need);
              const h = evaluate(holder, need);
              if (c.allowed && !h.allowed) return false;
              if (c.allowed && h.allowed && c.scope === 'All' && h.scope === 'My') return false;
            }
          }
        }
        return true;
      }),
    );
  });
});
