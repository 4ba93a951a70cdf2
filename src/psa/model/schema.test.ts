// Case tables and property tests for the ConnectWise schemas, the field resolver and body/PATCH validation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResolvedField } from '../query/types.js';
import data from './cw-schema.generated.json' with { type: 'json' };
import {
  applyPatch,
  canonicalField,
  enumValues,
  fieldSchema,
  getSchema,
  normalizeDateTime,
  parsePatch,
  requiredFields,
  SCHEMA_SOURCE,
  schemaNames,
  validateBody,
} from './schema.js';
import type { FieldSpec, SchemaSpec, ValidationIssue } from './schema-types.js';

const create = { mode: 'create', resource: 'ticket' } as const;
const replace = { mode: 'replace', resource: 'ticket' } as const;

function issuesOf(result: { ok: true } | { ok: false; error: ValidationIssue[] }): ValidationIssue[] {
  return result.ok ? [] : result.error;
}

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Record schemas the PSA serves by themselves (not embedded in others). */
const RECORD_SCHEMAS = [
  'Company',
  'CommunicationType',
  'Company.Configuration',
  'ConfigurationType',
  'ConfigurationTypeQuestion',
  'ConfigurationTypeQuestionValue',
  'ConfigurationStatus',
  'Ticket',
  'ServiceNote',
  'Board',
  'BoardStatus',
  'BoardType',
  'BoardSubType',
  'BoardItem',
  'Priority',
  'Source',
  'Member',
  'ApiMember',
  'SecurityRole',
  'SecurityRoleSetting',
  'MySecurity',
  'MySecurityCustomizeItem',
  'CallbackEntry',
  'Agreement',
  'Addition',
];

