// Test-only fixtures for the query tests: a small ticket FieldSchema, twenty varied ticket documents,
// and a reference evaluator in plain JavaScript that states the intended semantics independently of SQL.
import { isGroup, parseDateTime, parseLikePattern } from './parse.js';
import type { Condition, ConditionLeaf, FieldSchema, Literal, ResolvedField, ScalarKind } from './types.js';

type Spec = ScalarKind | 'any' | { [key: string]: Spec } | [Spec];

const TICKET: Record<string, Spec> = {
  id: 'number',
  summary: 'string',
  closedFlag: 'boolean',
  budgetHours: 'number',
  company: { id: 'number', identifier: 'string', name: 'string' },
  contact: { id: 'number', name: 'string' },
  board: { id: 'number', name: 'string' },
  priority: { id: 'number', name: 'string', sort: 'number' },
  _info: { dateEntered: 'datetime', lastUpdated: 'datetime' },
  types: [{ id: 'number', name: 'string' }],
  customFields: [{ id: 'number', caption: 'string', type: 'string', value: 'any' }],
  integratorTags: ['string'],
};

/** Top-level aliases, as ConnectWise accepts `lastUpdated` for `_info/lastUpdated`. */
const ALIASES: Record<string, string[]> = {
  dateentered: ['_info', 'dateEntered'],
  lastupdated: ['_info', 'lastUpdated'],
};

function schemaOf(spec: Spec, aliases: Record<string, string[]> = {}): FieldSchema {
  return {
    resolve(path: string[]): ResolvedField | undefined {
      const head = path[0]?.toLowerCase();
      if (head !== undefined && path.length === 1 && aliases[head])
        return schemaOf(spec).resolve(aliases[head]);
      let current: Spec = spec;
      const jsonPath: string[] = [];
      for (const [i, segment] of path.entries()) {
        if (typeof current === 'string' || Array.isArray(current)) return undefined;
        const entries: Array<[string, Spec]> = Object.entries(current);
        const found = entries.find(([key]) => key.toLowerCase() === segment.toLowerCase());
        if (!found) return undefined;
        jsonPath.push(found[0]);
        current = found[1];
        if (Array.isArray(current)) {
          return i === path.length - 1
            ? { kind: 'array', jsonPath, element: schemaOf(current[0]) }
            : undefined;
        }
      }
      if (typeof current === 'string') return { kind: current, jsonPath };
      return undefined;
    },
  };
}

export const ticketSchema: FieldSchema = schemaOf(TICKET, ALIASES);

const ACME = { id: 1, identifier: 'ACME', name: 'Acme Corp' };
const GLOBEX = { id: 2, identifier: 'GLOBEX', name: 'Globex' };
const INITECH = { id: 3, identifier: 'initech', name: 'Initech' };
const UMBRELLA = { id: 4, identifier: 'Umbrella', name: 'Umbrella Corp' };
const HELP_DESK = { id: 1, name: 'Help Desk' };
const PROJECTS = { id: 2, name: 'Projects' };
const SECURITY = { id: 3, name: 'Security' };
const HIGH = { id: 1, name: 'High', sort: 1 };
const MEDIUM = { id: 2, name: 'Medium', sort: 2 };
const LOW = { id: 3, name: 'Low', sort: 3 };
const CRITICAL = { id: 4, name: 'Critical', sort: 0.5 };
const URGENT = { id: 5, name: 'Urgent', sort: -1.5 };
const FRED = { id: 1, name: 'Fred Flintstone' };
const ASTAIRE = { id: 2, name: 'fred astaire' };
const WILMA = { id: 3, name: 'Wilma' };
const BARNEY = { id: 4, name: 'Barney Rubble' };
const info = (dateEntered: string, lastUpdated: string | undefined = dateEntered) =>
  lastUpdated === undefined ? { dateEntered } : { dateEntered, lastUpdated };
const type = (id: number, name?: string) => (name === undefined ? { id } : { id, name });
const points = (value: unknown) => ({ id: 1, caption: 'Story Points', type: 'Number', value });
const outage = (value: unknown) => ({ id: 2, caption: 'Outage ID', type: 'Text', value });
const approved = (value: boolean) => ({ id: 3, caption: 'Approved', type: 'Checkbox', value });
const severity = (value: string) => ({ id: 5, caption: 'Severity', type: 'Text', value });

