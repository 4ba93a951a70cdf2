// The module → function catalogue of the Security Roles screen, as data (PSA-1), with lookups.

import type { CustomizeId, FunctionDef, ModuleDef } from './types.js';

/**
 * Every customize allow-list ConnectWise knows (`MySecurityCustomizeItem.customizeIdentifier`), in
 * ConnectWise's own order. `MarketingReports` is listed although Parasol has no Marketing module, so a
 * stored allow-list under that id is recognised rather than reported as garbage.
 */
export const CUSTOMIZE_IDS = [
  'CompanyReports',
  'FinanceReports',
  'MarketingReports',
  'ProcurementReports',
  'ProjectReports',
  'SalesReports',
  'ServiceReports',
  'SystemReports',
  'TimeAndExpenseReports',
  'CompanyConfigurations',
  'FinanceAgreements',
  'ProjectScheduling',
  'ServiceResourceScheduling',
  'SystemManageHostedApi',
  'SystemMyAccount',
  'SystemCustomMenuEntry',
  'SystemMassMaintenance',
  'SystemTableSetup',
] as const satisfies readonly CustomizeId[];

export type KnownCustomizeId = (typeof CUSTOMIZE_IDS)[number];

const knownCustomize: ReadonlySet<string> = new Set(CUSTOMIZE_IDS);

export function isKnownCustomizeId(id: string): id is KnownCustomizeId {
  return knownCustomize.has(id);
}

/** Named customize ids, so callers never spell them by hand. */
export const CUSTOMIZE = {
  companyReports: 'CompanyReports',
  companyConfigurations: 'CompanyConfigurations',
  serviceReports: 'ServiceReports',
  serviceResourceScheduling: 'ServiceResourceScheduling',
  systemCustomMenuEntry: 'SystemCustomMenuEntry',
  systemManageHostedApi: 'SystemManageHostedApi',
  systemMassMaintenance: 'SystemMassMaintenance',
  systemMyAccount: 'SystemMyAccount',
  systemReports: 'SystemReports',
  systemTableSetup: 'SystemTableSetup',
  financeAgreements: 'FinanceAgreements',
  financeReports: 'FinanceReports',
  procurementReports: 'ProcurementReports',
  projectReports: 'ProjectReports',
  projectScheduling: 'ProjectScheduling',
  salesReports: 'SalesReports',
  timeAndExpenseReports: 'TimeAndExpenseReports',
} as const satisfies Record<string, KnownCustomizeId>;

interface RowOptions {
  /** The function offers the `My` level (records a member owns or is assigned to). */
  my?: true;
  customize?: KnownCustomizeId;
  report?: true;
  description?: string;
}

/** `[function id without module, display name, options]`; the position gives the sortOrder. */
type Row = readonly [local: string, name: string, options?: RowOptions];

// Rows are written in screen order (case-insensitive alphabetical, as ConnectWise lists them); the
// catalogue test checks that order, so a new row in the wrong place fails loudly.
function defineModule(id: string, name: string, rows: readonly Row[]): ModuleDef {
  const functions = rows.map(([local, fnName, o = {}], index): FunctionDef => {
    const fn: FunctionDef = {
      id: `${id}/${local}`,
      name: fnName,
      myAllowed: o.my === true,
      sortOrder: index + 1,
    };
    if (o.customize !== undefined) fn.customize = o.customize;
    if (o.report === true) fn.report = true;
    if (o.description !== undefined) fn.description = o.description;
    return Object.freeze(fn);
  });
  return Object.freeze({ id, name, functions: Object.freeze(functions) as FunctionDef[] });
}

