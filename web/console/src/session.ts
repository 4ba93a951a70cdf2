// The signed-in console user and their provider, as the server answered GET /api/v1/session.
import { createContext, useContext } from 'react';

export interface Session {
  user: { id: number; email: string; name: string; role: 'admin' | 'read-only' };
  provider: { id: number; name: string; kind: 'MSP' | 'MSSP' };
  csrfToken: string;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Whether the user may change settings (the server decides; the UI only disables what it would refuse). */
export function useIsAdmin(): boolean {
  return useSession().user.role === 'admin';
}