/**
 * Twenty tickets. Deliberate oddities: absent and null fields, case variants, LIKE specials (% _ [ !)
 * and a backslash in text, a mistyped number ("12"), `types` that is an object or holds a scalar,
 * `customFields` that is a string, an element without a name, a custom field whose value is null.
 */
export const tickets: Array<Record<string, unknown>> = [
  {
    id: 1,
    summary: 'Printer is broken',
    closedFlag: false,
    company: ACME,
    contact: FRED,
    board: HELP_DESK,
    priority: HIGH,
    _info: info('2015-12-20T10:00:00Z', '2016-01-05T08:00:00Z'),
    budgetHours: 1.5,
    types: [type(1, 'Hardware'), type(2, 'Printer')],
    customFields: [points(5), outage('A-1')],
    integratorTags: ['dns', 'alpha'],
  },
  {
    id: 2,
    summary: 'test the VPN',
    closedFlag: true,
    company: GLOBEX,
    contact: ASTAIRE,
    board: PROJECTS,
    priority: MEDIUM,
    _info: info('2015-12-24T00:00:00Z', '2016-02-01T00:00:00Z'),
    budgetHours: 10,
    types: [type(3, 'Network')],
    customFields: [points(8), approved(true)],
    integratorTags: ['dns'],
  },
  {
    id: 3,
    summary: 'Some Summary',
    closedFlag: false,
    company: ACME,
    contact: WILMA,
    board: { id: 1, name: 'help desk' },
    priority: LOW,
    _info: info('2016-01-10T12:30:00Z'),
    budgetHours: 0,
    types: [],
    customFields: [outage('B-2')],
  },
  {
    id: 4,
    summary: 'some summary',
    closedFlag: true,
    company: INITECH,
    board: PROJECTS,
    priority: HIGH,
    _info: info('2015-12-23T05:53:27Z', '2016-03-01T00:00:00Z'),
    budgetHours: -2,
    types: [type(1, 'hardware')],
    customFields: [points(null)],
  },
  {
    id: 5,
    summary: '50% off_sale [promo]',
    closedFlag: false,
    company: GLOBEX,
    contact: FRED,
    board: HELP_DESK,
    priority: MEDIUM,
    _info: info('2016-02-14T09:00:00Z', '2016-02-15T09:00:00Z'),
    budgetHours: 2.25,
    types: [type(2, 'Printer'), type(3, 'Network')],
    customFields: [outage('123'), { id: 4, caption: 'Due', type: 'Date', value: '2016-03-01T00:00:00Z' }],
  },
  {
    id: 6,
    summary: '100%_done',
    closedFlag: true,
    company: ACME,
    contact: BARNEY,
    board: SECURITY,
    priority: CRITICAL,
    _info: info('2016-03-01T00:00:00Z', '2016-03-02T00:00:00Z'),
    budgetHours: 100,
    types: { id: 9 },
    customFields: 'oops',
    integratorTags: [],
  },
  {
    id: 7,
    summary: 'TEST run',
    closedFlag: false,
    contact: { id: 5, name: 'FRED' },
    board: SECURITY,
    priority: LOW,
    _info: { dateEntered: '2016-04-01T00:00:00Z' },
    types: [5, type(4, 'Software')],
    customFields: [severity('high'), points(3)],
  },
  {
    id: 8,
    summary: 'path\\to\\file',
    closedFlag: null,
    company: { ...UMBRELLA, name: 'umbrella corp' },
    contact: { id: 6, name: 'Fred%Wild' },
    board: HELP_DESK,
    priority: URGENT,
    _info: info('2016-04-15T23:59:59Z', '2016-04-16T00:00:00Z'),
    budgetHours: null,
    types: [type(4, 'Software'), type(1, 'Hardware')],
    customFields: [approved(false)],
  },
  {
    id: 9,
    summary: 'It\'s "quoted"',
    company: GLOBEX,
    contact: WILMA,
    board: PROJECTS,
    priority: HIGH,
    _info: info('2016-05-01T00:00:00Z'),
    budgetHours: '12',
    types: [type(2, 'printer')],
    customFields: [],
  },
  {
    id: 10,
    summary: '',
    closedFlag: false,
    company: ACME,
    contact: FRED,
    board: HELP_DESK,
    priority: LOW,
    _info: info('2016-05-20T00:00:00Z', '2016-06-01T00:00:00Z'),
    budgetHours: 3,
    types: [type(3)],
    customFields: [outage(null)],
  },
  {
    id: 11,
    closedFlag: true,
    company: INITECH,
    board: PROJECTS,
    priority: MEDIUM,
    _info: info('2016-06-10T00:00:00Z', '2016-06-11T00:00:00Z'),
    budgetHours: 1.5,
  },
  {
    id: 12,
    summary: null,
    closedFlag: false,
    company: UMBRELLA,
    contact: { id: 7, name: 'Fred_Bloggs' },
    board: SECURITY,
    priority: CRITICAL,
    _info: info('2016-07-01T00:00:00Z', '2016-07-02T00:00:00Z'),
    budgetHours: 7,
    types: [type(5, 'Other')],
    customFields: [{ id: 6, caption: 'Region', type: 'Text', value: 'EMEA' }, outage('C-3')],
  },
  {
    id: 13,
    summary: '[urgent] server down',
    closedFlag: false,
    company: ACME,
    contact: { id: 8, name: 'FredX' },
    board: HELP_DESK,
    priority: URGENT,
    _info: info('2016-08-01T00:00:00Z', '2016-08-02T00:00:00Z'),
    budgetHours: 4,
    types: [type(1, 'Hardware')],
    customFields: [points(13)],
  },
  {
    id: 14,
    summary: 'Server DOWN again',
    closedFlag: true,
    company: GLOBEX,
    contact: ASTAIRE,
    board: HELP_DESK,
    priority: HIGH,
    _info: info('2016-09-01T00:00:00Z', '2016-09-01T00:00:01Z'),
    budgetHours: 0.75,
    types: [type(3, 'Network'), type(5, 'Other')],
    customFields: [severity('High')],
  },
  {
    id: 15,
    summary: 'printer jam',
    closedFlag: false,
    company: INITECH,
    contact: BARNEY,
    board: PROJECTS,
    priority: LOW,
    _info: info('2016-10-01T00:00:00Z'),
    budgetHours: 2,
    types: [type(2, 'Printer')],
    customFields: [points(5), approved(true)],
  },
  {
    id: 16,
    summary: 'New laptop',
    closedFlag: false,
    company: UMBRELLA,
    contact: WILMA,
    board: { id: 4, name: 'Procurement' },
    _info: info('2017-01-01T00:00:00Z', '2017-01-02T00:00:00Z'),
    budgetHours: 5,
    types: [type(4, 'Software')],
    customFields: [{ id: 7, caption: 'Cost', type: 'Currency', value: 1999.99 }],
  },
  {
    id: 17,
    summary: 'a_b',
    closedFlag: true,
    company: ACME,
    contact: FRED,
    board: SECURITY,
    priority: MEDIUM,
    _info: info('2017-02-01T00:00:00Z'),
    budgetHours: 8,
    types: [],
    customFields: [outage('A-1')],
  },
  {
    id: 18,
    summary: 'axb',
    closedFlag: false,
    company: GLOBEX,
    contact: WILMA,
    board: HELP_DESK,
    priority: LOW,
    _info: info('2017-03-01T00:00:00Z'),
    budgetHours: 8,
    types: [type(1, 'Hardware'), type(4, 'Software')],
    customFields: [severity('low')],
  },
  {
    id: 19,
    summary: 'Email from john@Outlook.com',
    closedFlag: false,
    company: INITECH,
    contact: { id: 9, name: 'John' },
    board: HELP_DESK,
    priority: HIGH,
    _info: info('2017-04-01T00:00:00Z'),
    budgetHours: 1,
    types: [type(6, 'Email')],
    customFields: [{ id: 8, caption: 'Billable', type: 'Checkbox', value: true }, points(2)],
  },
  {
    id: 20,
    summary: 'Password reset',
    closedFlag: false,
    company: UMBRELLA,
    contact: ASTAIRE,
    board: HELP_DESK,
    priority: MEDIUM,
    _info: info('2017-05-01T00:00:00Z'),
    budgetHours: 0.5,
    types: [type(1, 'Hardware')],
    customFields: [points(1)],
  },
];

