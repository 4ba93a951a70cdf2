// Contract of the query module (ConnectWise `conditions`, `childConditions`, `customFieldConditions`,
// `orderBy`, `fields`). The parser is pure; the compiler turns a parsed condition into a Kysely SQL
// expression over the JSON document column of `cw_record`.

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  /** Normalised to ConnectWise's `YYYY-MM-DDTHH:MM:SSZ`, so stored dates compare as text. */
  | { kind: 'datetime'; value: string }
  | { kind: 'null' };

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { type: 'and' | 'or'; operands: Condition[] }
  | { type: 'compare'; path: string[]; op: ComparisonOp; value: Literal }
  | { type: 'in'; path: string[]; negated: boolean; values: Literal[] }
  | { type: 'like' | 'contains'; path: string[]; negated: boolean; pattern: string };

export type ConditionGroup = Extract<Condition, { type: 'and' | 'or' }>;
export type ConditionLeaf = Exclude<Condition, ConditionGroup>;

/** A 400 in ConnectWise's shape is built from this by the HTTP layer. */
export interface QueryError {
  /** Which parameter was wrong: conditions, childConditions, customFieldConditions, orderBy, fields. */
  parameter: string;
  message: string;
  /** 0-based character offset in the parameter text, when known. */
  position?: number;
}

export type ScalarKind = 'string' | 'number' | 'boolean' | 'datetime';

export type ResolvedField =
  | { kind: ScalarKind; jsonPath: string[] }
  /** An array of objects (e.g. company `types`, `customFields`); `element` resolves paths inside one element. */
  | { kind: 'array'; jsonPath: string[]; element: FieldSchema }
  /** A JSON value of unknown type (custom field `value`): compared by the literal's own kind. */
  | { kind: 'any'; jsonPath: string[] };

/**
 * Resolves a condition path (already split on `/`, as written by the caller, any case) to where the
 * value lives in the stored JSON document. Implemented from the ConnectWise schemas in model/schema.ts;
 * it also maps aliases such as `lastUpdated` → `_info.lastUpdated`.
 */
export interface FieldSchema {
  resolve(path: string[]): ResolvedField | undefined;
}

export interface OrderTerm {
  field: ResolvedField;
  direction: 'asc' | 'desc';
}

/** One parsed `orderBy` term, before it is resolved against a schema. */
export interface OrderByTerm {
  path: string[];
  direction: 'asc' | 'desc';
}

/** A `like` pattern split into literal runs and "any run of characters" wildcards. */
export type LikePart = { type: 'text'; text: string } | { type: 'any' };
