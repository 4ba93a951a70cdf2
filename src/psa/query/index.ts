// Public API of the query module: parse ConnectWise query parameters, compile them to SQL, project fields.
export {
  type CompiledOrderTerm,
  type CompileOptions,
  compileChildConditions,
  compileConditions,
  compileCustomFieldConditions,
  compileOrderBy,
  type SqlDialect,
} from './compile.js';
export { projectFields } from './fields.js';
export {
  isGroup,
  MAX_CONDITION_TERMS,
  MAX_IN_LIST_VALUES,
  MAX_NESTING_DEPTH,
  MAX_ORDER_BY_TERMS,
  MAX_QUERY_LENGTH,
  parseConditions,
  parseDateTime,
  parseFields,
  parseLikePattern,
  parseOrderBy,
  typeMismatchMessage,
  VALUE_SYNTAX_HINT,
} from './parse.js';
export { formatCondition, formatLiteral } from './print.js';
export type * from './types.js';
