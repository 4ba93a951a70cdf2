// What the integration needs from the PSA role (the article's role, product spec §0) as data: one row
// per level or allow-list entry an MSP admin sets on System → Security Roles, and the harmless
// requests that show whether the PSA actually grants each of them. Pure data, no I/O.

export type ModuleName = 'Companies' | 'Service Desk' | 'System' | 'Finance' | 'Procurement';
export type FunctionName =
  | 'Company Maintenance'
  | 'Configurations'
  | 'Service Tickets'
  | 'Table Setup'
  | 'Agreements'
  | 'Product Catalog';
export type ActionName = 'Add' | 'Edit' | 'Inquire';
export type TableName = 'Company / Configuration' | 'Service / Priority' | 'Service / Service Board';

export type RequirementId =
  | 'companyMaintenance.inquire'
  | 'configurations.add'
  | 'configurations.edit'
  | 'configurations.inquire'
  | 'serviceTickets.add'
  | 'serviceTickets.edit'
  | 'serviceTickets.inquire'
  | 'tableSetup.add'
  | 'tableSetup.edit'
  | 'tableSetup.inquire'
  | 'tableSetup.allow.configuration'
  | 'tableSetup.allow.priority'
  | 'tableSetup.allow.serviceBoard'
  | BillingRequirementId;

/** The billing group's rows (issue 17): checked only while billing reconciliation is on. */
export type BillingRequirementId =
  | 'agreements.inquire'
  | 'agreements.add'
  | 'agreements.edit'
  | 'productCatalog.inquire';

interface RequirementBase {
  id: RequirementId;
  module: ModuleName;
  function: FunctionName;
  /** How the row reads on the Security Roles screen ("Service Desk → Service Tickets: Add All"). */
  label: string;
  /** The change that makes the row right, in the admin's words. */
  fix: string;
}

/** A level column (Add/Edit/Inquire) of a module function that must be All. */
export interface LevelRequirement extends RequirementBase {
  kind: 'level';
  action: ActionName;
}

/** A table that must be in the function's customize list "Allow Access to these". */
export interface AllowRequirement extends RequirementBase {
  kind: 'allow';
  table: TableName;
}

export type Requirement = LevelRequirement | AllowRequirement;

const level = (
  id: RequirementId,
  module: ModuleName,
  fn: FunctionName,
  action: ActionName,
): LevelRequirement => ({
  id,
  kind: 'level',
  module,
  function: fn,
  action,
  label: `${module} → ${fn}: ${action} All`,
  fix: `${module} → ${fn}: set ${action} Level to All`,
});

const allow = (id: RequirementId, table: TableName): AllowRequirement => ({
  id,
  kind: 'allow',
  module: 'System',
  function: 'Table Setup',
  table,
  label: `System → Table Setup → customize: ${table} in Allow Access to these`,
  fix: `System → Table Setup → customize: allow ${table}`,
});

/** The 13 rows, in the order the article configures them. */
export const REQUIREMENTS: readonly Requirement[] = Object.freeze([
  level('companyMaintenance.inquire', 'Companies', 'Company Maintenance', 'Inquire'),
  level('configurations.add', 'Companies', 'Configurations', 'Add'),
  level('configurations.edit', 'Companies', 'Configurations', 'Edit'),
  level('configurations.inquire', 'Companies', 'Configurations', 'Inquire'),
  level('serviceTickets.add', 'Service Desk', 'Service Tickets', 'Add'),
  level('serviceTickets.edit', 'Service Desk', 'Service Tickets', 'Edit'),
  level('serviceTickets.inquire', 'Service Desk', 'Service Tickets', 'Inquire'),
  level('tableSetup.add', 'System', 'Table Setup', 'Add'),
  level('tableSetup.edit', 'System', 'Table Setup', 'Edit'),
  level('tableSetup.inquire', 'System', 'Table Setup', 'Inquire'),
  allow('tableSetup.allow.configuration', 'Company / Configuration'),
  allow('tableSetup.allow.priority', 'Service / Priority'),
  allow('tableSetup.allow.serviceBoard', 'Service / Service Board'),
]);

/**
 * Billing reconciliation's rows (issue 17), beyond the article's: reading agreements and their
 * additions, adding the seat line (the PSA checks Add on a new addition) and changing its quantity,
 * and reading the product catalogue. Checked as their own group, only while billing is on.
 */
export const BILLING_REQUIREMENTS: readonly Requirement[] = Object.freeze([
  level('agreements.inquire', 'Finance', 'Agreements', 'Inquire'),
  level('agreements.add', 'Finance', 'Agreements', 'Add'),
  level('agreements.edit', 'Finance', 'Agreements', 'Edit'),
  level('productCatalog.inquire', 'Procurement', 'Product Catalog', 'Inquire'),
]);

