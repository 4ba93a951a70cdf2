// Contract of the security catalogue (PSA-1, PSA-5): modules, functions, levels and customize
// allow-lists are data; evaluation is a pure function of a role snapshot and a requirement.

export type Level = 'All' | 'My' | 'None';
export type Action = 'add' | 'edit' | 'delete' | 'inquire';
export const LEVELS: readonly Level[] = ['All', 'My', 'None'];
export const ACTIONS: readonly Action[] = ['add', 'edit', 'delete', 'inquire'];

/** Stored levels arrive as text (database rows, forms); narrow them without trusting the caller. */
export function isLevel(value: unknown): value is Level {
  return value === 'All' || value === 'My' || value === 'None';
}

export function isAction(value: unknown): value is Action {
  return value === 'add' || value === 'edit' || value === 'delete' || value === 'inquire';
}

/** Identifier of a customize allow-list, as ConnectWise names them in /system/mySecurity/customizeItems. */
export type CustomizeId = string; // e.g. 'SystemTableSetup', 'CompanyConfigurations', 'ServiceReports'

export interface FunctionDef {
  /** Stable id, `Module/Function` e.g. 'ServiceDesk/ServiceTickets'. */
  id: string;
  /** English display name as on ConnectWise's screen, e.g. 'Service Tickets'. */
  name: string;
  /** Whether the function offers the `My` level. */
  myAllowed: boolean;
  /** Present when the function has a "(customize)" allow-list. */
  customize?: CustomizeId;
  /** Whether the function is a report (ConnectWise's `reportFlag`). */
  report?: boolean;
  /** Longer text for `moduleFunctionDescription`; the name is used when absent. */
  description?: string;
  sortOrder: number;
}

export interface ModuleDef {
  /** e.g. 'ServiceDesk' */
  id: string;
  /** English display name, e.g. 'Service Desk' */
  name: string;
  functions: FunctionDef[];
}

/** One item of a customize allow-list; for Table Setup: a setup table named "Area / Table". */
export interface CustomizeItem {
  /** Stable id, e.g. 'Service/Priority'. */
  id: string;
  /** 'Service / Priority' */
  label: string;
}

export interface FunctionLevels {
  add: Level;
  edit: Level;
  delete: Level;
  inquire: Level;
}

/** What evaluation needs to know about a role. Functions not listed are None everywhere. */
export interface RoleSnapshot {
  adminFlag: boolean;
  inactiveFlag: boolean;
  levels: ReadonlyMap<string, FunctionLevels>;
  /** customize id → allowed item ids */
  allowed: ReadonlyMap<CustomizeId, ReadonlySet<string>>;
}

/** What an endpoint requires (from the declarative endpoint table). */
export interface Requirement {
  function: string; // FunctionDef.id
  action: Action;
  /** For setup-table writes: the Table Setup allow-list item the request touches, e.g. 'Service/Priority'. */
  tableSetupItem?: string;
}

export type Decision =
  | { allowed: true; scope: 'All' | 'My' }
  | {
      allowed: false;
      /** Human message naming the missing function and level, e.g.
       * "You do not have access to Service Desk → Service Tickets (Delete)." or
       * "System → Table Setup → customize: 'Service / Priority' is not allowed for this role." */
      message: string;
      function: string;
      action: Action;
      tableSetupItem?: string;
    };
