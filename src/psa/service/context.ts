// Who is calling and where the PSA is reachable: what every service call needs besides its input.
import type { RoleSnapshot } from '../catalog/types.js';

export interface Caller {
  memberId: number;
  identifier: string;
  name: string;
  role: RoleSnapshot;
  keyId: number | null;
}

export interface CallContext {
  caller: Caller;
  /** ConnectWise timestamp of this call, `YYYY-MM-DDTHH:MM:SSZ`. */
  now: string;
  /** `https://host:port/{codebase}/apis/3.0`, the base of every `_href`. */
  apiBase: string;
  /** `My` when the caller's level restricts it to its own records. */
  scope: 'All' | 'My';
  /** The PSA company id (the part before `+` in credentials), used in callback payloads. */
  companyId: string;
}
