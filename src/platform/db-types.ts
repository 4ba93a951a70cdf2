// Row types of every table, for Kysely. JSON columns are `unknown` on read: a string on SQLite,
// a parsed value on PostgreSQL (see decodeJson).
import type { Generated } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface CwRecordTable {
  entity: string;
  id: number;
  parent_id: number;
  data: unknown;
  owner_member_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface CwSequenceTable {
  entity: string;
  next_id: number;
}

export interface PsaRoleTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  admin_flag: number;
  inactive_flag: number;
  created_at: string;
  updated_at: string;
}

export interface PsaRoleSettingTable {
  role_id: number;
  function_id: string;
  add_level: string;
  edit_level: string;
  delete_level: string;
  inquire_level: string;
}

export interface PsaRoleCustomizeTable {
  role_id: number;
  customize_id: string;
  item_id: string;
}

export interface PsaMemberTable {
  id: Generated<number>;
  kind: 'member' | 'api';
  identifier: string;
  identifier_key: string;
  first_name: string;
  last_name: string;
  email: string | null;
  role_id: number;
  inactive_flag: number;
  inactive_date: string | null;
  password_hash: string | null;
  data: unknown;
  created_at: string;
  updated_at: string;
}

export interface PsaApiKeyTable {
  id: Generated<number>;
  member_id: number;
  description: string;
  public_key: string;
  private_key_digest: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface PsaMemberHistoryTable {
  id: Generated<number>;
  member_id: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

export interface PsaApiLogTable {
  id: Generated<number>;
  member_id: number;
  key_id: number | null;
  at: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
}

export interface PsaCallbackDeliveryTable {
  id: Generated<number>;
  callback_id: number;
  url: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
}

export interface PsaSigningKeyTable {
  id: Generated<number>;
  signing_key: string;
  created_at: string;
}

export interface PsaSessionTable {
  token_digest: string;
  member_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface SignInLockTable {
  product: 'psa' | 'console';
  account_key: string;
  client: string;
  failed_attempts: number;
  locked_until: string | null;
  updated_at: string;
}

export interface ConProviderTable {
  id: Generated<number>;
  name: string;
  kind: 'MSP' | 'MSSP';
  created_at: string;
}

export interface ConUserTable {
  id: Generated<number>;
  provider_id: number;
  email: string;
  email_key: string;
  name: string;
  role: 'admin' | 'read-only';
  password_hash: string;
  failed_attempts: number;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConSessionTable {
  token_digest: string;
  user_id: number;
  provider_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface ConCustomerTable {
  id: Generated<number>;
  provider_id: number;
  name: string;
  seats: number;
  psa_company_identifier: string | null;
  psa_company_id: number | null;
  mapping_checked_at: string | null;
  mapping_state: 'unmapped' | 'mapped' | 'missing';
  created_at: string;
  updated_at: string;
}

export interface ConPsaIntegrationTable {
  provider_id: number;
  enabled: number;
  site: string;
  company_id: string;
  client_id: string;
  public_key_sealed: string | null;
  private_key_sealed: string | null;
  public_key_hint: string | null;
  private_key_hint: string | null;
  trusted_ca: string | null;
  preflight: unknown;
  preflight_at: string | null;
  updated_at: string;
  updated_by: string;
}

export interface ConPsaCacheTable {
  provider_id: number;
  kind: string;
  data: unknown;
  refreshed_at: string;
}

export interface ConAuditTable {
  id: Generated<number>;
  provider_id: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

export interface ConSourceBindingTable {
  id: Generated<number>;
  provider_id: number;
  customer_id: number;
  kind: string;
  value: string;
  created_at: string;
}

export interface ConIngestUnitTable {
  id: Generated<number>;
  provider_id: number;
  source_key: string;
  version: string;
  status: 'claimed' | 'done' | 'failed';
  bytes: number;
  rows: number;
  bad_rows: number;
  unrouted: number;
  reason: string | null;
  claimed_by: string | null;
  lease_until: string | null;
  started_at: string;
  finished_at: string | null;
  /** sha256 of the decompressed content (file units; migration 0009). */
  content_digest: string | null;
  /** Done without counting: its content was already counted by this unit. */
  duplicate_of: number | null;
  /** Its contribution was taken back when this unit (a changed file under its name) was counted. */
  replaced_by: number | null;
}

export interface ConIngestContentTable {
  provider_id: number;
  digest: string;
  unit_id: number;
}

export interface ConIngestContributionTable {
  provider_id: number;
  unit_id: number;
  deltas: string;
}

export interface ConIngestLineErrorTable {
  id: Generated<number>;
  provider_id: number;
  unit_id: number;
  line: number;
  message: string;
}

export interface ConSourceCursorTable {
  provider_id: number;
  source: string;
  cursor: string;
  updated_at: string;
}

export interface ConAggWindowTable {
  provider_id: number;
  customer_id: number;
  identity: string;
  identity_type: string;
  category: string;
  window_minutes: number;
  window_start: string;
  blocked: number;
  total: number;
}

export interface ConAggDailyTable {
  provider_id: number;
  customer_id: number;
  day: string;
  requests: number;
  allowed: number;
  blocked: number;
  by_category: unknown;
}

export interface ConAggTopDomainsTable {
  provider_id: number;
  customer_id: number;
  day: string;
  action: string;
  summary: unknown;
}

/** Blocked requests of one window cell: first/last and the domains (migration 0010). */
export interface ConAggWindowBlockedTable {
  provider_id: number;
  customer_id: number;
  identity: string;
  identity_type: string;
  category: string;
  window_minutes: number;
  window_start: string;
  first_blocked: string;
  last_blocked: string;
  domains: unknown;
}

export interface ConAggIdentityTable {
  provider_id: number;
  customer_id: number;
  label: string;
  type: string;
  first_seen: string;
  last_seen: string;
  requests: number;
}

export interface ConIngestTokenTable {
  id: Generated<number>;
  provider_id: number;
  name: string;
  token_digest: string;
  token_hint: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface ConSourceCredentialTable {
  provider_id: number;
  source: string;
  enabled: number;
  base_url: string | null;
  key_sealed: string | null;
  secret_sealed: string | null;
  key_hint: string | null;
  secret_hint: string | null;
  updated_at: string;
  updated_by: string;
}

export interface ConTicketRuleTable {
  id: Generated<number>;
  provider_id: number;
  name: string;
  enabled: number;
  settings: unknown;
  created_at: string;
  updated_at: string;
}

export interface ConTicketOverrideTable {
  provider_id: number;
  rule_id: number;
  customer_id: number;
  settings: unknown;
  updated_at: string;
}

export interface ConTicketTrackTable {
  id: Generated<number>;
  provider_id: number;
  rule_id: number;
  customer_id: number;
  identity: string;
  identity_type: string;
  state: string;
  generation: number;
  psa_ticket_id: number | null;
  marker: string | null;
  opened_window: string | null;
  last_window: string | null;
  last_count: number;
  quiet_windows: number;
  silenced_until: string | null;
  closed_at: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConOutboxTable {
  id: Generated<number>;
  provider_id: number;
  customer_id: number | null;
  kind: string;
  subject: string;
  payload: unknown;
  state: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  ambiguous: number;
  not_before: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  result: unknown;
  created_at: string;
  done_at: string | null;
}

export interface ConPsaWriteTable {
  id: Generated<number>;
  provider_id: number;
  customer_id: number | null;
  outbox_id: number | null;
  at: string;
  method: string;
  path: string;
  status: number | null;
  outcome: string;
  detail: string;
}

export interface ConIntegrationHealthTable {
  provider_id: number;
  circuit: 'closed' | 'open';
  circuit_reason: string | null;
  circuit_opened_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  callback_url: string | null;
  callback_token_digest: string | null;
  callback_psa_id: number | null;
  updated_at: string;
}

export interface ConConfigTypeStateTable {
  provider_id: number;
  type_name: string;
  psa_type_id: number | null;
  questions: unknown;
  ensured_at: string | null;
  updated_at: string;
}

export interface ConConfigSyncTable {
  provider_id: number;
  customer_id: number;
  psa_configuration_id: number | null;
  psa_company_id: number | null;
  answers_digest: string | null;
  last_synced_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  updated_at: string;
}

export interface ConScheduleTable {
  name: string;
  next_run_at: string;
  last_run_at: string | null;
  last_run_by: string | null;
  runs: number;
}

export interface Database {
  con_provider: ConProviderTable;
  con_user: ConUserTable;
  con_session: ConSessionTable;
  con_customer: ConCustomerTable;
  con_psa_integration: ConPsaIntegrationTable;
  con_psa_cache: ConPsaCacheTable;
  con_audit: ConAuditTable;
  con_source_binding: ConSourceBindingTable;
  con_ingest_unit: ConIngestUnitTable;
  con_ingest_line_error: ConIngestLineErrorTable;
  con_ingest_content: ConIngestContentTable;
  con_ingest_contribution: ConIngestContributionTable;
  con_source_cursor: ConSourceCursorTable;
  con_agg_window: ConAggWindowTable;
  con_agg_daily: ConAggDailyTable;
  con_agg_top_domains: ConAggTopDomainsTable;
  con_agg_identity: ConAggIdentityTable;
  con_agg_window_blocked: ConAggWindowBlockedTable;
  con_ingest_token: ConIngestTokenTable;
  con_source_credential: ConSourceCredentialTable;
  con_ticket_rule: ConTicketRuleTable;
  con_ticket_override: ConTicketOverrideTable;
  con_ticket_track: ConTicketTrackTable;
  con_outbox: ConOutboxTable;
  con_psa_write: ConPsaWriteTable;
  con_integration_health: ConIntegrationHealthTable;
  con_config_type_state: ConConfigTypeStateTable;
  con_config_sync: ConConfigSyncTable;
  con_schedule: ConScheduleTable;
  cw_record: CwRecordTable;
  cw_sequence: CwSequenceTable;
  psa_role: PsaRoleTable;
  psa_role_setting: PsaRoleSettingTable;
  psa_role_customize: PsaRoleCustomizeTable;
  psa_member: PsaMemberTable;
  psa_api_key: PsaApiKeyTable;
  psa_member_history: PsaMemberHistoryTable;
  psa_api_log: PsaApiLogTable;
  psa_callback_delivery: PsaCallbackDeliveryTable;
  psa_signing_key: PsaSigningKeyTable;
  psa_session: PsaSessionTable;
  sign_in_lock: SignInLockTable;
}

export function decodeJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
