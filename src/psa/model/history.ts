// A History entry's detail: written as the parameters of its action (JSON), so each UI says it in
// its own words; entries written before that (English sentences) are read back into the same
// parameters where their pattern is known, and otherwise keep their text.
export type HistoryParams = Record<string, string | number>;

/** The stored detail of an entry: its parameters as JSON. */
export function historyDetail(params: HistoryParams): string {
  return JSON.stringify(params);
}

const OLD_PATTERNS: ReadonlyArray<{
  action: RegExp;
  re: RegExp;
  read: (m: RegExpMatchArray) => HistoryParams;
}> = [
  { action: /^member\.created$/, re: /^role (\d+)$/, read: (m) => ({ roleId: Number(m[1]) }) },
  {
    action: /^apiKey\./,
    re: /^(.*) \(public key ([A-Za-z0-9]+)\)$/s,
    read: (m) => ({ description: m[1]!, publicKey: m[2]! }),
  },
  { action: /^member\.updated$/, re: /^([\w, ]+)$/, read: (m) => ({ fields: m[1]! }) },
  {
    action: /^member\.locked$/,
    re: /^(\d+) failed sign-ins; locked for (\d+) minute/,
    read: (m) => ({ failures: Number(m[1]), minutes: Number(m[2]) }),
  },
];

/** The parameters of a stored detail, or null for a text no pattern reads (shown as it is). */
export function readHistoryDetail(action: string, detail: string): HistoryParams | null {
  if (detail === '') return {};
  if (detail.startsWith('{')) {
    try {
      const parsed = JSON.parse(detail) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const out: HistoryParams = {};
        for (const [k, v] of Object.entries(parsed))
          if (typeof v === 'string' || typeof v === 'number') out[k] = v;
        return out;
      }
    } catch {
      // not JSON after all: an old text
    }
  }
  for (const p of OLD_PATTERNS) {
    if (!p.action.test(action)) continue;
    const m = detail.match(p.re);
    if (m) return p.read(m);
  }
  return null;
}

/** English words of an entry's parameters, for readers without a catalogue (CLI, logs, old clients). */
export function historyText(params: HistoryParams): string {
  if (params.publicKey !== undefined) return `${params.description ?? ''} (public key ${params.publicKey})`;
  if (params.roleId !== undefined) return `role ${params.roleName ?? params.roleId}`;
  if (params.fields !== undefined) return String(params.fields);
  if (params.failures !== undefined)
    return `${params.failures} failed sign-ins; locked for ${params.minutes} minute(s)`;
  return Object.entries(params)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}