describe('generated schemas', () => {
  it('records where they came from', () => {
    expect(SCHEMA_SOURCE).toBe('connectwise-rest 1.3.0 ManageTypes.ts (spec 2022.1)');
  });

  it.each([
    ...RECORD_SCHEMAS,
    'CompanyReference',
    'ConfigurationQuestion',
    'Info',
    'CustomFieldValue',
    'Token',
    'ErrorResponseMessage',
    'ValidationError',
  ])('contains root schema %s', (name) => {
    expect(schemaNames()).toContain(name);
    expect(getSchema(name).name).toBe(name);
  });

  it('resolves aliases and throws on unknown schema names', () => {
    expect(getSchema('Configuration').name).toBe('Company.Configuration');
    expect(getSchema('SystemInfo').name).toBe('Info');
    expect(() => getSchema('NoSuchSchema')).toThrow(/NoSuchSchema/);
    expect(() => fieldSchema('NoSuchSchema')).toThrow();
  });

  it('is closed: every referenced schema is present', () => {
    const missing: string[] = [];
    const visit = (spec: FieldSpec): void => {
      if (spec.schema !== undefined && !schemaNames().includes(spec.schema)) missing.push(spec.schema);
      if (spec.items !== undefined) visit(spec.items);
    };
    for (const name of schemaNames()) for (const spec of Object.values(getSchema(name).fields)) visit(spec);
    expect(missing).toEqual([]);
  });

  it('has no two fields differing only in case (case-insensitive matching must be unambiguous)', () => {
    for (const name of schemaNames()) {
      const lower = Object.keys(getSchema(name).fields).map((f) => f.toLowerCase());
      expect(new Set(lower).size, name).toBe(lower.length);
    }
  });

  it('stays small', () => {
    expect(JSON.stringify(data).length).toBeLessThan(1_500_000);
  });

  // Field lists from connectwise-api.md §6.
  it.each<[string, string[]]>([
    [
      'Ticket',
      [
        'id',
        'summary',
        'recordType',
        'board',
        'status',
        'workRole',
        'workType',
        'company',
        'site',
        'siteName',
        'contact',
        'contactEmailAddress',
        'type',
        'subType',
        'item',
        'team',
        'owner',
        'priority',
        'serviceLocation',
        'source',
        'requiredDate',
        'budgetHours',
        'agreement',
        'severity',
        'impact',
        'externalXRef',
        'initialDescription',
        'initialInternalAnalysis',
        'initialResolution',
        'processNotifications',
        'skipCallback',
        'closedDate',
        'closedBy',
        'closedFlag',
        'actualHours',
        'billTime',
        'billExpenses',
        'billProducts',
        'resources',
        'parentTicketId',
        'mobileGuid',
        'sla',
        'currency',
        'mergedParentTicket',
        'integratorTags',
        '_info',
        'customFields',
      ],
    ],
    [
      'Company',
      [
        'id',
        'identifier',
        'name',
        'status',
        'types',
        'addressLine1',
        'city',
        'state',
        'zip',
        'country',
        'phoneNumber',
        'website',
        'territory',
        'market',
        'defaultContact',
        'parentCompany',
        'annualRevenue',
        'yearEstablished',
        'leadFlag',
        'userDefinedField1',
        'userDefinedField10',
        'deletedFlag',
        'dateDeleted',
        'mobileGuid',
        'territoryManager',
        'isVendorFlag',
        'site',
        'integratorTags',
        '_info',
        'customFields',
      ],
    ],
    [
      'Company.Configuration',
      [
        'id',
        'name',
        'type',
        'status',
        'company',
        'contact',
        'site',
        'deviceIdentifier',
        'serialNumber',
        'modelNumber',
        'tagNumber',
        'purchaseDate',
        'installationDate',
        'installedBy',
        'warrantyExpirationDate',
        'notes',
        'macAddress',
        'billFlag',
        'ipAddress',
        'osType',
        'osInfo',
        'vendor',
        'manufacturer',
        'questions',
        'activeFlag',
        'mobileGuid',
        'manufacturerPartNumber',
        '_info',
        'customFields',
      ],
    ],
    [
      'ServiceNote',
      [
        'id',
        'ticketId',
        'text',
        'detailDescriptionFlag',
        'internalAnalysisFlag',
        'resolutionFlag',
        'issueFlag',
        'member',
        'contact',
        'customerUpdatedFlag',
        'processNotifications',
        'dateCreated',
        'createdBy',
        'internalFlag',
        'externalFlag',
        '_info',
      ],
    ],
    ['CompanyReference', ['id', 'identifier', 'name', '_info']],
    ['ConfigurationStatus', ['id', 'description', 'closedFlag', 'defaultFlag', '_info']],
    [
      'BoardStatus',
      ['id', 'name', 'board', 'sortOrder', 'inactive', 'closedStatus', 'defaultFlag', 'escalationStatus'],
    ],
    ['Priority', ['id', 'name', 'color', 'sortOrder', 'defaultFlag', 'imageLink', '_info']],
    ['Source', ['id', 'name', 'defaultFlag', 'enteredBy', 'dateEntered', '_info']],
    ['CallbackEntry', ['id', 'description', 'url', 'objectId', 'type', 'level', 'memberId', 'inactiveFlag']],
    ['Info', ['version', 'isCloud', 'serverTimeZone', 'licenseBits', 'cloudRegion']],
    ['Token', ['publicKey', 'privateKey', 'expiration']],
    ['ValidationError', ['code', 'message', 'resource', 'field', 'details']],
  ])('%s has the fields of connectwise-api.md §6', (name, fields) => {
    expect(Object.keys(getSchema(name).fields)).toEqual(expect.arrayContaining(fields));
  });

  it.each<[string, string, Partial<FieldSpec>]>([
    ['Ticket', 'summary', { type: 'string', required: true, maxLength: 100 }],
    ['Ticket', 'id', { type: 'integer', readOnly: true }],
    ['Ticket', '_info', { type: 'object', readOnly: true }],
    ['Ticket', 'closedDate', { type: 'datetime', readOnly: true }],
    ['Ticket', 'closedBy', { type: 'string', readOnly: true }],
    ['Ticket', 'closedFlag', { type: 'boolean' }],
    ['Ticket', 'board', { type: 'object', schema: 'BoardReference' }],
    ['Ticket', 'company', { type: 'object', schema: 'CompanyReference' }],
    ['Ticket', 'priority', { type: 'object', schema: 'PriorityReference' }],
    ['Ticket', 'budgetHours', { type: 'number' }],
    ['Ticket', 'parentTicketId', { type: 'integer' }],
    ['Ticket', 'requiredDate', { type: 'datetime' }],
    ['Ticket', 'mobileGuid', { type: 'uuid' }],
    ['Ticket', 'severity', { type: 'string', enum: ['Low', 'Medium', 'High'] }],
    ['Ticket', 'integratorTags', { type: 'array', items: { type: 'string' } }],
    ['Ticket', 'customFields', { type: 'array', items: { type: 'object', schema: 'CustomFieldValue' } }],
    ['Company', 'identifier', { type: 'string', required: true, maxLength: 25 }],
    ['Company', 'name', { type: 'string', required: true, maxLength: 50 }],
    ['Company', 'types', { type: 'array', items: { type: 'object', schema: 'CompanyTypeReference' } }],
    ['Company.Configuration', 'name', { type: 'string', required: true, maxLength: 100 }],
    [
      'Company.Configuration',
      'questions',
      { type: 'array', items: { type: 'object', schema: 'ConfigurationQuestion' } },
    ],
    ['ConfigurationQuestion', 'answer', { type: 'any' }],
    ['CustomFieldValue', 'value', { type: 'any' }],
    ['CustomFieldValue', 'id', { type: 'integer' }],
    ['CompanyReference', 'id', { type: 'integer' }],
    ['Source', 'dateEntered', { type: 'datetime', readOnly: true }],
    ['Source', 'enteredBy', { type: 'string', readOnly: true }],
    ['ServiceNote', 'dateCreated', { type: 'datetime' }],
    ['CallbackEntry', 'description', { type: 'string', maxLength: 100 }],
  ])('%s.%s is %o', (schema, field, expected) => {
    expect(getSchema(schema).fields[field]).toEqual(expected);
  });

  it('never marks id required, and keeps id writable inside references', () => {
    for (const name of schemaNames()) expect(getSchema(name).fields['id']?.required).toBeUndefined();
    expect(getSchema('CompanyReference').fields['id']?.readOnly).toBeUndefined();
    expect(getSchema('BoardReference').fields['id']?.readOnly).toBeUndefined();
  });

  it.each<[string, string[]]>([
    ['Ticket', ['summary']],
    ['Company', ['identifier', 'name']],
    ['Company.Configuration', ['name']],
    ['ConfigurationStatus', ['description']],
    ['Priority', ['name', 'color']],
    ['ServiceNote', []],
  ])('requiredFields(%s)', (name, expected) => {
    expect(requiredFields(name)).toEqual(expected);
  });

  it('enumValues and canonicalField match case-insensitively', () => {
    expect(enumValues('Priority', 'COLOR')).toContain('Custom');
    expect(enumValues('Ticket', 'summary')).toBeUndefined();
    expect(enumValues('Ticket', 'nope')).toBeUndefined();
    expect(canonicalField('Ticket', 'SUMMARY')).toBe('summary');
    expect(canonicalField('Ticket', '__proto__')).toBeUndefined();
    expect(canonicalField('Ticket', 'constructor')).toBeUndefined();
  });
});

