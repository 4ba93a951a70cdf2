// The setup tables behind System → Table Setup (customize), as data, and the items of every customize list.

import { CUSTOMIZE_IDS, type KnownCustomizeId } from './modules.js';
import type { CustomizeId, CustomizeItem } from './types.js';

/** `[area, table, id of the table within its area]`; the item id is `Area/Table`, the label `Area / Table`. */
type Row = readonly [area: string, table: string, local: string];

// Written in ConnectWise's order: by area, then by table, case-insensitive. The first rows match the
// article's "Disallow Access to these" list top to bottom (once the three allowed rows are moved out),
// which is why Communication Type sits under Contacts, where ConnectWise files it, not under Company.
const ROWS: readonly Row[] = [
  ['Activities', 'Activity Status-CRM', 'ActivityStatusCrm'],
  ['Activities', 'Activity Type', 'ActivityType'],
  ['Agreements', 'Agreement Type', 'AgreementType'],
  ['Agreements', 'Batch', 'Batch'],
  ['Company', 'Address Formats', 'AddressFormats'],
  ['Company', 'Company Status', 'CompanyStatus'],
  ['Company', 'Company Type', 'CompanyType'],
  ['Company', 'Configuration', 'Configuration'],
  ['Company', 'Configuration Status', 'ConfigurationStatus'],
  ['Company', 'Country', 'Country'],
  ['Company', 'Currency', 'Currency'],
  ['Company', 'Management IT', 'ManagementIt'],
  ['Company', 'Market Description', 'MarketDescription'],
  ['Company', 'Note Type', 'NoteType'],
  ['Company', 'Ownership Type', 'OwnershipType'],
  ['Company', 'State', 'State'],
  ['Company', 'Team Role', 'TeamRole'],
  ['Company', 'Time Zone', 'TimeZone'],
  ['Contacts', 'Communication Type', 'CommunicationType'],
  ['Contacts', 'Contact Relationship', 'ContactRelationship'],
  ['Contacts', 'Contact Type', 'ContactType'],
  ['Contacts', 'Department', 'Department'],
  ['Contacts', 'Group', 'Group'],
  ['Expense', 'Expense Type', 'ExpenseType'],
  ['Expense', 'Payment Type', 'PaymentType'],
  ['General', 'Integrator Login', 'IntegratorLogin'],
  ['General', 'Links', 'Links'],
  ['General', 'Manage Hosted API', 'ManageHostedApi'],
  ['General', 'Portal Configuration', 'PortalConfiguration'],
  ['General', 'Workflow Rules', 'WorkflowRules'],
  ['Inventory', 'Adjustment Type', 'AdjustmentType'],
  ['Inventory', 'Warehouse', 'Warehouse'],
  ['Inventory', 'Warehouse Bin', 'WarehouseBin'],
  ['Invoicing', 'Billing Cycle', 'BillingCycle'],
  ['Invoicing', 'Billing Setup', 'BillingSetup'],
  ['Invoicing', 'Billing Status', 'BillingStatus'],
  ['Invoicing', 'Billing Terms', 'BillingTerms'],
  ['Invoicing', 'Delivery Method', 'DeliveryMethod'],
  ['Invoicing', 'Invoice Template', 'InvoiceTemplate'],
  ['Invoicing', 'Tax Code', 'TaxCode'],
  ['Member', 'Certification', 'Certification'],
  ['Member', 'Skill', 'Skill'],
  ['Procurement', 'Manufacturer', 'Manufacturer'],
  ['Procurement', 'Product Category', 'ProductCategory'],
  ['Procurement', 'Product Subcategory', 'ProductSubcategory'],
  ['Procurement', 'Product Type', 'ProductType'],
  ['Procurement', 'Unit of Measure', 'UnitOfMeasure'],
  ['Project', 'Phase Status', 'PhaseStatus'],
  ['Project', 'Project Board', 'ProjectBoard'],
  ['Project', 'Project Role', 'ProjectRole'],
  ['Project', 'Project Status', 'ProjectStatus'],
  ['Project', 'Project Type', 'ProjectType'],
  ['Sales', 'Opportunity Status', 'OpportunityStatus'],
  ['Sales', 'Opportunity Type', 'OpportunityType'],
  ['Sales', 'Sales Probability', 'SalesProbability'],
  ['Sales', 'Sales Team', 'SalesTeam'],
  ['Service', 'Email Connector', 'EmailConnector'],
  ['Service', 'Knowledge Base Category', 'KnowledgeBaseCategory'],
  ['Service', 'Priority', 'Priority'],
  ['Service', 'Service Board', 'ServiceBoard'],
  ['Service', 'Service Signoff', 'ServiceSignoff'],
  ['Service', 'Service Template', 'ServiceTemplate'],
  ['Service', 'SLA', 'Sla'],
  ['Service', 'Source', 'Source'],
  ['Time', 'Charge Code', 'ChargeCode'],
  ['Time', 'Holiday List', 'HolidayList'],
  ['Time', 'Time Period Setup', 'TimePeriodSetup'],
  ['Time', 'Work Role', 'WorkRole'],
  ['Time', 'Work Type', 'WorkType'],
];

