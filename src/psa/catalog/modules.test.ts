// Catalogue integrity: ids, order, customize lists, and the article's Service Desk / System screenshots.

import { describe, expect, it } from 'vitest';
import {
  ALL_FUNCTIONS,
  CUSTOMIZE,
  CUSTOMIZE_IDS,
  FN,
  findFunction,
  findModule,
  functionOfCustomize,
  functionPath,
  functionsById,
  isKnownCustomizeId,
  MODULES,
  moduleOf,
} from './modules.js';

// Rows of the Service Desk and System grids in the Italian and German versions of the article,
// top to bottom; "(customize)" marks a row with an allow-list link.
const SEED_SERVICE_DESK = [
  'Agile Board',
  'Change Approvals',
  'ChangeManagement',
  'Close Service Tickets',
  'CloudConsole',
  'ConnectWise Chat',
  'ConnectWise Control',
  'ConnectWise Manage Network',
  'ITBoost',
  'Knowledge Base Approver',
  'Knowledge Base Creator',
  'Launch Remote Access',
  'Merge Tickets',
  'Print Service Signoff',
  'Reports (customize)',
  'Resource Scheduling (customize)',
  'Service Dashboard',
  'Service Ticket - Dependencies',
  'Service Tickets',
  'Service Tickets - Finance',
  'SLA Dashboard',
  'Ticket Templates',
];

const SEED_SYSTEM = [
  'Add Licenses',
  'API Reports',
  'Chat with ConnectWise Manage Support',
  'ConnectWise Manage Labs',
  'ConnectWise Next',
  'ConnectWise Now',
  'Custom Menu Entry (customize)',
  'Data Import',
  'Email Audit',
  'Health Dashboard',
  'List View Export',
  'Manage Hosted API (customize)',
  'Marketplace Sharing',
  'Mass Maintenance (customize)',
  'Member Maintenance',
  'My Account (customize)',
  'My Company',
  'Report Writer',
  'Security Roles',
  'System Reports (customize)',
  'Table Setup (customize)',
];

/** How the grid shows a function: its name, plus "(customize)" when it carries an allow-list. */
function screenLabel(moduleId: string): string[] {
  const mod = findModule(moduleId);
  if (mod === undefined) throw new Error(`no module ${moduleId}`);
  return mod.functions.map((f) => (f.customize === undefined ? f.name : `${f.name} (customize)`));
}

