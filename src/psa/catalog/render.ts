// ConnectWise record shapes for the read-only security endpoints: role settings, mySecurity, customizeItems.

import { effectiveLevels, NO_ACCESS } from './evaluate.js';
import { CUSTOMIZE_IDS, MODULES } from './modules.js';
import { customizeItems } from './table-setup.js';
import type { FunctionDef, FunctionLevels, Level, ModuleDef, RoleSnapshot } from './types.js';

/** `SecurityRoleSetting` of ConnectWise's schema; every field is always present here. */
export interface SecurityRoleSetting {
  id: number;
  addLevel: Level;
  editLevel: Level;
  deleteLevel: Level;
  inquireLevel: Level;
  moduleFunctionName: string;
  moduleFunctionDescription: string;
  myAllFlag: boolean;
  moduleFunctionIdentifier: string;
  reportFlag: boolean;
  restrictFlag: boolean;
  customFlag: boolean;
  moduleDescription: string;
  moduleIdentifier: string;
  moduleName: string;
  sortOrder: number;
  /** Audit strings only; a key is omitted rather than null (clients validate `_info` as string → string). */
  _info: Record<string, string>;
}

export interface MemberReference {
  id: number;
  identifier: string;
  name: string;
  _info?: Record<string, string>;
}

/** `MySecurity`: a setting as it applies to the calling member. */
export interface MySecurity extends SecurityRoleSetting {
  member: MemberReference;
}

export interface MySecurityCustomizeItem {
  id: number;
  customizeIdentifier: string;
  itemIdentifier: string;
}

/** Audit data for `_info`, as ConnectWise strings (`2024-01-31T12:00:00Z`, a member identifier). */
export interface InfoStamp {
  lastUpdated?: string;
  updatedBy?: string;
}

// Setting ids: ConnectWise numbers role settings itself and nobody depends on the values, but they
// must be stable so `/settings/{id}` keeps meaning the same row. We derive them from the catalogue:
// module index × 1000 + function index + 1 (Companies → 1.., Service Desk → 1001.., System → 2001..).
// Adding a function at the end of a module keeps every other id; reordering a module changes them.
const MODULE_STRIDE = 1000;

interface Located {
  module: ModuleDef;
  fn: FunctionDef;
  settingId: number;
}

const LOCATED: readonly Located[] = MODULES.flatMap((module, m) =>
  module.functions.map((fn, f) => ({ module, fn, settingId: m * MODULE_STRIDE + f + 1 })),
);
const bySettingId: ReadonlyMap<number, Located> = new Map(LOCATED.map((l) => [l.settingId, l]));
const byFunctionId: ReadonlyMap<string, Located> = new Map(LOCATED.map((l) => [l.fn.id, l]));

export function settingIdOf(fnId: string): number | undefined {
  return byFunctionId.get(fnId)?.settingId;
}

export function functionBySettingId(settingId: number): FunctionDef | undefined {
  return bySettingId.get(settingId)?.fn;
}

function info(stamp: InfoStamp): Record<string, string> {
  const out: Record<string, string> = {};
  if (stamp.lastUpdated !== undefined) out['lastUpdated'] = stamp.lastUpdated;
  if (stamp.updatedBy !== undefined) out['updatedBy'] = stamp.updatedBy;
  return out;
}

function setting(
  { module, fn, settingId }: Located,
  levels: FunctionLevels,
  stamp: InfoStamp,
): SecurityRoleSetting {
  return {
    id: settingId,
    addLevel: levels.add,
    editLevel: levels.edit,
    deleteLevel: levels.delete,
    inquireLevel: levels.inquire,
    moduleFunctionName: fn.name,
    moduleFunctionDescription: fn.description ?? fn.name,
    myAllFlag: fn.myAllowed,
    // The full catalogue id, so a client (or our UI) can feed it straight back to findFunction.
    moduleFunctionIdentifier: fn.id,
    reportFlag: fn.report === true,
    // ConnectWise does not document restrictFlag; Parasol has no restriction beyond the levels.
    restrictFlag: false,
    customFlag: fn.customize !== undefined,
    moduleDescription: module.name,
    moduleIdentifier: module.id,
    moduleName: module.name,
    sortOrder: fn.sortOrder,
    _info: info(stamp),
  };
}

/**
 * `GET /system/securityRoles/{roleId}/settings`: one setting per catalogue function, in catalogue
 * order, with the levels as stored on the role (functions the role does not mention are None).
 */
export function securityRoleSettings(
  levels: ReadonlyMap<string, FunctionLevels>,
  stamp: InfoStamp = {},
): SecurityRoleSetting[] {
  return LOCATED.map((l) => setting(l, levels.get(l.fn.id) ?? NO_ACCESS, stamp));
}

/** `GET /system/securityRoles/{roleId}/settings/{id}`; undefined for an id outside the catalogue. */
export function securityRoleSetting(
  levels: ReadonlyMap<string, FunctionLevels>,
  settingId: number,
  stamp: InfoStamp = {},
): SecurityRoleSetting | undefined {
  const l = bySettingId.get(settingId);
  return l && setting(l, levels.get(l.fn.id) ?? NO_ACCESS, stamp);
}

/**
 * `GET /system/mySecurity`: the caller's effective levels (admin → All, My where the function offers
 * no My → None), so a client's pre-flight predicts exactly what `evaluate` will decide.
 */
export function mySecurity(role: RoleSnapshot, member: MemberReference, stamp: InfoStamp = {}): MySecurity[] {
  return LOCATED.map((l) => ({ ...setting(l, effectiveLevels(role, l.fn.id), stamp), member }));
}

/**
 * `GET /system/mySecurity/customizeItems`: the caller's allow-lists, list by list in ConnectWise's
 * customize order. Table Setup items come in catalogue order and unknown tables are dropped (a client
 * could do nothing with them); dynamic lists come sorted by item id. Admins get every setup table.
 * Ids number the rows of this answer (1, 2, …): ConnectWise exposes no stable item ids and clients key
 * on `customizeIdentifier` + `itemIdentifier`.
 */
export function mySecurityCustomizeItems(role: RoleSnapshot): MySecurityCustomizeItem[] {
  if (role.inactiveFlag) return [];
  const out: MySecurityCustomizeItem[] = [];
  for (const customizeId of CUSTOMIZE_IDS) {
    const stored = role.allowed.get(customizeId);
    const statics = customizeItems(customizeId);
    let items: string[];
    if (statics.length > 0) {
      items = statics.filter((i) => role.adminFlag || stored?.has(i.id) === true).map((i) => i.id);
    } else {
      items = stored ? [...stored].sort() : [];
    }
    for (const itemIdentifier of items) {
      out.push({ id: out.length + 1, customizeIdentifier: customizeId, itemIdentifier });
    }
  }
  return out;
}