// ---------------------------------------------------------------------------------------------
// Reference evaluator. No negation exists above comparisons, so "unknown" can be folded to false
// at the leaves: an absent, null or mistyped value fails every comparison except `= null`.

function valueAt(doc: unknown, path: string[]): unknown {
  let current = doc;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const isKind = (value: unknown, kind: ScalarKind): boolean =>
  kind === 'number'
    ? typeof value === 'number'
    : kind === 'boolean'
      ? typeof value === 'boolean'
      : typeof value === 'string';

function literalAs(kind: ScalarKind | 'any', literal: Literal): { kind: ScalarKind; value: unknown } {
  if (literal.kind === 'null') throw new Error('null literal outside = / !=');
  if (kind === 'datetime' && literal.kind === 'string') return { kind, value: parseDateTime(literal.value) };
  return { kind: literal.kind, value: literal.value };
}

const fold = (kind: ScalarKind, value: unknown): unknown =>
  kind === 'string' && typeof value === 'string' ? value.toLowerCase() : value;

function compareValues(op: string, a: unknown, b: unknown): boolean {
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

function likeRegExp(pattern: string): RegExp {
  const body = parseLikePattern(pattern.toLowerCase())
    .map((part) => (part.type === 'any' ? '[\\s\\S]*' : part.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'u');
}

function evaluateLeaf(leaf: ConditionLeaf, field: ResolvedField, doc: unknown): boolean {
  if (field.kind === 'array') throw new Error('array leaf');
  const raw = valueAt(doc, field.jsonPath);
  if (leaf.type === 'compare' && leaf.value.kind === 'null') {
    const missing = raw === undefined || raw === null;
    return leaf.op === '=' ? missing : !missing;
  }
  if (leaf.type === 'compare' || leaf.type === 'in') {
    const literals = leaf.type === 'compare' ? [leaf.value] : leaf.values;
    const op = leaf.type === 'compare' ? leaf.op : '=';
    const hits = literals.map((literal) => {
      const bound = literalAs(field.kind, literal);
      return (
        isKind(raw, bound.kind) && compareValues(op, fold(bound.kind, raw), fold(bound.kind, bound.value))
      );
    });
    if (leaf.type === 'compare') return hits[0]!;
    const present = isKind(raw, literalAs(field.kind, literals[0]!).kind);
    return leaf.negated ? present && !hits.some(Boolean) : hits.some(Boolean);
  }
  if (typeof raw !== 'string') return false;
  const text = raw.toLowerCase();
  const matched =
    leaf.type === 'contains'
      ? text.includes(leaf.pattern.toLowerCase())
      : likeRegExp(leaf.pattern).test(text);
  return leaf.negated ? !matched : matched;
}

/** Whether `doc` satisfies `condition`, every path resolved through `schema`. */
export function evaluate(condition: Condition, schema: FieldSchema, doc: unknown): boolean {
  if (isGroup(condition)) {
    const results = condition.operands.map((c) => evaluate(c, schema, doc));
    return condition.type === 'and' ? results.every(Boolean) : results.some(Boolean);
  }
  const field = schema.resolve(condition.path);
  if (field === undefined) throw new Error(`unknown field ${condition.path.join('/')}`);
  return evaluateLeaf(condition, field, doc);
}

/**
 * Whether some element of the array at `arrayPath` (the record's JSON path) satisfies the whole condition;
 * the first `strip` segments of every path in the condition name the array and are removed.
 */
export function evaluateSomeElement(
  condition: Condition,
  arrayPath: string[],
  element: FieldSchema,
  doc: unknown,
  strip = 0,
): boolean {
  const relative = stripPaths(condition, strip);
  const array = valueAt(doc, arrayPath);
  return Array.isArray(array) && array.some((item) => evaluate(relative, element, item));
}

function stripPaths(condition: Condition, strip: number): Condition {
  if (isGroup(condition)) {
    return { type: condition.type, operands: condition.operands.map((c) => stripPaths(c, strip)) };
  }
  return { ...condition, path: condition.path.slice(strip) };
}

/** Ids of the fixture tickets satisfying `test`, ascending. */
export const idsWhere = (test: (doc: Record<string, unknown>) => boolean): number[] =>
  tickets.filter(test).map((t) => t.id as number);