/** Every Table Setup table, in the order ConnectWise lists them in the customize dialog. */
export const TABLE_SETUP_ITEMS: readonly CustomizeItem[] = Object.freeze(
  ROWS.map(([area, table, local]) => Object.freeze({ id: `${area}/${local}`, label: `${area} / ${table}` })),
);

/** Table Setup items the PSA's endpoints refer to; use these instead of string literals. */
export const TABLE = {
  activityType: 'Activities/ActivityType',
  agreementType: 'Agreements/AgreementType',
  companyStatus: 'Company/CompanyStatus',
  companyType: 'Company/CompanyType',
  /** Configuration types, their questions and answer values. */
  configuration: 'Company/Configuration',
  configurationStatus: 'Company/ConfigurationStatus',
  country: 'Company/Country',
  communicationType: 'Contacts/CommunicationType',
  manageHostedApi: 'General/ManageHostedApi',
  billingTerms: 'Invoicing/BillingTerms',
  knowledgeBaseCategory: 'Service/KnowledgeBaseCategory',
  priority: 'Service/Priority',
  /** Boards and everything hanging off a board: statuses, types, subtypes, items. */
  serviceBoard: 'Service/ServiceBoard',
  sla: 'Service/Sla',
  source: 'Service/Source',
} as const;

const tableById: ReadonlyMap<string, CustomizeItem> = new Map(TABLE_SETUP_ITEMS.map((i) => [i.id, i]));

export function findTableSetupItem(id: string): CustomizeItem | undefined {
  return tableById.get(id);
}

/** 'Service / Priority' for 'Service/Priority'; the id itself when the table is unknown. */
export function tableSetupLabel(id: string): string {
  return tableById.get(id)?.label ?? id;
}

/**
 * Where the items of each customize list come from. Only Table Setup has a fixed set of items (the
 * setup tables are part of the product). The other lists name records the MSP creates — configuration
 * types (CompanyConfigurations), agreement types (FinanceAgreements), company levels for scheduling,
 * reports, custom menu entries, hosted APIs, … — so their items are dynamic: the store supplies them
 * and the catalogue only knows the list exists.
 */
export const CUSTOMIZE_SOURCES: Readonly<Record<KnownCustomizeId, 'static' | 'dynamic'>> = Object.freeze(
  Object.fromEntries(
    CUSTOMIZE_IDS.map((id) => [id, id === 'SystemTableSetup' ? 'static' : 'dynamic']),
  ) as Record<KnownCustomizeId, 'static' | 'dynamic'>,
);

const NO_ITEMS: readonly CustomizeItem[] = Object.freeze([]);

/**
 * The static items of a customize list: the setup tables for SystemTableSetup, and an empty list for
 * the dynamic lists (see CUSTOMIZE_SOURCES) and for ids the catalogue does not know.
 */
export function customizeItems(customizeId: CustomizeId): readonly CustomizeItem[] {
  return customizeId === 'SystemTableSetup' ? TABLE_SETUP_ITEMS : NO_ITEMS;
}