describe('fieldSchema', () => {
  const ticket = fieldSchema('Ticket');

  it.each<[string, string[], Omit<ResolvedField, 'element'> | undefined]>([
    ['Ticket', ['summary'], { kind: 'string', jsonPath: ['summary'] }],
    ['Ticket', ['SUMMARY'], { kind: 'string', jsonPath: ['summary'] }],
    ['Ticket', ['id'], { kind: 'number', jsonPath: ['id'] }],
    ['Ticket', ['budgetHours'], { kind: 'number', jsonPath: ['budgetHours'] }],
    ['Ticket', ['closedFlag'], { kind: 'boolean', jsonPath: ['closedFlag'] }],
    ['Ticket', ['requiredDate'], { kind: 'datetime', jsonPath: ['requiredDate'] }],
    ['Ticket', ['closedDate'], { kind: 'datetime', jsonPath: ['closedDate'] }],
    ['Ticket', ['severity'], { kind: 'string', jsonPath: ['severity'] }],
    ['Ticket', ['mobileGuid'], { kind: 'string', jsonPath: ['mobileGuid'] }],
    ['Ticket', ['company', 'identifier'], { kind: 'string', jsonPath: ['company', 'identifier'] }],
    ['Ticket', ['Company', 'ID'], { kind: 'number', jsonPath: ['company', 'id'] }],
    ['Ticket', ['board', 'name'], { kind: 'string', jsonPath: ['board', 'name'] }],
    ['Ticket', ['priority', 'sort'], { kind: 'number', jsonPath: ['priority', 'sort'] }],
    ['Ticket', ['_info', 'lastUpdated'], { kind: 'datetime', jsonPath: ['_info', 'lastUpdated'] }],
    ['Ticket', ['_INFO', 'dateentered'], { kind: 'datetime', jsonPath: ['_info', 'dateEntered'] }],
    ['Ticket', ['_info', 'updatedBy'], { kind: 'string', jsonPath: ['_info', 'updatedBy'] }],
    ['Ticket', ['_info', 'Notes_Href'], { kind: 'string', jsonPath: ['_info', 'notes_href'] }],
    ['Ticket', ['_info', 'someKey'], { kind: 'string', jsonPath: ['_info', 'someKey'] }],
    ['Ticket', ['lastUpdated'], { kind: 'datetime', jsonPath: ['_info', 'lastUpdated'] }],
    ['Ticket', ['LastUpdated'], { kind: 'datetime', jsonPath: ['_info', 'lastUpdated'] }],
    ['Ticket', ['dateEntered'], { kind: 'datetime', jsonPath: ['_info', 'dateEntered'] }],
    ['Ticket', ['updatedBy'], { kind: 'string', jsonPath: ['_info', 'updatedBy'] }],
    ['Ticket', ['enteredBy'], { kind: 'string', jsonPath: ['_info', 'enteredBy'] }],
    // Source has top-level audit fields, so the alias is not needed there.
    ['Source', ['dateEntered'], { kind: 'datetime', jsonPath: ['dateEntered'] }],
    ['Source', ['enteredBy'], { kind: 'string', jsonPath: ['enteredBy'] }],
    ['Source', ['lastUpdated'], { kind: 'datetime', jsonPath: ['_info', 'lastUpdated'] }],
    ['Company', ['identifier'], { kind: 'string', jsonPath: ['identifier'] }],
    ['Company', ['status', 'name'], { kind: 'string', jsonPath: ['status', 'name'] }],
    ['Company.Configuration', ['type', 'name'], { kind: 'string', jsonPath: ['type', 'name'] }],
    ['Configuration', ['company', 'identifier'], { kind: 'string', jsonPath: ['company', 'identifier'] }],
    ['Ticket', ['company'], undefined],
    ['Ticket', ['_info'], undefined],
    ['Ticket', ['_info', 'a', 'b'], undefined],
    ['Ticket', ['summary', 'x'], undefined],
    ['Ticket', ['company', 'nope'], undefined],
    ['Ticket', ['company', 'lastUpdated'], undefined],
    ['Ticket', ['customFields', 'caption'], undefined],
    ['Ticket', ['lastUpdated', 'x'], undefined],
    ['Ticket', ['nope'], undefined],
    ['Ticket', [], undefined],
    ['Ticket', ['__proto__'], undefined],
    ['Token', ['lastUpdated'], undefined],
  ])('%s %j', (schema, path, expected) => {
    expect(fieldSchema(schema).resolve(path)).toEqual(expected);
  });

  it('caches per schema name', () => {
    expect(fieldSchema('Ticket')).toBe(ticket);
  });

  it('resolves arrays of objects with an element resolver', () => {
    const custom = ticket.resolve(['customFields']);
    expect(custom?.kind).toBe('array');
    if (custom?.kind !== 'array') return;
    expect(custom.jsonPath).toEqual(['customFields']);
    const el = custom.element;
    expect(el.resolve(['caption'])).toEqual({ kind: 'string', jsonPath: ['caption'] });
    expect(el.resolve(['Value'])).toEqual({ kind: 'any', jsonPath: ['value'] });
    expect(el.resolve(['id'])).toEqual({ kind: 'number', jsonPath: ['id'] });
    expect(el.resolve(['type'])).toEqual({ kind: 'string', jsonPath: ['type'] });
    expect(el.resolve(['entryMethod'])).toEqual({ kind: 'string', jsonPath: ['entryMethod'] });
    expect(el.resolve(['numberOfDecimals'])).toEqual({ kind: 'number', jsonPath: ['numberOfDecimals'] });
    expect(el.resolve(['lastUpdated'])).toBeUndefined();

    const types = fieldSchema('Company').resolve(['types']);
    expect(types?.kind === 'array' && types.element.resolve(['name'])).toEqual({
      kind: 'string',
      jsonPath: ['name'],
    });
    const questions = fieldSchema('Configuration').resolve(['questions']);
    expect(questions?.kind === 'array' && questions.element.resolve(['answer'])).toEqual({
      kind: 'any',
      jsonPath: ['answer'],
    });
  });

  it('resolves arrays of scalars with an element that is the empty path', () => {
    const tags = ticket.resolve(['integratorTags']);
    expect(tags).toMatchObject({ kind: 'array', jsonPath: ['integratorTags'] });
    if (tags?.kind !== 'array') return;
    expect(tags.element.resolve([])).toEqual({ kind: 'string', jsonPath: [] });
    expect(tags.element.resolve(['x'])).toBeUndefined();
  });

  it('resolves every top-level scalar field of every schema to its own name', () => {
    for (const name of schemaNames()) {
      const resolver = fieldSchema(name);
      for (const [field, spec] of Object.entries(getSchema(name).fields)) {
        const resolved = resolver.resolve([field.toUpperCase()]);
        if (spec.type === 'object') expect(resolved).toBeUndefined();
        else expect(resolved?.jsonPath, `${name}.${field}`).toEqual([field]);
      }
    }
  });
});

