// The signed-in member and what their role allows, as the server computed it (GET /session).
import { createContext, useContext } from 'react';

export type Level = 'All' | 'My' | 'None';
export type Action = 'add' | 'edit' | 'delete' | 'inquire';
export type Levels = Record<Action, Level>;

export interface Member {
  id: number;
  kind: 'member' | 'api';
  identifier: string;
  name: string;
  email: string | null;
  roleId: number;
  roleName: string;
  inactiveFlag: boolean;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface Session {
  member: Member;
  csrfToken: string;
  codebase: string;
  companyId: string;
  permissions: Record<string, Levels>;
  tableSetupAllowed: string[] | null;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Whether the member's role has a level other than None for `action` on function `fn`. */
export function useCan(fn: string, action: Action): boolean {
  return (useSession().permissions[fn]?.[action] ?? 'None') !== 'None';
}