/** The catalogue, in ConnectWise's module order on the Security Roles screen. */
export const MODULES: readonly ModuleDef[] = Object.freeze([
  defineModule('Companies', 'Companies', [
    ['CompanyFinance', 'Company Finance', { my: true }],
    ['CompanyMaintenance', 'Company Maintenance', { my: true }],
    [
      'Configurations',
      'Configurations',
      {
        my: true,
        customize: 'CompanyConfigurations',
        description: 'Configurations; customize limits the configuration types the role may use',
      },
    ],
    ['Contacts', 'Contacts', { my: true }],
    ['ManageAttachments', 'Manage Attachments'],
    ['Reports', 'Reports', { customize: 'CompanyReports', report: true }],
    ['TeamMembers', 'Team Members'],
  ]),
  // Exactly the rows of the article's Service Desk screenshot.
  defineModule('ServiceDesk', 'Service Desk', [
    ['AgileBoard', 'Agile Board'],
    ['ChangeApprovals', 'Change Approvals'],
    ['ChangeManagement', 'ChangeManagement'],
    ['CloseServiceTickets', 'Close Service Tickets', { my: true }],
    ['CloudConsole', 'CloudConsole'],
    ['ConnectWiseChat', 'ConnectWise Chat'],
    ['ConnectWiseControl', 'ConnectWise Control'],
    ['ConnectWiseManageNetwork', 'ConnectWise Manage Network'],
    ['ItBoost', 'ITBoost'],
    ['KnowledgeBaseApprover', 'Knowledge Base Approver'],
    ['KnowledgeBaseCreator', 'Knowledge Base Creator'],
    ['LaunchRemoteAccess', 'Launch Remote Access'],
    ['MergeTickets', 'Merge Tickets', { my: true }],
    ['PrintServiceSignoff', 'Print Service Signoff'],
    ['Reports', 'Reports', { customize: 'ServiceReports', report: true }],
    [
      'ResourceScheduling',
      'Resource Scheduling',
      {
        my: true,
        customize: 'ServiceResourceScheduling',
        description: 'Resource Scheduling; customize limits the company levels the role may schedule',
      },
    ],
    ['ServiceDashboard', 'Service Dashboard'],
    ['ServiceTicketDependencies', 'Service Ticket - Dependencies', { my: true }],
    ['ServiceTickets', 'Service Tickets', { my: true }],
    ['ServiceTicketsFinance', 'Service Tickets - Finance', { my: true }],
    ['SlaDashboard', 'SLA Dashboard'],
    ['TicketTemplates', 'Ticket Templates'],
  ]),
  // Exactly the rows of the article's System screenshot.
  defineModule('System', 'System', [
    ['AddLicenses', 'Add Licenses'],
    ['ApiReports', 'API Reports', { report: true }],
    ['ChatWithConnectWiseManageSupport', 'Chat with ConnectWise Manage Support'],
    ['ConnectWiseManageLabs', 'ConnectWise Manage Labs'],
    ['ConnectWiseNext', 'ConnectWise Next'],
    ['ConnectWiseNow', 'ConnectWise Now'],
    ['CustomMenuEntry', 'Custom Menu Entry', { customize: 'SystemCustomMenuEntry' }],
    ['DataImport', 'Data Import'],
    ['EmailAudit', 'Email Audit'],
    ['HealthDashboard', 'Health Dashboard'],
    ['ListViewExport', 'List View Export'],
    ['ManageHostedApi', 'Manage Hosted API', { customize: 'SystemManageHostedApi' }],
    ['MarketplaceSharing', 'Marketplace Sharing'],
    ['MassMaintenance', 'Mass Maintenance', { customize: 'SystemMassMaintenance' }],
    ['MemberMaintenance', 'Member Maintenance'],
    ['MyAccount', 'My Account', { customize: 'SystemMyAccount' }],
    ['MyCompany', 'My Company'],
    ['ReportWriter', 'Report Writer', { report: true }],
    ['SecurityRoles', 'Security Roles'],
    ['SystemReports', 'System Reports', { customize: 'SystemReports', report: true }],
    [
      'TableSetup',
      'Table Setup',
      {
        customize: 'SystemTableSetup',
        description: 'Setup tables; customize lists the tables ("Area / Table") the role may change',
      },
    ],
  ]),
  defineModule('Finance', 'Finance', [
    ['AccountingInterface', 'Accounting Interface'],
    ['AgreementInvoicing', 'Agreement Invoicing'],
    [
      'Agreements',
      'Agreements',
      {
        my: true,
        customize: 'FinanceAgreements',
        description: 'Agreements; customize limits the agreement types the role may use',
      },
    ],
    ['BillingViewTime', 'Billing View Time'],
    ['Invoicing', 'Invoicing', { my: true }],
    ['Reports', 'Reports', { customize: 'FinanceReports', report: true }],
  ]),
  defineModule('Procurement', 'Procurement', [
    ['Adjustments', 'Adjustments'],
    ['ProductCatalog', 'Product Catalog'],
    ['Products', 'Products'],
    ['PurchaseOrders', 'Purchase Orders'],
    ['Reports', 'Reports', { customize: 'ProcurementReports', report: true }],
    ['Rma', 'RMA'],
    ['Shipments', 'Shipments'],
  ]),
  defineModule('Project', 'Project', [
    ['CloseProjectTickets', 'Close Project Tickets', { my: true }],
    ['ProjectHeaders', 'Project Headers', { my: true }],
    ['ProjectScheduling', 'Project Scheduling', { my: true, customize: 'ProjectScheduling' }],
    ['ProjectTeam', 'Project Team'],
    ['ProjectTemplates', 'Project Templates'],
    ['ProjectTicketTasks', 'Project Ticket Tasks', { my: true }],
    ['ProjectTickets', 'Project Tickets', { my: true }],
    ['Reports', 'Reports', { customize: 'ProjectReports', report: true }],
  ]),
  defineModule('Sales', 'Sales', [
    ['Activities', 'Activities', { my: true }],
    ['Campaigns', 'Campaigns'],
    ['Opportunity', 'Opportunity', { my: true }],
    ['Reports', 'Reports', { customize: 'SalesReports', report: true }],
    ['SalesFunnel', 'Sales Funnel', { my: true }],
    ['SalesOrders', 'Sales Orders', { my: true }],
  ]),
  defineModule('TimeAndExpense', 'Time & Expense', [
    ['ExpenseApprovals', 'Expense Approvals'],
    ['ExpenseReportEntry', 'Expense Report Entry', { my: true }],
    ['Reports', 'Reports', { customize: 'TimeAndExpenseReports', report: true }],
    ['TimeEntry', 'Time Entry', { my: true }],
    ['TimeEntryBillableOption', 'Time Entry Billable Option'],
    ['TimeSheetApprovals', 'Time Sheet Approvals'],
  ]),
]);

