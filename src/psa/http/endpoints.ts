// THE declarative endpoint table (PSA-5): every ConnectWise route Parasol serves, with the
// (function, level, Table Setup table) it requires. Routes, the authorization check, the
// OpenAPI listing and the generated permission-matrix test all read this one table.

import { FN } from '../catalog/index.js';
import type { Action } from '../catalog/types.js';
import type { Method, ResourceDef } from '../service/resource-def.js';
import { RESOURCES } from '../service/resources.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type Access =
  | { kind: 'authenticated' }
  | { kind: 'permission'; function: string; action: Action; tableSetupItem?: string };

export type Operation =
  | { kind: 'resource'; resource: string; method: Method | 'count' | 'search' }
  | { kind: 'special'; name: string };

export interface Endpoint {
  method: HttpMethod;
  /** Below /apis/3.0, ConnectWise's template: `/service/tickets/{id}`. */
  path: string;
  access: Access;
  operation: Operation;
}

const VERB: Record<Method, HttpMethod> = {
  list: 'GET',
  get: 'GET',
  create: 'POST',
  replace: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
};

const ACTION: Record<Method | 'count' | 'search', Action> = {
  list: 'inquire',
  count: 'inquire',
  search: 'inquire',
  get: 'inquire',
  create: 'add',
  replace: 'edit',
  patch: 'edit',
  delete: 'delete',
};

function need(def: ResourceDef, method: Method | 'count' | 'search'): Access {
  return {
    kind: 'permission',
    function: def.permission.function,
    action: ACTION[method],
    ...(def.permission.tableSetupItem ? { tableSetupItem: def.permission.tableSetupItem } : {}),
  };
}

function resourceEndpoints(def: ResourceDef): Endpoint[] {
  const out: Endpoint[] = [];
  for (const m of def.methods) {
    const path = m === 'list' || m === 'create' ? def.path : `${def.path}/{id}`;
    out.push({
      method: VERB[m],
      path,
      access: need(def, m),
      operation: { kind: 'resource', resource: def.key, method: m },
    });
    if (m === 'list') {
      out.push({
        method: 'GET',
        path: `${def.path}/count`,
        access: need(def, 'count'),
        operation: { kind: 'resource', resource: def.key, method: 'count' },
      });
    }
  }
  return out;
}

const perm = (fn: string, action: Action, tableSetupItem?: string): Access => ({
  kind: 'permission',
  function: fn,
  action,
  ...(tableSetupItem ? { tableSetupItem } : {}),
});
const special = (method: HttpMethod, path: string, access: Access, name: string): Endpoint => ({
  method,
  path,
  access,
  operation: { kind: 'special', name },
});

const AUTHENTICATED: Access = { kind: 'authenticated' };

export const ENDPOINTS: readonly Endpoint[] = [
  ...RESOURCES.flatMap(resourceEndpoints),
  {
    method: 'POST',
    path: '/service/tickets/search',
    access: perm(FN.serviceTickets, 'inquire'),
    operation: { kind: 'resource', resource: 'ticket', method: 'search' },
  },
  special(
    'GET',
    '/service/tickets/{parentId}/configurations',
    perm(FN.serviceTickets, 'inquire'),
    'ticketConfigurations.list',
  ),
  special(
    'GET',
    '/service/tickets/{parentId}/configurations/count',
    perm(FN.serviceTickets, 'inquire'),
    'ticketConfigurations.count',
  ),
  special(
    'GET',
    '/service/tickets/{parentId}/configurations/{id}',
    perm(FN.serviceTickets, 'inquire'),
    'ticketConfigurations.get',
  ),
  special(
    'POST',
    '/service/tickets/{parentId}/configurations',
    perm(FN.serviceTickets, 'edit'),
    'ticketConfigurations.add',
  ),
  special(
    'DELETE',
    '/service/tickets/{parentId}/configurations/{id}',
    perm(FN.serviceTickets, 'edit'),
    'ticketConfigurations.remove',
  ),
  special(
    'GET',
    '/service/boards/{grandparentId}/items/{parentId}/associations',
    perm(FN.tableSetup, 'inquire', 'Service/ServiceBoard'),
    'boardItemAssociations.list',
  ),
  special('GET', '/system/info', AUTHENTICATED, 'system.info'),
  special('GET', '/system/mySecurity', AUTHENTICATED, 'mySecurity.list'),
  special('GET', '/system/mySecurity/customizeItems', AUTHENTICATED, 'mySecurity.customizeItems'),
  special('GET', '/system/callbacks/signingKeys/{id}', AUTHENTICATED, 'callbacks.signingKey'),
  special(
    'GET',
    '/system/securityRoles/{parentId}/settings',
    perm(FN.securityRoles, 'inquire'),
    'securityRoleSettings.list',
  ),
  special(
    'GET',
    '/system/securityRoles/{parentId}/settings/count',
    perm(FN.securityRoles, 'inquire'),
    'securityRoleSettings.count',
  ),
  special(
    'GET',
    '/system/securityRoles/{parentId}/settings/{id}',
    perm(FN.securityRoles, 'inquire'),
    'securityRoleSettings.get',
  ),
];

/** `/a/{id}/b` → a regular expression matching concrete paths case-insensitively. */
export function templatePattern(path: string): RegExp {
  const body = path
    .split('/')
    .map((seg) => (/^\{\w+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}/?$`, 'i');
}

export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
