// The console API's answers as the screens use them (see GET /api/v1/openapi.json).
import type { SecurityCategory } from '../../../src/console/aggregate/types.js';
import type { TicketRuleSettings as RuleSettings } from '../../../src/console/ticketing/types.js';

export type MappingState = 'unmapped' | 'mapped' | 'missing';

export interface Customer {
  id: number;
  name: string;
  seats: number;
  psaCompanyIdentifier: string | null;
  psaCompanyId: number | null;
  mappingState: MappingState;
  mappingCheckedAt: string | null;
}

export interface Suggestion {
  company: { id: number; identifier: string; name: string };
  score: number;
  reason: string;
}

export type BindingKind = 'umbrella-org' | 'folder-prefix' | 'dnsfilter-network' | 'ndjson-org';
export const BINDING_KINDS: readonly BindingKind[] = [
  'umbrella-org',
  'folder-prefix',
  'dnsfilter-network',
  'ndjson-org',
];

export interface Binding {
  id: number;
  customerId: number;
  kind: BindingKind;
  value: string;
  createdAt: string;
}

// Pure definitions the server exports are imported, not copied (type-only where only types are used).
export { SECURITY_CATEGORIES, type SecurityCategory } from '../../../src/console/aggregate/types.js';
export type {
  ClosedPolicy,
  PsaRef,
  TicketRuleSettings as RuleSettings,
} from '../../../src/console/ticketing/types.js';

export interface Daily {
  day: string;
  requests: number;
  allowed: number;
  blocked: number;
  byCategory: Partial<Record<SecurityCategory, { blocked: number; total: number }>>;
}

export interface Identity {
  label: string;
  type: string;
  firstSeen: string;
  lastSeen: string;
  requests: number;
}

export interface TopDomains {
  day: string;
  action: 'allowed' | 'blocked';
  requests: number;
  domains: Array<{ domain: string; count: number; minCount: number }>;
}

export interface Track {
  id: number;
  ruleId: number;
  customerId: number;
  customerName: string;
  identity: string;
  identityType: string;
  state: 'none' | 'open' | 'closed' | 'silenced';
  psaTicketId: number | null;
  openedWindow: string | null;
  lastWindow: string | null;
  lastCount: number;
  closedAt: string | null;
  reason: string | null;
  updatedAt: string;
}

export interface CustomerHealth {
  customerId: number;
  name: string;
  mappingState: MappingState;
  psaCompanyIdentifier: string | null;
  lastConfigSyncAt: string | null;
  psaConfigurationId: number | null;
  lastTicket: { psaTicketId: number; identity: string; state: string; at: string } | null;
  openTickets: number;
  pendingWrites: number;
  failedWrites: number;
  lastError: {
    message: string;
    at: string;
    source: 'mapping' | 'ticket' | 'configuration' | 'delivery';
  } | null;
  canRetry: boolean;
}

export interface IntegrationHealth {
  circuit: 'closed' | 'open';
  circuitReason: string | null;
  circuitOpenedAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  pending: number;
  failed: number;
  oldestPendingAt: string | null;
}

export interface WriteLogEntry {
  id: number;
  at: string;
  customerId: number | null;
  method: string;
  path: string;
  status: number | null;
  outcome: string;
  /** The server's English words; `key` and `params` say them again for the reader's language. */
  detail: string;
  key?: string;
  params?: Record<string, string>;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

export interface PreflightStep {
  id: string;
  label: string;
  status: 'pass' | 'fail' | 'skipped';
  fix?: string;
  detail?: string;
}

export interface PreflightResult {
  ok: boolean;
  checkedAt: string;
  steps: PreflightStep[];
}

export interface IntegrationView {
  enabled: boolean;
  site: string;
  companyId: string;
  clientId: string;
  publicKeyHint: string | null;
  privateKeyHint: string | null;
  hasKeys: boolean;
  trustedCa: boolean;
  preflight: PreflightResult | null;
  preflightAt: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface Named {
  id: number;
  name: string;
}

export interface PsaBoard extends Named {
  statuses: Array<Named & { closedStatus?: boolean; defaultFlag?: boolean }>;
  types: Named[];
  subtypes: Named[];
  items: Named[];
}

export interface Reference {
  companies: Array<{ id: number; identifier: string; name: string }>;
  boards: PsaBoard[];
  priorities: Array<Named & { defaultFlag?: boolean }>;
  sources: Array<Named & { defaultFlag?: boolean }>;
  refreshedAt: string | null;
}

export interface Rule {
  id: number;
  name: string;
  enabled: boolean;
  settings: RuleSettings;
}

export interface RuleOverride {
  ruleId: number;
  customerId: number;
  settings: Partial<RuleSettings>;
  updatedAt: string;
}

export interface Simulation {
  from: string;
  to: string;
  total: number;
  days: Array<{ customerId: number; customerName: string; day: string; tickets: number }>;
  /** Customers whose counts cross the threshold but who are not mapped (the engine raises nothing for them). */
  unmapped: Array<{ customerId: number; customerName: string; tickets: number }>;
}

export interface ConfigSyncStatus {
  typeName: string;
  psaTypeId: number | null;
  ensuredAt: string | null;
  customers: Array<{
    customerId: number;
    name: string;
    mappingState: MappingState;
    psaConfigurationId: number | null;
    lastSyncedAt: string | null;
    lastError: string | null;
    lastErrorAt: string | null;
  }>;
}

export type { SetupProgress } from '../../../src/console/model/setup-steps.js';