describe('normalizeDateTime', () => {
  it.each<[string, string | undefined]>([
    ['2024-01-31T09:30:00Z', '2024-01-31T09:30:00Z'],
    ['2024-01-31T09:30:00.999Z', '2024-01-31T09:30:00Z'],
    ['2024-01-31T09:30Z', '2024-01-31T09:30:00Z'],
    ['2024-01-31', '2024-01-31T00:00:00Z'],
    ['2024-01-31T09:30:00', '2024-01-31T09:30:00Z'],
    ['2024-01-31 09:30:00', '2024-01-31T09:30:00Z'],
    ['2024-01-31t09:30:00z', '2024-01-31T09:30:00Z'],
    ['2024-01-31T09:30:00+02:00', '2024-01-31T07:30:00Z'],
    ['2024-01-31T23:30:00-0130', '2024-02-01T01:00:00Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00Z'],
    ['2023-02-29T00:00:00Z', undefined],
    ['1900-02-29T00:00:00Z', undefined],
    ['2024-13-01T00:00:00Z', undefined],
    ['2024-04-31T00:00:00Z', undefined],
    ['2024-01-31T24:00:00Z', undefined],
    ['2024-01-31T10:60:00Z', undefined],
    ['2024-01-31T10:00:60Z', undefined],
    ['2024-01-31T10:00:00+25:00', undefined],
    ['9999-12-31T23:00:00-05:00', undefined],
    ['0001-01-01T00:00:00+01:00', undefined],
    ['2024-1-5', undefined],
    ['yesterday', undefined],
    ['', undefined],
    ['2024-01-31T09:30:00Z trailing', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDateTime(input)).toBe(expected);
  });

  it('is idempotent and agrees with Date for any instant', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          const iso = d.toISOString();
          const once = normalizeDateTime(iso);
          expect(once).toBe(`${iso.slice(0, 19)}Z`);
          expect(normalizeDateTime(once!)).toBe(once);
        },
      ),
    );
  });
});