/** Frequently used function ids; endpoint tables and presets use these instead of string literals. */
export const FN = {
  companyFinance: 'Companies/CompanyFinance',
  companyMaintenance: 'Companies/CompanyMaintenance',
  configurations: 'Companies/Configurations',
  contacts: 'Companies/Contacts',
  manageAttachments: 'Companies/ManageAttachments',
  teamMembers: 'Companies/TeamMembers',
  companyReports: 'Companies/Reports',
  serviceTickets: 'ServiceDesk/ServiceTickets',
  closeServiceTickets: 'ServiceDesk/CloseServiceTickets',
  mergeTickets: 'ServiceDesk/MergeTickets',
  resourceScheduling: 'ServiceDesk/ResourceScheduling',
  serviceTicketDependencies: 'ServiceDesk/ServiceTicketDependencies',
  ticketTemplates: 'ServiceDesk/TicketTemplates',
  serviceReports: 'ServiceDesk/Reports',
  apiReports: 'System/ApiReports',
  manageHostedApi: 'System/ManageHostedApi',
  memberMaintenance: 'System/MemberMaintenance',
  myAccount: 'System/MyAccount',
  myCompany: 'System/MyCompany',
  securityRoles: 'System/SecurityRoles',
  tableSetup: 'System/TableSetup',
  agreements: 'Finance/Agreements',
  invoicing: 'Finance/Invoicing',
  billingViewTime: 'Finance/BillingViewTime',
  productCatalog: 'Procurement/ProductCatalog',
  products: 'Procurement/Products',
  purchaseOrders: 'Procurement/PurchaseOrders',
  projectTickets: 'Project/ProjectTickets',
  closeProjectTickets: 'Project/CloseProjectTickets',
  opportunity: 'Sales/Opportunity',
  timeEntry: 'TimeAndExpense/TimeEntry',
  timeEntryBillableOption: 'TimeAndExpense/TimeEntryBillableOption',
} as const;

export type FunctionId = (typeof FN)[keyof typeof FN];

/** Every function, module by module, in screen order. */
export const ALL_FUNCTIONS: readonly FunctionDef[] = Object.freeze(MODULES.flatMap((m) => m.functions));

export const functionsById: ReadonlyMap<string, FunctionDef> = new Map(ALL_FUNCTIONS.map((f) => [f.id, f]));

const modulesById: ReadonlyMap<string, ModuleDef> = new Map(MODULES.map((m) => [m.id, m]));

const moduleByFunction: ReadonlyMap<string, ModuleDef> = new Map(
  MODULES.flatMap((m) => m.functions.map((f) => [f.id, m] as const)),
);

export function findFunction(id: string): FunctionDef | undefined {
  return functionsById.get(id);
}

export function findModule(id: string): ModuleDef | undefined {
  return modulesById.get(id);
}

/** The module a function id belongs to, or undefined for an id outside the catalogue. */
export function moduleOf(fnId: string): ModuleDef | undefined {
  return moduleByFunction.get(fnId);
}

/** "Service Desk → Service Tickets": how an admin finds the row on the Security Roles screen. */
export function functionPath(fnId: string): string {
  const fn = functionsById.get(fnId);
  const mod = moduleByFunction.get(fnId);
  return fn && mod ? `${mod.name} → ${fn.name}` : fnId;
}

/** The function carrying a customize allow-list (e.g. SystemTableSetup → System/TableSetup). */
export function functionOfCustomize(customizeId: string): FunctionDef | undefined {
  return ALL_FUNCTIONS.find((f) => f.customize === customizeId);
}