describe('modules', () => {
  it("lists the eight modules in ConnectWise's order", () => {
    expect(MODULES.map((m) => m.name)).toEqual([
      'Companies',
      'Service Desk',
      'System',
      'Finance',
      'Procurement',
      'Project',
      'Sales',
      'Time & Expense',
    ]);
    expect(MODULES.map((m) => m.id)).toEqual([
      'Companies',
      'ServiceDesk',
      'System',
      'Finance',
      'Procurement',
      'Project',
      'Sales',
      'TimeAndExpense',
    ]);
  });

  it('has unique, well-formed function ids prefixed by their module', () => {
    const ids = ALL_FUNCTIONS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of MODULES) {
      expect(m.id).toMatch(/^[A-Z][A-Za-z]*$/);
      for (const f of m.functions) expect(f.id).toMatch(new RegExp(`^${m.id}/[A-Z][A-Za-z0-9]*$`));
    }
    expect(functionsById.size).toBe(ids.length);
  });

  it('has unique positive sortOrders per module, increasing in screen order', () => {
    for (const m of MODULES) {
      const orders = m.functions.map((f) => f.sortOrder);
      expect(new Set(orders).size, m.name).toBe(orders.length);
      expect(orders.every((o) => Number.isInteger(o) && o > 0)).toBe(true);
      expect([...orders].sort((a, b) => a - b)).toEqual(orders);
    }
  });

  it('lists functions case-insensitively alphabetical, as the Security Roles grid does', () => {
    for (const m of MODULES) {
      const names = m.functions.map((f) => f.name.toLowerCase());
      expect(names, m.name).toEqual([...names].sort());
    }
  });

  it("reproduces the article's Service Desk grid row for row", () => {
    expect(screenLabel('ServiceDesk')).toEqual(SEED_SERVICE_DESK);
  });

  it("reproduces the article's System grid row for row", () => {
    expect(screenLabel('System')).toEqual(SEED_SYSTEM);
  });

  it('contains the functions integration vendors name', () => {
    const names = (moduleId: string) => findModule(moduleId)?.functions.map((f) => f.name) ?? [];
    expect(names('Companies')).toEqual(
      expect.arrayContaining([
        'Company Maintenance',
        'Configurations',
        'Contacts',
        'Manage Attachments',
        'Team Members',
        'Reports',
      ]),
    );
    expect(names('Finance')).toEqual(
      expect.arrayContaining(['Agreements', 'Invoicing', 'Billing View Time']),
    );
    expect(names('Procurement')).toEqual(expect.arrayContaining(['Products', 'Product Catalog']));
    expect(names('Project')).toEqual(
      expect.arrayContaining(['Project Tickets', 'Close Project Tickets', 'Project Ticket Tasks']),
    );
    expect(names('Sales')).toEqual(expect.arrayContaining(['Opportunity']));
    expect(names('TimeAndExpense')).toEqual(
      expect.arrayContaining(['Time Entry', 'Time Entry Billable Option']),
    );
  });

  it('uses only known customize ids, each on exactly one function', () => {
    const used = ALL_FUNCTIONS.flatMap((f) => (f.customize === undefined ? [] : [f.customize]));
    for (const id of used) expect(isKnownCustomizeId(id), id).toBe(true);
    expect(new Set(used).size).toBe(used.length);
    // Every list ConnectWise knows is reachable, except Marketing's (no Marketing module here).
    expect(new Set(used)).toEqual(new Set(CUSTOMIZE_IDS.filter((id) => id !== 'MarketingReports')));
    for (const id of Object.values(CUSTOMIZE)) expect(isKnownCustomizeId(id)).toBe(true);
    expect(isKnownCustomizeId('Nope')).toBe(false);
  });

  it.each([
    ['Companies/Configurations', 'CompanyConfigurations'],
    ['Companies/Reports', 'CompanyReports'],
    ['ServiceDesk/Reports', 'ServiceReports'],
    ['ServiceDesk/ResourceScheduling', 'ServiceResourceScheduling'],
    ['System/CustomMenuEntry', 'SystemCustomMenuEntry'],
    ['System/ManageHostedApi', 'SystemManageHostedApi'],
    ['System/MassMaintenance', 'SystemMassMaintenance'],
    ['System/MyAccount', 'SystemMyAccount'],
    ['System/SystemReports', 'SystemReports'],
    ['System/TableSetup', 'SystemTableSetup'],
    ['Finance/Agreements', 'FinanceAgreements'],
    ['Project/ProjectScheduling', 'ProjectScheduling'],
    ['TimeAndExpense/Reports', 'TimeAndExpenseReports'],
  ])('%s carries the %s allow-list', (fnId, customizeId) => {
    expect(findFunction(fnId)?.customize).toBe(customizeId);
    expect(functionOfCustomize(customizeId)?.id).toBe(fnId);
  });

  it('names only catalogue functions in FN', () => {
    for (const [key, id] of Object.entries(FN)) expect(findFunction(id), key).toBeDefined();
    expect(FN).toMatchObject({
      companyMaintenance: 'Companies/CompanyMaintenance',
      configurations: 'Companies/Configurations',
      serviceTickets: 'ServiceDesk/ServiceTickets',
      closeServiceTickets: 'ServiceDesk/CloseServiceTickets',
      tableSetup: 'System/TableSetup',
      securityRoles: 'System/SecurityRoles',
      memberMaintenance: 'System/MemberMaintenance',
      agreements: 'Finance/Agreements',
    });
  });

  it('looks functions and modules up', () => {
    expect(findFunction('ServiceDesk/ServiceTickets')).toMatchObject({
      name: 'Service Tickets',
      myAllowed: true,
    });
    expect(findFunction('System/TableSetup')).toMatchObject({
      myAllowed: false,
      customize: 'SystemTableSetup',
    });
    expect(findFunction('ServiceDesk/Nope')).toBeUndefined();
    expect(moduleOf('ServiceDesk/ServiceTickets')?.name).toBe('Service Desk');
    expect(moduleOf('Finance/Agreements')?.id).toBe('Finance');
    expect(moduleOf('nope')).toBeUndefined();
    expect(functionPath('ServiceDesk/ServiceTickets')).toBe('Service Desk → Service Tickets');
    expect(functionPath('System/TableSetup')).toBe('System → Table Setup');
    expect(functionPath('Weird/Thing')).toBe('Weird/Thing');
  });

  it('is frozen, so no caller can change the catalogue for everyone', () => {
    expect(Object.isFrozen(MODULES)).toBe(true);
    for (const m of MODULES) {
      expect(Object.isFrozen(m)).toBe(true);
      expect(Object.isFrozen(m.functions)).toBe(true);
      for (const f of m.functions) expect(Object.isFrozen(f)).toBe(true);
    }
  });
});
