// Built-in roles: the article's role exactly as §0 sets it up, admin and read-only.

import { describe, expect, it } from 'vitest';
import { evaluate, levelsFor, NO_ACCESS, validateRole } from './evaluate.js';
import { ALL_FUNCTIONS, FN } from './modules.js';
import { ADMIN_ROLE, ARTICLE_ROLE, PRESETS, presetToSnapshot, READ_ONLY_ROLE } from './presets.js';
import { TABLE, TABLE_SETUP_ITEMS } from './table-setup.js';

describe('presetToSnapshot', () => {
  it('fills missing actions with None and turns allow-lists into sets', () => {
    const s = presetToSnapshot({
      name: 'x',
      adminFlag: false,
      inactiveFlag: true,
      levels: { [FN.contacts]: { edit: 'My' } },
      allowed: { SystemTableSetup: [TABLE.priority] },
    });
    expect(s.adminFlag).toBe(false);
    expect(s.inactiveFlag).toBe(true);
    expect(s.levels.get(FN.contacts)).toEqual({ ...NO_ACCESS, edit: 'My' });
    expect(s.allowed.get('SystemTableSetup')).toEqual(new Set([TABLE.priority]));
  });

  it.each(PRESETS.map((p) => [p.name, p] as const))('%s is a valid role', (_name, preset) => {
    expect(validateRole(presetToSnapshot(preset))).toEqual([]);
  });
});

describe('ARTICLE_ROLE', () => {
  const s = presetToSnapshot(ARTICLE_ROLE);

  it('is the "Umbrella" role with exactly the levels of the article', () => {
    expect(ARTICLE_ROLE.name).toBe('Umbrella');
    expect(s.adminFlag).toBe(false);
    expect(s.inactiveFlag).toBe(false);
    const configured = Object.fromEntries(
      ALL_FUNCTIONS.map((f) => [f.id, levelsFor(s, f.id)]).filter(
        ([, l]) => JSON.stringify(l) !== JSON.stringify(NO_ACCESS),
      ),
    );
    expect(configured).toEqual({
      'Companies/CompanyMaintenance': { add: 'None', edit: 'None', delete: 'None', inquire: 'All' },
      'Companies/Configurations': { add: 'All', edit: 'All', delete: 'None', inquire: 'All' },
      'ServiceDesk/ServiceTickets': { add: 'All', edit: 'All', delete: 'None', inquire: 'All' },
      'System/TableSetup': { add: 'All', edit: 'All', delete: 'None', inquire: 'All' },
    });
  });

  it('allows exactly Company / Configuration, Service / Priority and Service / Service Board', () => {
    expect([...s.allowed.keys()]).toEqual(['SystemTableSetup']);
    expect(s.allowed.get('SystemTableSetup')).toEqual(
      new Set(['Company/Configuration', 'Service/Priority', 'Service/ServiceBoard']),
    );
  });

  it('leaves the article\'s dialog showing the same top of "Disallow Access to these"', () => {
    const allowed = s.allowed.get('SystemTableSetup') ?? new Set();
    const disallowed = TABLE_SETUP_ITEMS.filter((i) => !allowed.has(i.id)).map((i) => i.label);
    expect(disallowed.slice(0, 9)).toEqual([
      'Activities / Activity Status-CRM',
      'Activities / Activity Type',
      'Agreements / Agreement Type',
      'Agreements / Batch',
      'Company / Address Formats',
      'Company / Company Status',
      'Company / Company Type',
      'Company / Configuration Status',
      'Company / Country',
    ]);
    expect(TABLE_SETUP_ITEMS.filter((i) => allowed.has(i.id)).map((i) => i.label)).toEqual([
      'Company / Configuration',
      'Service / Priority',
      'Service / Service Board',
    ]);
  });
});

describe('ADMIN_ROLE', () => {
  const s = presetToSnapshot(ADMIN_ROLE);

  it('is an admin role showing All everywhere and every table allowed', () => {
    expect(s.adminFlag).toBe(true);
    for (const f of ALL_FUNCTIONS)
      expect(levelsFor(s, f.id)).toEqual({ add: 'All', edit: 'All', delete: 'All', inquire: 'All' });
    expect(s.allowed.get('SystemTableSetup')?.size).toBe(TABLE_SETUP_ITEMS.length);
    expect(evaluate(s, { function: FN.agreements, action: 'delete' })).toEqual({
      allowed: true,
      scope: 'All',
    });
  });
});

describe('READ_ONLY_ROLE', () => {
  const s = presetToSnapshot(READ_ONLY_ROLE);

  it.each(ALL_FUNCTIONS.map((f) => f.id))('may inquire but not change %s', (fnId) => {
    expect(evaluate(s, { function: fnId, action: 'inquire' })).toEqual({ allowed: true, scope: 'All' });
    for (const action of ['add', 'edit', 'delete'] as const) {
      expect(evaluate(s, { function: fnId, action }).allowed).toBe(false);
    }
  });

  it('may read setup tables but not write them', () => {
    expect(
      evaluate(s, { function: FN.tableSetup, action: 'inquire', tableSetupItem: TABLE.source }).allowed,
    ).toBe(true);
    expect(
      evaluate(s, { function: FN.tableSetup, action: 'add', tableSetupItem: TABLE.source }).allowed,
    ).toBe(false);
  });
});