describe('validateBody', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ summary: 'x' }]],
    ['a string', 'summary'],
    ['a number', 42],
    ['a boolean', true],
    ['undefined', undefined],
  ])('refuses %s as a body', (_label, body) => {
    expect(issuesOf(validateBody('Ticket', body, create))).toEqual([
      { code: 'InvalidObject', message: expect.any(String), resource: 'ticket', field: '' },
    ]);
  });

  it('accepts a minimal ticket and returns canonical names in schema order', () => {
    const result = validateBody(
      'Ticket',
      { Company: { Identifier: 'ABC' }, SUMMARY: 'Printer on fire', board: { name: 'Service Board' } },
      create,
    );
    expect(unwrap(result)).toEqual({
      summary: 'Printer on fire',
      board: { name: 'Service Board' },
      company: { identifier: 'ABC' },
    });
    expect(Object.keys(unwrap(result))).toEqual(['summary', 'board', 'company']);
  });

  it.each<[string, Record<string, unknown>, Partial<ValidationIssue>[]]>([
    [
      'unknown field',
      { summary: 'x', foo: 1 },
      [{ code: 'UnknownField', field: 'foo', message: "The field 'foo' is not a field of ticket." }],
    ],
    [
      'prototype keys are unknown fields',
      JSON.parse('{"summary":"x","__proto__":{"a":1}}'),
      [{ code: 'UnknownField', field: '__proto__' }],
    ],
    ['missing required field', {}, [{ code: 'NullValue', field: 'summary', message: 'summary is required' }]],
    ['null required field', { summary: null }, [{ code: 'NullValue', field: 'summary' }]],
    ['too long', { summary: 'x'.repeat(101) }, [{ code: 'MaxLength', field: 'summary' }]],
    ['wrong type for string', { summary: true }, [{ code: 'InvalidValue', field: 'summary' }]],
    ['object for string', { summary: { a: 1 } }, [{ code: 'InvalidValue', field: 'summary' }]],
    [
      'fractional integer',
      { summary: 'x', parentTicketId: 1.5 },
      [{ code: 'InvalidValue', field: 'parentTicketId' }],
    ],
    [
      'fractional numeric string for integer',
      { summary: 'x', parentTicketId: '2.5' },
      [{ code: 'InvalidValue', field: 'parentTicketId' }],
    ],
    [
      'non-numeric string',
      { summary: 'x', budgetHours: 'lots' },
      [{ code: 'InvalidValue', field: 'budgetHours' }],
    ],
    [
      'empty string for number',
      { summary: 'x', budgetHours: '' },
      [{ code: 'InvalidValue', field: 'budgetHours' }],
    ],
    [
      'boolean for number',
      { summary: 'x', budgetHours: true },
      [{ code: 'InvalidValue', field: 'budgetHours' }],
    ],
    [
      'huge number string',
      { summary: 'x', budgetHours: '1e400' },
      [{ code: 'OutOfRange', field: 'budgetHours' }],
    ],
    [
      'unsafe integer',
      { summary: 'x', parentTicketId: 2 ** 60 },
      [{ code: 'OutOfRange', field: 'parentTicketId' }],
    ],
    [
      'string for boolean',
      { summary: 'x', closedFlag: 'true' },
      [{ code: 'InvalidValue', field: 'closedFlag' }],
    ],
    ['number for boolean', { summary: 'x', approved: 1 }, [{ code: 'InvalidValue', field: 'approved' }]],
    ['bad enum', { summary: 'x', severity: 'Critical' }, [{ code: 'InvalidValue', field: 'severity' }]],
    [
      'bad date',
      { summary: 'x', requiredDate: '31/01/2024' },
      [{ code: 'InvalidValue', field: 'requiredDate' }],
    ],
    [
      'number for date',
      { summary: 'x', requiredDate: 1706693400 },
      [{ code: 'InvalidValue', field: 'requiredDate' }],
    ],
    ['bad uuid', { summary: 'x', mobileGuid: 'not-a-guid' }, [{ code: 'InvalidValue', field: 'mobileGuid' }]],
    [
      'reference not an object',
      { summary: 'x', company: 'ABC' },
      [{ code: 'InvalidValue', field: 'company' }],
    ],
    [
      'reference as array',
      { summary: 'x', company: [{ id: 1 }] },
      [{ code: 'InvalidValue', field: 'company' }],
    ],
    [
      'bad reference id',
      { summary: 'x', company: { id: 'x' } },
      [{ code: 'InvalidValue', field: 'company/id' }],
    ],
    [
      'bad reference name type',
      { summary: 'x', board: { name: 7, id: true } },
      [{ code: 'InvalidValue', field: 'board/id' }],
    ],
    [
      'array not an array',
      { summary: 'x', customFields: { id: 1 } },
      [{ code: 'InvalidValue', field: 'customFields' }],
    ],
    [
      'bad array element field',
      { summary: 'x', customFields: [{ id: 1 }, { id: 2, numberOfDecimals: 'two' }] },
      [{ code: 'InvalidValue', field: 'customFields[1]/numberOfDecimals' }],
    ],
    [
      'null array element',
      { summary: 'x', customFields: [null] },
      [{ code: 'InvalidValue', field: 'customFields[0]' }],
    ],
    [
      'scalar array element',
      { summary: 'x', integratorTags: ['a', {}] },
      [{ code: 'InvalidValue', field: 'integratorTags[1]' }],
    ],
    [
      'bad custom field enum',
      { summary: 'x', customFields: [{ type: 'Nope' }] },
      [{ code: 'InvalidValue', field: 'customFields[0]/type' }],
    ],
    [
      'duplicate field in two cases',
      { summary: 'x', Summary: 'y' },
      [{ code: 'InvalidField', field: 'summary' }],
    ],
  ])('%s', (_label, body, expected) => {
    const issues = issuesOf(validateBody('Ticket', body, create));
    expect(issues).toEqual(expected.map((e) => expect.objectContaining({ resource: 'ticket', ...e })));
  });

  it('names the limit in MaxLength messages', () => {
    const [only] = issuesOf(validateBody('Ticket', { summary: 'x'.repeat(101) }, create));
    expect(only?.message).toMatch(/100/);
    const [company] = issuesOf(
      validateBody(
        'Company',
        { identifier: 'x'.repeat(26), name: 'n' },
        { mode: 'create', resource: 'company' },
      ),
    );
    expect(company).toMatchObject({ code: 'MaxLength', field: 'identifier', resource: 'company' });
    expect(company?.message).toMatch(/25/);
  });

  it('accepts exactly maxLength characters', () => {
    expect(validateBody('Ticket', { summary: 'x'.repeat(100) }, create).ok).toBe(true);
  });

  it('lists the allowed values for a bad enum', () => {
    const [only] = issuesOf(validateBody('Ticket', { summary: 'x', impact: 'Huge' }, create));
    expect(only?.message).toContain('Low, Medium, High');
  });

  it('collects every issue, not just the first', () => {
    const issues = issuesOf(
      validateBody(
        'Ticket',
        { foo: 1, bar: 2, budgetHours: 'x', closedFlag: 'no', company: { id: 'x' }, severity: 'nope' },
        create,
      ),
    );
    expect(issues.map((i) => `${i.code}:${i.field}`).sort()).toEqual(
      [
        'UnknownField:foo',
        'UnknownField:bar',
        'InvalidValue:budgetHours',
        'InvalidValue:closedFlag',
        'InvalidValue:company/id',
        'InvalidValue:severity',
        'NullValue:summary',
      ].sort(),
    );
  });

  it.each(['create', 'replace'] as const)('requires required fields in %s mode', (mode) => {
    const issues = issuesOf(validateBody('Company', { name: 'Acme' }, { mode, resource: 'company' }));
    expect(issues).toEqual([
      { code: 'NullValue', message: 'identifier is required', resource: 'company', field: 'identifier' },
    ]);
    expect(
      validateBody('Company', { identifier: 'ACME', name: 'Acme' }, { mode, resource: 'company' }).ok,
    ).toBe(true);
  });

  it.each<[string, unknown, unknown]>([
    ['budgetHours', '2.5', 2.5],
    ['budgetHours', ' 3 ', 3],
    ['budgetHours', '-1e2', -100],
    ['budgetHours', 0, 0],
    ['parentTicketId', '42', 42],
    ['parentTicketId', '42.0', 42],
    ['parentTicketId', 7, 7],
    ['closedFlag', false, false],
    ['severity', 'low', 'Low'],
    ['severity', 'HIGH', 'High'],
    ['billTime', 'donotbill', 'DoNotBill'],
    ['requiredDate', '2024-01-31', '2024-01-31T00:00:00Z'],
    ['requiredDate', '2024-01-31T10:15:30.5+02:00', '2024-01-31T08:15:30Z'],
    ['mobileGuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['zip', 12345, '12345'],
    [
      'company',
      { ID: '5', identifier: 'ABC', extra: 'dropped', _info: { company_href: 'x' } },
      { id: 5, identifier: 'ABC' },
    ],
    ['company', {}, {}],
    ['company', { id: null }, { id: null }],
    ['integratorTags', ['a', 'b'], ['a', 'b']],
    ['integratorTags', [], []],
    [
      'customFields',
      [
        {
          ID: 1,
          Caption: 'Story Points',
          type: 'number',
          entryMethod: 'EntryField',
          numberOfDecimals: 0,
          value: 5,
        },
      ],
      [
        {
          id: 1,
          caption: 'Story Points',
          type: 'Number',
          entryMethod: 'EntryField',
          numberOfDecimals: 0,
          value: 5,
        },
      ],
    ],
    ['customFields', [{ id: 2, value: { any: ['json'] } }], [{ id: 2, value: { any: ['json'] } }]],
    ['budgetHours', null, null],
    ['company', null, null],
  ])('normalises %s = %j', (field, input, output) => {
    const value = unwrap(validateBody('Ticket', { summary: 'x', [field]: input }, create));
    expect(value[field]).toEqual(output);
  });

  it('silently drops read-only fields, even invalid ones', () => {
    const value = unwrap(
      validateBody(
        'Ticket',
        {
          id: 'not even a number',
          summary: 'x',
          closedDate: 'junk',
          closedBy: 'me',
          _info: { lastUpdated: '2024-01-01T00:00:00Z' },
        },
        replace,
      ),
    );
    expect(value).toEqual({ summary: 'x' });
  });

  it('drops Source audit fields at the top level', () => {
    const value = unwrap(
      validateBody(
        'Source',
        { name: 'Email', enteredBy: 'x', dateEntered: '2024-01-01T00:00:00Z' },
        { mode: 'create', resource: 'source' },
      ),
    );
    expect(value).toEqual({ name: 'Email' });
  });

  it('treats undefined properties as absent', () => {
    expect(unwrap(validateBody('Ticket', { summary: 'x', budgetHours: undefined }, create))).toEqual({
      summary: 'x',
    });
  });

  it('validates configuration question answers by index', () => {
    const body = {
      name: 'PC-1',
      questions: [
        { questionId: 1, answer: 'yes' },
        { questionId: 2, answer: 12 },
        { questionId: 'three', answer: true },
      ],
    };
    const issues = issuesOf(
      validateBody('Company.Configuration', body, { mode: 'create', resource: 'configuration' }),
    );
    expect(issues).toEqual([
      expect.objectContaining({ code: 'InvalidValue', field: 'questions[2]/questionId' }),
    ]);
    const ok = unwrap(
      validateBody(
        'Company.Configuration',
        { ...body, questions: body.questions.slice(0, 2) },
        { mode: 'create', resource: 'configuration' },
      ),
    );
    expect(ok['questions']).toEqual(body.questions.slice(0, 2));
  });
});

