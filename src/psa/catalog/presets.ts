// Built-in roles as data: the article's "Umbrella" role, an admin role and a read-only role.

import { ALL_FUNCTIONS, CUSTOMIZE, FN } from './modules.js';
import { TABLE, TABLE_SETUP_ITEMS } from './table-setup.js';
import type { CustomizeId, FunctionLevels, RoleSnapshot } from './types.js';

/** A role as an admin would type it in: only the levels that differ from None, plus allow-lists. */
export interface RolePreset {
  readonly name: string;
  readonly adminFlag: boolean;
  readonly inactiveFlag: boolean;
  /** Function id → levels; unlisted functions and unlisted actions are None. */
  readonly levels: Readonly<Record<string, Readonly<Partial<FunctionLevels>>>>;
  /** Customize id → allowed item ids ("Allow Access to these"). */
  readonly allowed: Readonly<Partial<Record<CustomizeId, readonly string[]>>>;
}

/**
 * The role of the article (§0 of the product spec): exactly what the DNS-security integration needs —
 * read companies, maintain configurations and their types, open and update tickets, and pick boards
 * and priorities — and nothing else (no ticket deletion, no agreements).
 */
export const ARTICLE_ROLE: RolePreset = {
  name: 'Umbrella',
  adminFlag: false,
  inactiveFlag: false,
  levels: {
    [FN.companyMaintenance]: { inquire: 'All' },
    [FN.configurations]: { add: 'All', edit: 'All', inquire: 'All' },
    [FN.serviceTickets]: { add: 'All', edit: 'All', delete: 'None', inquire: 'All' },
    [FN.tableSetup]: { add: 'All', edit: 'All', delete: 'None', inquire: 'All' },
  },
  allowed: {
    [CUSTOMIZE.systemTableSetup]: [TABLE.configuration, TABLE.priority, TABLE.serviceBoard],
  },
};

const ALL_TABLES: readonly string[] = TABLE_SETUP_ITEMS.map((i) => i.id);

/**
 * Full access. The flag alone grants everything; the levels and the Table Setup allow-list are filled
 * in as well so the settings endpoints and the role screen show what the role can actually do.
 */
export const ADMIN_ROLE: RolePreset = {
  name: 'Admin',
  adminFlag: true,
  inactiveFlag: false,
  levels: Object.fromEntries(
    ALL_FUNCTIONS.map((f) => [f.id, { add: 'All', edit: 'All', delete: 'All', inquire: 'All' } as const]),
  ),
  allowed: { [CUSTOMIZE.systemTableSetup]: ALL_TABLES },
};

/**
 * Sees everything, changes nothing: Inquire All on every function of every module (Companies, Service
 * Desk, System → Table Setup and the rest), Add/Edit/Delete None. Every setup table is allowed so that
 * reads of setup tables pass even where an endpoint also names its table; the None write levels still
 * stop every change.
 */
export const READ_ONLY_ROLE: RolePreset = {
  name: 'Read Only',
  adminFlag: false,
  inactiveFlag: false,
  levels: Object.fromEntries(ALL_FUNCTIONS.map((f) => [f.id, { inquire: 'All' } as const])),
  allowed: { [CUSTOMIZE.systemTableSetup]: ALL_TABLES },
};

export const PRESETS: readonly RolePreset[] = [ARTICLE_ROLE, ADMIN_ROLE, READ_ONLY_ROLE];

/** The evaluation snapshot of a preset: missing actions become None, allow-lists become sets. */
export function presetToSnapshot(preset: RolePreset): RoleSnapshot {
  const levels = new Map<string, FunctionLevels>();
  for (const [fnId, partial] of Object.entries(preset.levels)) {
    levels.set(fnId, {
      add: partial.add ?? 'None',
      edit: partial.edit ?? 'None',
      delete: partial.delete ?? 'None',
      inquire: partial.inquire ?? 'None',
    });
  }
  const allowed = new Map<CustomizeId, ReadonlySet<string>>();
  for (const [customizeId, items] of Object.entries(preset.allowed)) {
    if (items !== undefined) allowed.set(customizeId, new Set(items));
  }
  return { adminFlag: preset.adminFlag, inactiveFlag: preset.inactiveFlag, levels, allowed };
}
