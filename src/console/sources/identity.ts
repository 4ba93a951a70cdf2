// Identity type labels → IdentityType. Umbrella writes plural labels in real logs ('AD Users') and
// singular ones in its documentation ('AD User'); the Reporting API also has machine names
// ('directory_user', 'roaming'). All map to one kind; a label no table knows is kept as written.
import { detach, type IdentityType } from './event.js';

/** Lower-case, letters and digits only: 'AD Users' → 'adusers', 'Roaming-Computer' → 'roamingcomputer'. */
export function labelKey(label: string): string {
  let out = '';
  for (let i = 0; i < label.length; i++) {
    let c = label.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) out += String.fromCharCode(c);
    else if (c === 38)
      out += 'and'; // '&'
    else if (c > 127) out += label[i]!.toLowerCase();
  }
  return out;
}

const KINDS: Record<IdentityType, readonly string[]> = {
  'ad-user': ['AD Users', 'AD User', 'Directory User', 'Directory Users', 'directory_user', 'ad-user'],
  'ad-computer': [
    'AD Computers',
    'AD Computer',
    'Directory Computer',
    'Directory Computers',
    'directory_computer',
    'ad-computer',
  ],
  user: ['user', 'users', 'Local User', 'Local Users'],
  'roaming-computer': [
    'Roaming Computers',
    'Roaming Computer',
    'roaming',
    'Anyconnect Roaming Client',
    'AnyConnect Roaming Clients',
    'Roaming Client',
    'Roaming Clients',
    'roaming-computer',
    'agent',
  ],
  'mobile-device': ['Mobile Devices', 'Mobile Device', 'mobile_device', 'mobile-device'],
  site: ['Sites', 'Site'],
  'internal-network': ['Internal Networks', 'Internal Network', 'internal_network', 'internal-network'],
  network: ['Networks', 'Network'],
  'network-device': ['Network Devices', 'Network Device', 'network_device', 'network-device'],
  'network-tunnel': [
    'Network Tunnels',
    'Network Tunnel',
    'network_tunnel',
    'Tunnels',
    'Tunnel',
    'CDFW Tunnel Device',
    'CDFW Tunnel Devices',
    'network-tunnel',
  ],
  'virtual-appliance': ['Virtual Appliances', 'Virtual Appliance', 'virtual_appliance', 'virtual-appliance'],
  organization: ['Organization', 'Organizations', 'Organisation'],
  unknown: ['unknown'],
};

const BY_KEY = new Map<string, IdentityType>();
for (const [kind, labels] of Object.entries(KINDS) as [IdentityType, readonly string[]][]) {
  for (const label of labels) BY_KEY.set(labelKey(label), kind);
}

const cache = new Map<string, IdentityType | string>();

/** The IdentityType of a vendor label, or the label itself (trimmed) when no table knows it. */
export function normalizeIdentityType(label: string): IdentityType | string {
  const hit = cache.get(label);
  if (hit !== undefined) return hit;
  const trimmed = label.trim();
  const kind: IdentityType | string =
    trimmed === '' ? 'unknown' : (BY_KEY.get(labelKey(trimmed)) ?? detach(trimmed));
  if (cache.size >= 1024) cache.clear();
  cache.set(detach(label), kind);
  return kind;
}
