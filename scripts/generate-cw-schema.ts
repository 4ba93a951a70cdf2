// Generates src/psa/model/cw-schema.generated.json: the ConnectWise record schemas Parasol's PSA needs,
// read from connectwise-rest's ManageTypes.ts (openapi-typescript output of ConnectWise's 2022.1 spec).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { FieldSpec, SchemaDocument, SchemaSpec } from '../src/psa/model/schema-types.js';

export const SOURCE_LABEL = 'connectwise-rest 1.3.0 ManageTypes.ts (spec 2022.1)';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MANAGE_TYPES_PATH = path.join(repoRoot, 'node_modules/connectwise-rest/src/ManageTypes.ts');
export const OUTPUT_PATH = path.join(repoRoot, 'src/psa/model/cw-schema.generated.json');

/** The records the PSA serves; everything they reference is pulled in transitively. */
export const ROOT_SCHEMAS = [
  'Company',
  'CompanyReference',
  'CommunicationType',
  'Company.Configuration',
  'ConfigurationType',
  'ConfigurationTypeQuestion',
  'ConfigurationTypeQuestionValue',
  'ConfigurationStatus',
  'ConfigurationQuestion',
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
  'AgreementType',
  'CatalogItem',
  'Info',
  'CustomFieldValue',
  'Token',
  'ErrorResponseMessage',
  'ValidationError',
] as const;

// Server-managed fields: clients may echo them back (GET → PUT round trips), so they are ignored on
// input rather than rejected. `closedDate`/`closedBy` follow the ticket's status, the others are audit
// stamps. `id` is handled in generate(): it is server-managed only on a record served by itself.
const AUDIT_FIELDS = new Set([
  '_info',
  'dateEntered',
  'enteredBy',
  'lastUpdated',
  'updatedBy',
  'closedDate',
  'closedBy',
]);

interface Mapped {
  spec: FieldSpec;
  /** Schema names referenced by this type. */
  refs: string[];
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  throw new Error(`unsupported property name kind ${ts.SyntaxKind[name.kind]}`);
}

/** The text of the JSDoc block(s) just before a member; openapi-typescript puts Format and Max length there. */
function leadingDoc(source: ts.SourceFile, node: ts.Node): string {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  return ranges.map((r) => source.text.slice(r.pos, r.end)).join('\n');
}

function docFormat(doc: string): string | undefined {
  const m = /Format:[ \t]*([A-Za-z0-9-]+)/.exec(doc);
  return m?.[1];
}

function docMaxLength(doc: string): number | undefined {
  const m = /Max length:\s*(\d+)/.exec(doc);
  return m ? Number(m[1]) : undefined;
}

/** `components["schemas"]["X"]` → 'X'. */
function schemaRefName(node: ts.IndexedAccessTypeNode): string | undefined {
  const index = node.indexType;
  const inner = node.objectType;
  if (!ts.isLiteralTypeNode(index) || !ts.isStringLiteral(index.literal)) return undefined;
  if (!ts.isIndexedAccessTypeNode(inner)) return undefined;
  const group = inner.indexType;
  if (
    !ts.isLiteralTypeNode(group) ||
    !ts.isStringLiteral(group.literal) ||
    group.literal.text !== 'schemas'
  ) {
    return undefined;
  }
  return index.literal.text;
}

function isNullType(node: ts.TypeNode): boolean {
  return ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword;
}

/** Flattens nested unions and parentheses: `("A" | "B") | null` → ["A", "B", null]. */
function unionMembers(node: ts.TypeNode): ts.TypeNode[] {
  if (ts.isParenthesizedTypeNode(node)) return unionMembers(node.type);
  if (ts.isUnionTypeNode(node)) return node.types.flatMap(unionMembers);
  return [node];
}

function mapType(node: ts.TypeNode, format: string | undefined, fieldName?: string): Mapped {
  const members = unionMembers(node).filter((t) => !isNullType(t));
  if (members.length === 0) return { spec: { type: 'any' }, refs: [] };
  if (members.length > 1) {
    const literals = members.map((t) =>
      ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined,
    );
    if (literals.every((l): l is string => l !== undefined)) {
      return { spec: { type: 'string', enum: literals }, refs: [] };
    }
    return { spec: { type: 'any' }, refs: [] };
  }
  const t = members[0]!;
  if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) {
    return { spec: { type: 'string', enum: [t.literal.text] }, refs: [] };
  }
  switch (t.kind) {
    case ts.SyntaxKind.StringKeyword:
      if (format === 'date-time' || format === 'date') return { spec: { type: 'datetime' }, refs: [] };
      if (format === 'uuid') return { spec: { type: 'uuid' }, refs: [] };
      // The spec leaves the format off a few timestamps (Ticket closedDate/dateResolved, ServiceNote
      // dateCreated, …) although ConnectWise serves them like every other date (§3.1); typing them as
      // datetime lets conditions compare them as dates.
      if (format === undefined && fieldName !== undefined && /^date[A-Z]|Date$/.test(fieldName)) {
        return { spec: { type: 'datetime' }, refs: [] };
      }
      return { spec: { type: 'string' }, refs: [] };
    case ts.SyntaxKind.NumberKeyword:
      return { spec: { type: format === 'int32' || format === 'int64' ? 'integer' : 'number' }, refs: [] };
    case ts.SyntaxKind.BooleanKeyword:
      return { spec: { type: 'boolean' }, refs: [] };
  }
  if (ts.isIndexedAccessTypeNode(t)) {
    const ref = schemaRefName(t);
    if (ref !== undefined) return { spec: { type: 'object', schema: ref }, refs: [ref] };
  }
  if (ts.isArrayTypeNode(t)) {
    // Element formats are not documented for arrays (e.g. `number[]` ids), so none is applied.
    const item = mapType(t.elementType, undefined);
    return { spec: { type: 'array', items: item.spec }, refs: item.refs };
  }
  if (ts.isTypeLiteralNode(t)) {
    // `{ [key: string]: string }` is `_info`-style link/audit data; `{ [key: string]: unknown }` is how
    // the spec spells a free JSON value (custom field `value`, question `answer`).
    const sig = t.members.find(ts.isIndexSignatureDeclaration);
    if (sig !== undefined && t.members.length === 1 && sig.type.kind === ts.SyntaxKind.StringKeyword) {
      return { spec: { type: 'object' }, refs: [] };
    }
    return { spec: { type: 'any' }, refs: [] };
  }
  return { spec: { type: 'any' }, refs: [] };
}

