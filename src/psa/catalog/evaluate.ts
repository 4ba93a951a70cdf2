// Role evaluation (PSA-5): a pure function of a role snapshot and an endpoint's requirement.

import { CUSTOMIZE, findFunction, functionPath, isKnownCustomizeId, moduleOf } from './modules.js';
import { findTableSetupItem, tableSetupLabel } from './table-setup.js';
import {
  ACTIONS,
  type Action,
  type Decision,
  type FunctionLevels,
  isLevel,
  type Level,
  type Requirement,
  type RoleSnapshot,
} from './types.js';

export const NO_ACCESS: FunctionLevels = Object.freeze({
  add: 'None',
  edit: 'None',
  delete: 'None',
  inquire: 'None',
});

export const FULL_ACCESS: FunctionLevels = Object.freeze({
  add: 'All',
  edit: 'All',
  delete: 'All',
  inquire: 'All',
});

/** 'Delete' for 'delete': the column title on the Security Roles screen. */
export function actionLabel(action: Action): string {
  return action.charAt(0).toUpperCase() + action.slice(1);
}

/** The levels stored on the role for a function, exactly as configured; None when absent. */
export function levelsFor(role: RoleSnapshot, fnId: string): FunctionLevels {
  return role.levels.get(fnId) ?? NO_ACCESS;
}

/**
 * The levels that take effect: admin roles have All everywhere, inactive roles None everywhere, and a
 * My level on a function that offers no My is None (see `evaluate`). This is what /system/mySecurity
 * reports, so a client's pre-flight agrees with what the server will then enforce.
 */
export function effectiveLevels(role: RoleSnapshot, fnId: string): FunctionLevels {
  if (role.inactiveFlag) return NO_ACCESS;
  const fn = findFunction(fnId);
  if (fn === undefined) return NO_ACCESS;
  if (role.adminFlag) return FULL_ACCESS;
  const stored = levelsFor(role, fnId);
  const clamp = (level: Level): Level => (level === 'My' && !fn.myAllowed ? 'None' : level);
  return {
    add: clamp(stored.add),
    edit: clamp(stored.edit),
    delete: clamp(stored.delete),
    inquire: clamp(stored.inquire),
  };
}

/**
 * Decide whether `role` may do `need`. Order of the rules, each one final:
 * 1. inactive role → denied (even for admins: deactivating a role must lock everyone out of it);
 * 2. adminFlag → allowed, scope All (admins bypass levels and allow-lists, as in ConnectWise);
 * 3. function not in the catalogue → denied (an endpoint table typo must fail closed, not open);
 * 4. level None → denied, naming module → function and the action's column;
 * 5. level My on a function that offers no My → denied. The Security Roles screen never offers My
 *    there, so such a value is corrupt or hand-made data; treating it as All would widen access
 *    silently, and there are no "own records" to restrict to, so it counts as None;
 * 6. `tableSetupItem` set → the table must be in the role's SystemTableSetup allow-list
 *    ("Allow Access to these"), whatever the level;
 * 7. otherwise allowed with the level as scope (My: the caller restricts to the member's records).
 */
export function evaluate(role: RoleSnapshot, need: Requirement): Decision {
  const deny = (message: string): Decision => ({
    allowed: false,
    message,
    function: need.function,
    action: need.action,
    ...(need.tableSetupItem !== undefined ? { tableSetupItem: need.tableSetupItem } : {}),
  });
  const what = `${functionPath(need.function)} (${actionLabel(need.action)})`;

  if (role.inactiveFlag) return deny(`Your security role is inactive: no access to ${what}.`);
  if (role.adminFlag) return { allowed: true, scope: 'All' };

  const fn = findFunction(need.function);
  if (fn === undefined) return deny(`Unknown security function '${need.function}': access denied.`);

  const level = levelsFor(role, fn.id)[need.action];
  if (level === 'None') return deny(`You do not have access to ${what}.`);
  if (level === 'My' && !fn.myAllowed) {
    return deny(
      `You do not have access to ${what}: the role's level is My, which this function does not offer.`,
    );
  }
  // Snapshots are often built from text columns; anything but My/All here is garbage: fail closed.
  if (level !== 'All' && level !== 'My') return deny(`You do not have access to ${what}.`);

  if (need.tableSetupItem !== undefined) {
    const allowed = role.allowed.get(CUSTOMIZE.systemTableSetup);
    if (allowed?.has(need.tableSetupItem) !== true) {
      return deny(
        `System → Table Setup → customize: '${tableSetupLabel(need.tableSetupItem)}' is not in Allow Access to these.`,
      );
    }
  }
  return { allowed: true, scope: level };
}

/**
 * Problems in a role snapshot that the Security Roles screen could not have produced: unknown
 * functions, levels outside None/My/All, My where the function offers none, allow-lists for unknown
 * customize ids, and unknown Table Setup tables. Empty when the role is clean. Stores call this
 * before saving; evaluation stays safe either way (it fails closed).
 */
export function validateRole(role: RoleSnapshot): string[] {
  const problems: string[] = [];
  for (const [fnId, levels] of role.levels) {
    const fn = findFunction(fnId);
    if (fn === undefined || moduleOf(fnId) === undefined) {
      problems.push(`Unknown function '${fnId}'.`);
      continue;
    }
    for (const action of ACTIONS) {
      const level: unknown = levels[action];
      if (!isLevel(level))
        problems.push(`${functionPath(fnId)}: ${actionLabel(action)} level is not None, My or All.`);
      else if (level === 'My' && !fn.myAllowed) {
        problems.push(
          `${functionPath(fnId)}: ${actionLabel(action)} level My is not offered by this function.`,
        );
      }
    }
  }
  for (const [customizeId, items] of role.allowed) {
    if (!isKnownCustomizeId(customizeId)) {
      problems.push(`Unknown customize list '${customizeId}'.`);
      continue;
    }
    if (customizeId !== CUSTOMIZE.systemTableSetup) continue;
    for (const item of items) {
      if (findTableSetupItem(item) === undefined) problems.push(`Unknown Table Setup table '${item}'.`);
    }
  }
  return problems;
}
