// Partial responses (`fields=id,name,status/id`): keeps only the requested properties of a record.
// Pure; the record is not modified.

/** A selection tree: `true` keeps the whole value, a nested tree selects inside it. */
type Selection = Map<string, true | Selection>;

function buildSelection(paths: string[][]): Selection {
  const root: Selection = new Map();
  for (const path of paths) {
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!.toLowerCase();
      const existing = node.get(key);
      // Asking for `status` and `status/id` means all of `status`: the whole value wins.
      if (existing === true) break;
      if (i === path.length - 1) {
        node.set(key, true);
        break;
      }
      const child: Selection = existing ?? new Map();
      node.set(key, child);
      node = child;
    }
  }
  return root;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function project(record: Record<string, unknown>, selection: Selection): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  // Walk the record's own keys so the output keeps its property order; names match case-insensitively.
  for (const [key, value] of Object.entries(record)) {
    const selected = selection.get(key.toLowerCase());
    if (selected === undefined) continue;
    if (selected === true) {
      entries.push([key, value]);
    } else if (Array.isArray(value)) {
      // Arrays of objects: the sub-selection applies to each element; other elements cannot hold it.
      entries.push([key, value.filter(isPlainObject).map((element) => project(element, selected))]);
    } else if (isPlainObject(value)) {
      const inner = project(value, selected);
      // `status/foo` where status has no `foo`: the field is missing, so it is omitted, not `{}`.
      if (Object.keys(inner).length > 0) entries.push([key, inner]);
    }
    // A scalar or null cannot contain the requested sub-field: omitted like any missing field.
  }
  // fromEntries defines properties, so a `__proto__` key stays data instead of changing the prototype.
  return Object.fromEntries(entries);
}

/**
 * Keeps only the properties named by `paths` (from parseFields). Nested paths select inside objects
 * (`status/id` → `{ status: { id: 1 } }`) and inside each object of an array. Missing fields are omitted.
 * An empty list of paths means no projection: the record is returned as a shallow copy.
 */
export function projectFields(record: Record<string, unknown>, paths: string[][]): Record<string, unknown> {
  if (paths.length === 0) return { ...record };
  return project(record, buildSelection(paths));
}
