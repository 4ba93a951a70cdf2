// What the generic record engine needs to know about one ConnectWise collection. Each collection
// is one declaration in resources.ts; behaviour that is not generic lives in its hooks.
import type { Transaction } from 'kysely';
import type { Database } from '../../platform/db-types.js';
import type { Doc, RecordStore, StoredRecord } from '../store/records.js';
import type { CallContext } from './context.js';

export type Method = 'list' | 'get' | 'create' | 'replace' | 'patch' | 'delete';
export const ALL_METHODS: Method[] = ['list', 'get', 'create', 'replace', 'patch', 'delete'];

export interface RefSpec {
  /** Key of the referenced resource, or 'member' for members and API members. */
  target: string;
  /** For board-scoped tables (status, type, subType, item): the field whose id is the target's parent. */
  scopeField?: string;
}

export interface Permission {
  /** Catalogue function id, e.g. 'ServiceDesk/ServiceTickets'. */
  function: string;
  /** Table Setup allow-list item, for setup tables. */
  tableSetupItem?: string;
}

export interface HookArgs {
  ctx: CallContext;
  trx: Transaction<Database>;
  store: RecordStore;
  /** Ids of the parents from the URL (outermost first). */
  parentIds: number[];
  /** The body as the caller sent it (validated), before references were resolved. */
  input: Doc;
  previous: StoredRecord | undefined;
}

export interface ResourceDef {
  key: string;
  entity: string;
  /** Schema name in cw-schema.generated.json. */
  schema: string;
  /** Name used in messages: "Ticket recId 5 not found." */
  label: string;
  /** Lower-case resource name used in validation errors ("company object is invalid"). */
  resource: string;
  /** Path below /apis/3.0 with `{parentId}` / `{grandparentId}` placeholders. */
  path: string;
  parent?: {
    resource: string;
    /** Reference field on the child that names its parent (board on a status). */
    refField?: string;
    /** Numeric field on the child that carries the parent id (ticketId on a note). */
    idField?: string;
  };
  permission: Permission;
  methods: Method[];
  refs?: Record<string, RefSpec>;
  /** Fields a reference to this resource may name it by, besides id. */
  lookup?: { identifier?: string; name?: string };
  /** Shape of a reference to this resource (without `_info`). */
  toRef?: (data: Doc) => Doc;
  /** Fields unique within the parent, compared case-insensitively. */
  unique?: string[];
  /** `_info` hrefs to children, key → sub-path. */
  childHrefs?: Record<string, string>;
  /** Records elsewhere that block a delete (409) while they point here. */
  inUse?: Array<{ resource: string; field: string }>;
  callbackType?: 'ticket' | 'company' | 'configuration';
  /** Adjusts the record before its references are resolved (a ticket moved to another board). */
  beforeResolve?: (record: Doc, args: HookArgs) => Promise<void> | void;
  /** Only one record (per parent) may carry `defaultFlag: true`; setting it clears the others. */
  exclusiveDefault?: boolean;
  /** Fills defaults and derived fields; may throw PsaError. Runs after references are resolved. */
  beforeSave?: (record: Doc, args: HookArgs) => Promise<void> | void;
  /** Runs after the record is stored, in the same transaction. */
  afterSave?: (record: Doc, args: HookArgs & { id: number }) => Promise<void> | void;
  /** Owner for the `My` level; defaults to the member who created the record. */
  ownerOf?: (record: Doc, args: HookArgs) => number | null | undefined;
  /** Adds computed fields on the way out (configuration answers). */
  render?: (records: Doc[], store: RecordStore) => Promise<void>;
  /** Fields removed from the stored document (write-only inputs such as initialDescription). */
  writeOnly?: string[];
  /** Default values applied on create when the caller omitted the field. */
  defaults?: Doc;
}
