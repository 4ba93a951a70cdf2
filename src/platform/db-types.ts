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

export interface Database {
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
}

export function decodeJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