describe('parsePatch', () => {
  const parse = (ops: unknown) => parsePatch('Ticket', ops, 'ticket');

  it('parses the developer-guide example', () => {
    expect(
      unwrap(
        parse([
          { op: 'replace', path: 'status', value: { id: 123 } },
          { op: 'replace', path: 'summary', value: 'New Summary' },
          { op: 'replace', path: 'company', value: { identifier: 'ConnectWise' } },
        ]),
      ),
    ).toEqual([
      { op: 'replace', path: 'status', value: { id: 123 } },
      { op: 'replace', path: 'summary', value: 'New Summary' },
      { op: 'replace', path: 'company', value: { identifier: 'ConnectWise' } },
    ]);
  });

  it.each<[string, unknown, unknown]>([
    [
      'op in any case',
      { op: 'REPLACE', path: 'summary', value: 'x' },
      { op: 'replace', path: 'summary', value: 'x' },
    ],
    ['add', { op: 'Add', path: 'budgetHours', value: '1.5' }, { op: 'add', path: 'budgetHours', value: 1.5 }],
    [
      'leading slash',
      { op: 'replace', path: '/summary', value: 'x' },
      { op: 'replace', path: 'summary', value: 'x' },
    ],
    [
      'path in any case',
      { op: 'replace', path: '/CLOSEDFLAG', value: true },
      { op: 'replace', path: 'closedFlag', value: true },
    ],
    ['remove', { op: 'remove', path: 'budgetHours' }, { op: 'remove', path: 'budgetHours' }],
    [
      'remove ignores value',
      { op: 'remove', path: 'budgetHours', value: 'x' },
      { op: 'remove', path: 'budgetHours' },
    ],
    [
      'null clears',
      { op: 'replace', path: 'budgetHours', value: null },
      { op: 'replace', path: 'budgetHours', value: null },
    ],
    [
      'enum normalised',
      { op: 'replace', path: 'severity', value: 'medium' },
      { op: 'replace', path: 'severity', value: 'Medium' },
    ],
    [
      'date normalised',
      { op: 'replace', path: 'requiredDate', value: '2024-05-01T12:00:00+01:00' },
      { op: 'replace', path: 'requiredDate', value: '2024-05-01T11:00:00Z' },
    ],
    [
      'whole custom field array',
      { op: 'replace', path: 'customFields', value: [{ id: 1, value: 5 }] },
      { op: 'replace', path: 'customFields', value: [{ id: 1, value: 5 }] },
    ],
  ])('%s', (_label, op, expected) => {
    expect(unwrap(parse([op]))).toEqual([expected]);
  });

  it.each<[string, unknown, Partial<ValidationIssue>[]]>([
    ['not an array', { op: 'replace', path: 'summary', value: 'x' }, [{ code: 'InvalidObject', field: '' }]],
    ['null body', null, [{ code: 'InvalidObject' }]],
    ['element not an object', ['summary'], [{ code: 'InvalidObject' }]],
    ['unknown op', [{ op: 'move', path: 'summary', value: 'x' }], [{ code: 'InvalidValue', field: 'op' }]],
    ['missing op', [{ path: 'summary', value: 'x' }], [{ code: 'InvalidValue', field: 'op' }]],
    ['missing path', [{ op: 'replace', value: 'x' }], [{ code: 'InvalidField', field: 'path' }]],
    ['empty path', [{ op: 'replace', path: '/', value: 'x' }], [{ code: 'InvalidField', field: 'path' }]],
    [
      'sub-path',
      [{ op: 'replace', path: 'company/identifier', value: 'ABC' }],
      [{ code: 'InvalidField', field: 'company/identifier' }],
    ],
    [
      'sub-path with leading slash',
      [{ op: 'replace', path: '/customFields/0/value', value: 1 }],
      [{ code: 'InvalidField', field: 'customFields/0/value' }],
    ],
    ['read-only id', [{ op: 'replace', path: 'id', value: 5 }], [{ code: 'ReadOnly', field: 'id' }]],
    ['read-only _info', [{ op: 'remove', path: '_info' }], [{ code: 'ReadOnly', field: '_info' }]],
    [
      'read-only closedDate',
      [{ op: 'replace', path: 'ClosedDate', value: null }],
      [{ code: 'ReadOnly', field: 'closedDate' }],
    ],
    [
      'unknown field',
      [{ op: 'replace', path: 'foo', value: 1 }],
      [{ code: 'UnknownField', field: 'foo', message: "The field 'foo' is not a field of ticket." }],
    ],
    ['missing value', [{ op: 'replace', path: 'summary' }], [{ code: 'InvalidValue', field: 'summary' }]],
    [
      'null on required',
      [{ op: 'replace', path: 'summary', value: null }],
      [{ code: 'NullValue', field: 'summary' }],
    ],
    ['remove required', [{ op: 'remove', path: 'summary' }], [{ code: 'NullValue', field: 'summary' }]],
    [
      'bad value type',
      [{ op: 'replace', path: 'closedFlag', value: 'yes' }],
      [{ code: 'InvalidValue', field: 'closedFlag' }],
    ],
    [
      'too long',
      [{ op: 'add', path: 'summary', value: 'x'.repeat(101) }],
      [{ code: 'MaxLength', field: 'summary' }],
    ],
    [
      'bad nested value',
      [{ op: 'replace', path: 'company', value: { id: 'abc' } }],
      [{ code: 'InvalidValue', field: 'company/id' }],
    ],
    [
      'all issues collected',
      [
        { op: 'replace', path: 'foo', value: 1 },
        { op: 'replace', path: 'summary', value: 'fine' },
        { op: 'replace', path: 'budgetHours', value: 'x' },
      ],
      [
        { code: 'UnknownField', field: 'foo' },
        { code: 'InvalidValue', field: 'budgetHours' },
      ],
    ],
  ])('%s', (_label, ops, expected) => {
    expect(issuesOf(parse(ops))).toEqual(
      expected.map((e) => expect.objectContaining({ resource: 'ticket', ...e })),
    );
  });

  it('explains that the whole reference must be replaced', () => {
    const [only] = issuesOf(parse([{ op: 'replace', path: 'company/identifier', value: 'ABC' }]));
    expect(only?.message).toContain("'company'");
  });

  it('accepts an empty operation list', () => {
    expect(unwrap(parse([]))).toEqual([]);
  });
});

