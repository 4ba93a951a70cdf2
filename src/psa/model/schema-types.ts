// Contract of the ConnectWise record schemas (generated from connectwise-rest's ManageTypes.ts,
// spec 2022.1) and of body validation.

export type FieldType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'datetime'
  | 'uuid'
  | 'object'
  | 'array'
  | 'any';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  maxLength?: number;
  enum?: string[];
  /** For 'object' (and arrays of objects): the schema name of the value, e.g. 'CompanyReference'. */
  schema?: string;
  /** For 'array': the element's spec. */
  items?: FieldSpec;
  /** Server-managed: ignored on input (id, _info, audit fields). */
  readOnly?: boolean;
}

export interface SchemaSpec {
  name: string;
  fields: Record<string, FieldSpec>;
}

/** One field error in ConnectWise's `errors[]` shape. */
export interface ValidationIssue {
  code: string; // 'NullValue' | 'InvalidField' | 'InvalidValue' | 'OutOfRange' | 'MaxLength' | 'UnknownField' | ...
  message: string;
  resource: string;
  field: string;
  /** The message's key in model/errors.ts MESSAGES and its parameters (member sessions only: the UI). */
  key?: string;
  params?: Record<string, string | number>;
}

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  /** Canonical top-level field name. */
  path: string;
  value?: unknown;
}

/** Shape of cw-schema.generated.json (written by scripts/generate-cw-schema.ts). */
export interface SchemaDocument {
  source: string;
  /** Keyed by ConnectWise schema name, e.g. 'Ticket', 'Company.Configuration', 'CompanyReference'. */
  schemas: Record<string, SchemaSpec>;
}
