// "Rights ≤ own rights" (issue 13): what a role would grant beyond another role, over the admin flag,
// every function's four levels (All > My > None) and every customize allow-list. Pure; the admin
// API uses it so nobody grants, assigns or acts on more than their own role has.

import { actionLabel, effectiveLevels } from './evaluate.js';
import { ALL_FUNCTIONS, functionPath } from './modules.js';
import { tableSetupLabel } from './table-setup.js';
import { ACTIONS, type Action, type CustomizeId, type Level, type RoleSnapshot } from './types.js';

const RANK: Readonly<Record<Level, number>> = { None: 0, My: 1, All: 2 };

/** One right `candidate` has that `holder` lacks. */
export type Excess =
  | { kind: 'adminFlag' }
  | { kind: 'level'; function: string; action: Action; granted: Level; held: Level }
  | { kind: 'allowListItem'; customize: CustomizeId; item: string };

/**
 * Everything `candidate` grants beyond `holder`, empty when candidate ⊆ holder. The candidate is
 * judged as if it were active (an inactive role is one edit away from granting its levels); the
 * holder by what it grants now (effective levels: admin → All, inactive → None, My where the
 * function offers none → None). An admin holder covers every role; a non-admin never covers an
 * admin role. Allow-list items count whatever the levels beside them: an item is a right once
 * the level is raised, and raising a level is itself checked only against the levels.
 */
export function rightsBeyond(holder: RoleSnapshot, candidate: RoleSnapshot): Excess[] {
  if (holder.adminFlag && !holder.inactiveFlag) return [];
  if (candidate.adminFlag) return [{ kind: 'adminFlag' }];
  const active: RoleSnapshot = { ...candidate, inactiveFlag: false };
  const out: Excess[] = [];
  for (const fn of ALL_FUNCTIONS) {
    const granted = effectiveLevels(active, fn.id);
    const held = effectiveLevels(holder, fn.id);
    for (const action of ACTIONS) {
      if (RANK[granted[action]] > RANK[held[action]])
        out.push({ kind: 'level', function: fn.id, action, granted: granted[action], held: held[action] });
    }
  }
  for (const [customize, items] of candidate.allowed) {
    const held = holder.inactiveFlag ? undefined : holder.allowed.get(customize);
    for (const item of [...items].sort()) {
      if (held?.has(item) !== true) out.push({ kind: 'allowListItem', customize, item });
    }
  }
  return out;
}

/** candidate ⊆ holder: every right of candidate is one holder has. */
export function roleWithin(candidate: RoleSnapshot, holder: RoleSnapshot): boolean {
  return rightsBeyond(holder, candidate).length === 0;
}

/** How an admin finds the row: "Service Desk → Service Tickets (Delete) All, yours None". */
export function describeExcess(e: Excess): string {
  switch (e.kind) {
    case 'adminFlag':
      return 'the Admin flag (all rights)';
    case 'level':
      return `${functionPath(e.function)} (${actionLabel(e.action)}) ${e.granted}, yours ${e.held}`;
    case 'allowListItem': {
      const label = e.customize === 'SystemTableSetup' ? tableSetupLabel(e.item) : e.item;
      return `${e.customize} → '${label}'`;
    }
  }
}

/** `levels/ServiceDesk/ServiceTickets/delete`, `allowLists/SystemTableSetup`, `adminFlag`. */
export function excessField(e: Excess): string {
  switch (e.kind) {
    case 'adminFlag':
      return 'adminFlag';
    case 'level':
      return `levels/${e.function}/${e.action}`;
    case 'allowListItem':
      return `allowLists/${e.customize}`;
  }
}
