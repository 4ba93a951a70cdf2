// ConnectWise shapes of role settings, mySecurity and customizeItems.

import { describe, expect, it } from 'vitest';
import { NO_ACCESS } from './evaluate.js';
import { ALL_FUNCTIONS, FN, MODULES } from './modules.js';
import { ADMIN_ROLE, ARTICLE_ROLE, presetToSnapshot } from './presets.js';
import {
  functionBySettingId,
  mySecurity,
  mySecurityCustomizeItems,
  securityRoleSetting,
  securityRoleSettings,
  settingIdOf,
} from './render.js';
import { TABLE, TABLE_SETUP_ITEMS } from './table-setup.js';
import type { CustomizeId, RoleSnapshot } from './types.js';

const umbrella = presetToSnapshot(ARTICLE_ROLE);
const member = { id: 7, identifier: 'Umbrella', name: 'Umbrella PSA Integration' };

describe('setting ids', () => {
  it('are module index × 1000 + function index + 1, unique and reversible', () => {
    expect(settingIdOf(FN.companyMaintenance)).toBe(2);
    expect(settingIdOf(FN.serviceTickets)).toBe(1019);
    expect(settingIdOf('ServiceDesk/AgileBoard')).toBe(1001);
    expect(settingIdOf('System/AddLicenses')).toBe(2001);
    expect(settingIdOf(FN.tableSetup)).toBe(2021);
    expect(settingIdOf('Nope/Nope')).toBeUndefined();
    const ids = ALL_FUNCTIONS.map((f) => settingIdOf(f.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of ALL_FUNCTIONS) expect(functionBySettingId(settingIdOf(f.id) ?? 0)).toBe(f);
    expect(functionBySettingId(999)).toBeUndefined();
  });
});

describe('securityRoleSettings', () => {
  const settings = securityRoleSettings(umbrella.levels, {
    lastUpdated: '2020-02-03T10:00:00Z',
    updatedBy: 'admin',
  });

  it('has one setting per function in catalogue order', () => {
    expect(settings.map((s) => s.moduleFunctionIdentifier)).toEqual(ALL_FUNCTIONS.map((f) => f.id));
    expect(settings.map((s) => s.moduleName)).toEqual(MODULES.flatMap((m) => m.functions.map(() => m.name)));
  });

  it("renders the article's Service Tickets row", () => {
    expect(settings.find((s) => s.moduleFunctionIdentifier === FN.serviceTickets)).toEqual({
      id: 1019,
      addLevel: 'All',
      editLevel: 'All',
      deleteLevel: 'None',
      inquireLevel: 'All',
      moduleFunctionName: 'Service Tickets',
      moduleFunctionDescription: 'Service Tickets',
      myAllFlag: true,
      moduleFunctionIdentifier: 'ServiceDesk/ServiceTickets',
      reportFlag: false,
      restrictFlag: false,
      customFlag: false,
      moduleDescription: 'Service Desk',
      moduleIdentifier: 'ServiceDesk',
      moduleName: 'Service Desk',
      sortOrder: 19,
      _info: { lastUpdated: '2020-02-03T10:00:00Z', updatedBy: 'admin' },
    });
  });

  it('flags customize and report functions and shows unmentioned functions as None', () => {
    const table = settings.find((s) => s.moduleFunctionIdentifier === FN.tableSetup);
    expect(table).toMatchObject({ customFlag: true, myAllFlag: false, addLevel: 'All', deleteLevel: 'None' });
    const reports = settings.find((s) => s.moduleFunctionIdentifier === 'ServiceDesk/Reports');
    expect(reports).toMatchObject({ customFlag: true, reportFlag: true });
    const agreements = settings.find((s) => s.moduleFunctionIdentifier === FN.agreements);
    expect(agreements).toMatchObject({
      addLevel: 'None',
      editLevel: 'None',
      deleteLevel: 'None',
      inquireLevel: 'None',
    });
  });

  it('never puts undefined or null into _info', () => {
    const bare = securityRoleSettings(new Map());
    expect(bare.every((s) => Object.keys(s._info).length === 0)).toBe(true);
    expect(JSON.stringify(securityRoleSettings(umbrella.levels, { lastUpdated: 'x' })[0]?._info)).toBe(
      '{"lastUpdated":"x"}',
    );
  });

  it('finds one setting by id', () => {
    expect(securityRoleSetting(umbrella.levels, 2)).toMatchObject({
      moduleFunctionIdentifier: FN.companyMaintenance,
      inquireLevel: 'All',
      addLevel: 'None',
    });
    expect(securityRoleSetting(umbrella.levels, 424242)).toBeUndefined();
  });
});

describe('mySecurity', () => {
  it('reports effective levels with the member', () => {
    const rows = mySecurity(umbrella, member);
    expect(rows).toHaveLength(ALL_FUNCTIONS.length);
    expect(rows.every((r) => r.member === member)).toBe(true);
    expect(rows.find((r) => r.moduleFunctionIdentifier === FN.configurations)).toMatchObject({
      addLevel: 'All',
      editLevel: 'All',
      deleteLevel: 'None',
      inquireLevel: 'All',
    });
  });

  it('shows All for an admin and None for My where the function offers none', () => {
    const admin = mySecurity(presetToSnapshot(ADMIN_ROLE), member);
    expect(admin.every((r) => r.addLevel === 'All' && r.inquireLevel === 'All')).toBe(true);
    const odd: RoleSnapshot = {
      ...umbrella,
      levels: new Map([[FN.tableSetup, { ...NO_ACCESS, inquire: 'My' as const }]]),
    };
    expect(
      mySecurity(odd, member).find((r) => r.moduleFunctionIdentifier === FN.tableSetup)?.inquireLevel,
    ).toBe('None');
  });
});

describe('mySecurityCustomizeItems', () => {
  it("lists the article role's three tables in dialog order", () => {
    expect(mySecurityCustomizeItems(umbrella)).toEqual([
      { id: 1, customizeIdentifier: 'SystemTableSetup', itemIdentifier: TABLE.configuration },
      { id: 2, customizeIdentifier: 'SystemTableSetup', itemIdentifier: TABLE.priority },
      { id: 3, customizeIdentifier: 'SystemTableSetup', itemIdentifier: TABLE.serviceBoard },
    ]);
  });

  it('lists dynamic lists sorted, in ConnectWise customize order, and drops unknown lists and tables', () => {
    const allowed = new Map<CustomizeId, ReadonlySet<string>>([
      ['SystemTableSetup', new Set(['Service/Nope', TABLE.source])],
      ['Bogus', new Set(['x'])],
      ['CompanyConfigurations', new Set(['Managed Workstation', 'Managed Server'])],
    ]);
    expect(mySecurityCustomizeItems({ ...umbrella, allowed })).toEqual([
      { id: 1, customizeIdentifier: 'CompanyConfigurations', itemIdentifier: 'Managed Server' },
      { id: 2, customizeIdentifier: 'CompanyConfigurations', itemIdentifier: 'Managed Workstation' },
      { id: 3, customizeIdentifier: 'SystemTableSetup', itemIdentifier: TABLE.source },
    ]);
  });

  it('gives admins every table and inactive roles nothing', () => {
    const admin = { ...umbrella, adminFlag: true, allowed: new Map() };
    expect(mySecurityCustomizeItems(admin).map((i) => i.itemIdentifier)).toEqual(
      TABLE_SETUP_ITEMS.map((i) => i.id),
    );
    expect(mySecurityCustomizeItems({ ...umbrella, inactiveFlag: true })).toEqual([]);
  });
});