function findSchemasLiteral(source: ts.SourceFile): ts.TypeLiteralNode {
  for (const stmt of source.statements) {
    if (!ts.isInterfaceDeclaration(stmt) || stmt.name.text !== 'components') continue;
    for (const member of stmt.members) {
      if (
        ts.isPropertySignature(member) &&
        propertyName(member.name) === 'schemas' &&
        member.type &&
        ts.isTypeLiteralNode(member.type)
      ) {
        return member.type;
      }
    }
  }
  throw new Error('components.schemas not found in ManageTypes.ts');
}

function buildSchema(
  source: ts.SourceFile,
  name: string,
  literal: ts.TypeLiteralNode,
): { schema: SchemaSpec; refs: string[] } {
  const fields: Record<string, FieldSpec> = {};
  const refs: string[] = [];
  for (const member of literal.members) {
    if (!ts.isPropertySignature(member) || member.type === undefined) continue;
    const field = propertyName(member.name);
    const doc = leadingDoc(source, member);
    const mapped = mapType(member.type, docFormat(doc), field);
    refs.push(...mapped.refs);
    // Fixed key order keeps the JSON diff-stable.
    const spec: FieldSpec = { type: mapped.spec.type };
    if (member.questionToken === undefined && field !== 'id') spec.required = true;
    const maxLength = docMaxLength(doc);
    if (maxLength !== undefined && (spec.type === 'string' || spec.type === 'uuid'))
      spec.maxLength = maxLength;
    if (mapped.spec.enum !== undefined) spec.enum = mapped.spec.enum;
    if (mapped.spec.schema !== undefined) spec.schema = mapped.spec.schema;
    if (mapped.spec.items !== undefined) spec.items = mapped.spec.items;
    if (AUDIT_FIELDS.has(field)) spec.readOnly = true;
    fields[field] = spec;
  }
  return { schema: { name, fields }, refs };
}

/** Reads ManageTypes.ts and returns the closure of ROOT_SCHEMAS, keys sorted. Pure apart from the read. */
export function generate(manageTypesPath: string = MANAGE_TYPES_PATH): SchemaDocument {
  const text = readFileSync(manageTypesPath, 'utf8');
  const source = ts.createSourceFile(manageTypesPath, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const literals = new Map<string, ts.TypeLiteralNode>();
  for (const member of findSchemasLiteral(source).members) {
    if (ts.isPropertySignature(member) && member.type && ts.isTypeLiteralNode(member.type)) {
      literals.set(propertyName(member.name), member.type);
    }
  }
  const built = new Map<string, SchemaSpec>();
  const queue: string[] = [...ROOT_SCHEMAS];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (built.has(name)) continue;
    const literal = literals.get(name);
    if (literal === undefined) throw new Error(`schema ${name} not found in ManageTypes.ts`);
    const { schema, refs } = buildSchema(source, name, literal);
    built.set(name, schema);
    queue.push(...refs.filter((r) => !built.has(r)));
  }
  // `id` is server-assigned on a record served by itself, but inside anything embedded in another schema
  // (references, custom field values) it names the target, so it must stay writable there.
  const embedded = new Set<string>();
  const collect = (spec: FieldSpec): void => {
    if (spec.schema !== undefined) embedded.add(spec.schema);
    if (spec.items !== undefined) collect(spec.items);
  };
  for (const schema of built.values()) for (const spec of Object.values(schema.fields)) collect(spec);
  const schemas: Record<string, SchemaSpec> = {};
  for (const name of [...built.keys()].sort()) {
    const schema = built.get(name)!;
    const id = schema.fields['id'];
    if (id !== undefined && !embedded.has(name)) id.readOnly = true;
    schemas[name] = schema;
  }
  return { source: SOURCE_LABEL, schemas };
}

/** Serialised form committed to the repository (compact per field to keep it small and reviewable). */
export function serialize(data: SchemaDocument): string {
  const lines: string[] = ['{', ` "source": ${JSON.stringify(data.source)},`, ' "schemas": {'];
  const names = Object.keys(data.schemas);
  names.forEach((name, i) => {
    const schema = data.schemas[name]!;
    lines.push(
      `  ${JSON.stringify(name)}: {`,
      `   "name": ${JSON.stringify(schema.name)},`,
      '   "fields": {',
    );
    const fields = Object.entries(schema.fields);
    fields.forEach(([field, spec], j) => {
      lines.push(`    ${JSON.stringify(field)}: ${JSON.stringify(spec)}${j < fields.length - 1 ? ',' : ''}`);
    });
    lines.push('   }', `  }${i < names.length - 1 ? ',' : ''}`);
  });
  lines.push(' }', '}', '');
  return lines.join('\n');
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const data = generate();
  const out = serialize(data);
  writeFileSync(OUTPUT_PATH, out);
  console.log(
    `wrote ${path.relative(repoRoot, OUTPUT_PATH)}: ${Object.keys(data.schemas).length} schemas, ${out.length} bytes`,
  );
}