describe('applyPatch', () => {
  it('sets, adds and removes fields without touching the input', () => {
    const current = { summary: 'old', budgetHours: 2, closedFlag: false };
    const frozen = Object.freeze({ ...current });
    const next = applyPatch(frozen, [
      { op: 'replace', path: 'summary', value: 'new' },
      { op: 'add', path: 'severity', value: 'High' },
      { op: 'remove', path: 'budgetHours' },
    ]);
    expect(next).toEqual({ summary: 'new', closedFlag: false, severity: 'High' });
    expect(frozen).toEqual(current);
  });

  it('applies operations in order', () => {
    expect(
      applyPatch({ summary: 'a' }, [
        { op: 'replace', path: 'summary', value: 'b' },
        { op: 'replace', path: 'summary', value: 'c' },
      ]),
    ).toEqual({ summary: 'c' });
  });

  it('feeds back into validateBody (the PATCH flow)', () => {
    const stored = unwrap(validateBody('Ticket', { summary: 'x', company: { id: 1 } }, create));
    const ops = unwrap(
      parsePatch('Ticket', [{ op: 'replace', path: 'company', value: { identifier: 'B' } }], 'ticket'),
    );
    expect(unwrap(validateBody('Ticket', applyPatch(stored, ops), replace))).toEqual({
      summary: 'x',
      company: { identifier: 'B' },
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

/** A valid random value for a field spec; `embedded` schemas get any subset of their writable fields. */
function arbitraryFor(spec: FieldSpec): fc.Arbitrary<unknown> {
  switch (spec.type) {
    case 'string': {
      if (spec.enum !== undefined) return fc.constantFrom(...spec.enum);
      const max = Math.min(spec.maxLength ?? 30, 30);
      return fc.string({ maxLength: max }).filter((s) => s.length <= max);
    }
    case 'uuid':
      return fc.uuid();
    case 'integer':
      return fc.integer();
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'datetime':
      return fc
        .date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        })
        .map((d) => `${d.toISOString().slice(0, 19)}Z`);
    case 'object':
      return spec.schema === undefined
        ? fc.dictionary(fc.string(), fc.string())
        : embeddedArbitrary(spec.schema);
    case 'array':
      return fc.array(arbitraryFor(spec.items ?? { type: 'any' }), { maxLength: 3 });
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function embeddedArbitrary(name: string): fc.Arbitrary<unknown> {
  const fields = Object.entries(getSchema(name).fields).filter(([, spec]) => spec.readOnly !== true);
  return fc.record(Object.fromEntries(fields.map(([f, spec]) => [f, arbitraryFor(spec)])), {
    requiredKeys: [],
  });
}

/** A body with every field of the schema filled, read-only ones included (they must be dropped). */
function fullBody(schema: SchemaSpec): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    Object.fromEntries(Object.entries(schema.fields).map(([f, spec]) => [f, arbitraryFor(spec)])),
  ) as fc.Arbitrary<Record<string, unknown>>;
}

function withoutReadOnly(schema: SchemaSpec, body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([f]) => schema.fields[f]?.readOnly !== true));
}

/** Field names of the schema in random letter case, plus a few strangers. */
function keyArbitrary(schema: SchemaSpec): fc.Arbitrary<string> {
  const names = Object.keys(schema.fields);
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...names), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }))
      .map(([n, flips]) => [...n].map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join('')),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
    fc.string(),
  );
}

