// Text that no database of ours may be handed: PostgreSQL refuses U+0000 in text (SQLite keeps it and
// hides the problem), and a lone UTF-16 surrogate is no Unicode character at all (the driver would
// write U+FFFD in its place, silently changing the value). Every decoder refuses such a line or
// record with one of these messages, so a bad value costs its line, never the unit's commit.

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what we look for
const SUSPECT = /[\u0000\ud800-\udfff]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` cannot be stored as text, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (!SUSPECT.test(s)) return undefined; // one scan for the usual case
  if (s.indexOf('\u0000') !== -1) return 'contains a NUL character (U+0000)';
  const m = LONE_SURROGATE.exec(s);
  if (m !== null)
    return `contains a lone surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}), not Unicode text`;
  return undefined;
}

/**
 * The first string (property names included) of a parsed JSON value that cannot be stored as text,
 * with where it lies ('identity', 'categories.2'); undefined when all can.
 */
export function findTextProblem(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') {
    const p = textProblem(value);
    return p === undefined ? undefined : `${path === '' ? 'value' : path}: ${p}`;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findTextProblem(value[i], path === '' ? String(i) : `${path}.${i}`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const keyProblem = textProblem(k);
    const at = path === '' ? k : `${path}.${k}`;
    if (keyProblem !== undefined) return `a field name ${keyProblem}`;
    const p = findTextProblem(v, at);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * `s` made storable for messages (line errors, a unit's reason, which may quote the input): a NUL
 * written as the escape '\\u0000', a lone surrogate as U+FFFD.
 */
export function storableText(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return s.replaceAll('\u0000', '\\u0000').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');
}
