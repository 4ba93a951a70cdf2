// Prints a parsed condition back to ConnectWise `conditions` text that parseConditions reads as the
// same tree: for logs, error details and building queries in code.
import type { Condition, Literal } from './types.js';

export function formatCondition(condition: Condition): string {
  switch (condition.type) {
    case 'and':
    case 'or':
      // Nested groups are always parenthesised: clearer to read, and it keeps the tree shape.
      return condition.operands
        .map((operand) =>
          operand.type === 'and' || operand.type === 'or'
            ? `(${formatCondition(operand)})`
            : formatCondition(operand),
        )
        .join(` ${condition.type} `);
    case 'compare':
      return `${condition.path.join('/')} ${condition.op} ${formatLiteral(condition.value)}`;
    case 'in':
      return `${condition.path.join('/')} ${condition.negated ? 'not in' : 'in'} (${condition.values.map(formatLiteral).join(', ')})`;
    case 'like':
    case 'contains':
      return `${condition.path.join('/')} ${condition.negated ? 'not ' : ''}${condition.type} ${formatString(condition.pattern)}`;
  }
}

export function formatLiteral(literal: Literal): string {
  switch (literal.kind) {
    case 'string':
      return formatString(literal.value);
    case 'number':
      return formatNumber(literal.value);
    case 'boolean':
      return literal.value ? 'true' : 'false';
    case 'datetime':
      return `[${literal.value}]`;
    case 'null':
      return 'null';
  }
}

/** Double quotes unless the text holds one; a delimiter inside the text is doubled. */
function formatString(text: string): string {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return `"${text.replaceAll('"', '""')}"`;
}

/** The grammar has no exponent notation, so large and tiny numbers are written out in full. */
function formatNumber(value: number): string {
  const plain = String(value);
  if (!/e/i.test(plain)) return plain;
  if (Number.isInteger(value)) return BigInt(value).toString();
  // Tiny magnitudes: fixed notation with enough digits, trailing zeros trimmed.
  return value.toFixed(100).replace(/0+$/, '').replace(/\.$/, '');
}