const byId: ReadonlyMap<string, Requirement> = new Map(
  [...REQUIREMENTS, ...BILLING_REQUIREMENTS].map((r) => [r.id, r]),
);

export function requirement(id: RequirementId): Requirement {
  const r = byId.get(id);
  if (!r) throw new Error(`unknown preflight requirement '${id}'`);
  return r;
}

/**
 * One request that succeeds exactly when the rows it depends on are granted. Reads ask for one
 * record; writes send a body the PSA refuses by validation (so nothing is ever created or changed)
 * — but only after its permission check, so a validation error proves the permission and a 403
 * proves its absence.
 */
export interface Probe {
  id: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** Relative to /apis/3.0. */
  path: string;
  /** Reads only: `pageSize=1`. */
  query?: { pageSize: number };
  body?: unknown;
  /** Every row the PSA checks for this request; a 403 means at least one of them is missing. */
  rows: readonly RequirementId[];
  /** Statuses other than 2xx that still mean "permitted" (the request got past authorization). */
  permittedStatuses: readonly number[];
  /** Why this request cannot change anything on the PSA. */
  harmless: string;
}

const read = (id: string, path: string, rows: RequirementId[], what: string): Probe => ({
  id,
  method: 'GET',
  path,
  query: { pageSize: 1 },
  rows,
  permittedStatuses: [],
  harmless: `reads at most one ${what}`,
});

const create = (id: string, path: string, rows: RequirementId[], what: string): Probe => ({
  id,
  method: 'POST',
  path,
  body: {},
  rows,
  permittedStatuses: [400],
  harmless: `an empty ${what} lacks every required field, so the PSA refuses it with 400 once the permission check passed; nothing is created`,
});

const edit = (id: string, path: string, rows: RequirementId[], what: string): Probe => ({
  id,
  method: 'PATCH',
  path,
  body: [],
  rows,
  permittedStatuses: [400, 404],
  harmless: `an empty list of operations on ${what} 0, which does not exist (ids start at 1): 400 or 404 once the permission check passed; nothing is changed`,
});

/** In the order they are reported; every requirement row is covered by at least one probe. */
export const PROBES: readonly Probe[] = Object.freeze([
  read('read.companies', '/company/companies', ['companyMaintenance.inquire'], 'company'),
  read('read.configurations', '/company/configurations', ['configurations.inquire'], 'configuration'),
  read('read.tickets', '/service/tickets', ['serviceTickets.inquire'], 'service ticket'),
  read(
    'read.configurationTypes',
    '/company/configurations/types',
    ['tableSetup.inquire', 'tableSetup.allow.configuration'],
    'configuration type',
  ),
  read(
    'read.priorities',
    '/service/priorities',
    ['tableSetup.inquire', 'tableSetup.allow.priority'],
    'priority',
  ),
  read(
    'read.boards',
    '/service/boards',
    ['tableSetup.inquire', 'tableSetup.allow.serviceBoard'],
    'service board',
  ),
  create('add.configuration', '/company/configurations', ['configurations.add'], 'configuration'),
  create('add.ticket', '/service/tickets', ['serviceTickets.add'], 'ticket'),
  create(
    'add.configurationType',
    '/company/configurations/types',
    ['tableSetup.add', 'tableSetup.allow.configuration'],
    'configuration type',
  ),
  edit('edit.configuration', '/company/configurations/0', ['configurations.edit'], 'configuration'),
  edit('edit.ticket', '/service/tickets/0', ['serviceTickets.edit'], 'ticket'),
  edit(
    'edit.configurationType',
    '/company/configurations/types/0',
    ['tableSetup.edit', 'tableSetup.allow.configuration'],
    'configuration type',
  ),
]);

/** The billing group's probes: as harmless as the article's. */
export const BILLING_PROBES: readonly Probe[] = Object.freeze([
  read('read.agreements', '/finance/agreements', ['agreements.inquire'], 'agreement'),
  read('read.catalog', '/procurement/catalog', ['productCatalog.inquire'], 'catalog item'),
  create('add.agreement', '/finance/agreements', ['agreements.add'], 'agreement'),
  edit('edit.agreement', '/finance/agreements/0', ['agreements.edit'], 'agreement'),
]);

/** "GET /service/priorities", as shown to the admin. */
export function probeRequest(probe: Probe): string {
  return `${probe.method} ${probe.path}`;
}