describe('properties', () => {
  it.each(RECORD_SCHEMAS)('validateBody never throws on arbitrary input (%s)', (name) => {
    const schema = getSchema(name);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.jsonValue(),
          fc.dictionary(keyArbitrary(schema), fc.jsonValue({ maxDepth: 3 })),
          fc.dictionary(keyArbitrary(schema), fc.anything()),
        ),
        fc.constantFrom('create', 'replace' as const),
        (body, mode) => {
          const result = validateBody(name, body, { mode: mode as 'create' | 'replace', resource: 'r' });
          if (!result.ok) {
            expect(result.error.length).toBeGreaterThan(0);
            for (const i of result.error) expect(typeof i.message).toBe('string');
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each(RECORD_SCHEMAS)('parsePatch never throws on arbitrary input (%s)', (name) => {
    const schema = getSchema(name);
    const op = fc.record(
      {
        op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'REPLACE', 'test'), fc.anything()),
        path: fc.oneof(
          keyArbitrary(schema),
          keyArbitrary(schema).map((k) => `/${k}`),
          fc.anything(),
        ),
        value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(op, { maxLength: 5 }), fc.array(fc.anything())), (ops) => {
        const result = parsePatch(name, ops, 'r');
        if (result.ok) applyPatch({}, result.value);
      }),
      { numRuns: 150 },
    );
  });

  it.each(RECORD_SCHEMAS)('a body with every field valid passes and round-trips (%s)', (name) => {
    const schema = getSchema(name);
    fc.assert(
      fc.property(fullBody(schema), fc.constantFrom('create', 'replace' as const), (body, mode) => {
        const options = { mode: mode as 'create' | 'replace', resource: 'r' };
        const expected = withoutReadOnly(schema, body);
        const value = unwrap(validateBody(name, body, options));
        expect(value).toEqual(expected);
        // What we store validates to itself, through JSON too (GET → PUT round trip).
        expect(unwrap(validateBody(name, JSON.parse(JSON.stringify(value)), options))).toEqual(
          JSON.parse(JSON.stringify(value)),
        );
      }),
      { numRuns: 40 },
    );
  });

  it.each(RECORD_SCHEMAS)('field names match in any letter case (%s)', (name) => {
    const schema = getSchema(name);
    fc.assert(
      fc.property(
        fullBody(schema),
        fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
        (body, flips) => {
          const shouted = Object.fromEntries(
            Object.entries(body).map(([k, v], i) => [
              flips[i % flips.length] ? k.toUpperCase() : k.toLowerCase(),
              v,
            ]),
          );
          expect(unwrap(validateBody(name, shouted, { mode: 'create', resource: 'r' }))).toEqual(
            withoutReadOnly(schema, body),
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it('a valid PATCH of any writable top-level field applies and re-validates', () => {
    const schema = getSchema('Ticket');
    const writable = Object.entries(schema.fields).filter(([, s]) => s.readOnly !== true);
    fc.assert(
      fc.property(
        fullBody(schema),
        fc
          .constantFrom(...writable)
          .chain(([field, spec]) =>
            arbitraryFor(spec).map((value) => ({ op: 'replace', path: `/${field.toUpperCase()}`, value })),
          ),
        (body, op) => {
          const stored = unwrap(validateBody('Ticket', body, create));
          const ops = unwrap(parsePatch('Ticket', [op], 'ticket'));
          const next = unwrap(validateBody('Ticket', applyPatch(stored, ops), replace));
          expect(next[ops[0]!.path]).toEqual(op.value);
        },
      ),
      { numRuns: 100 },
    );
  });
});
