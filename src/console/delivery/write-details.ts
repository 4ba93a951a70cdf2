// The write log's details by stable key: the words each effect writes (one template per key, with
// {{name}} for a parameter), read back into the key and its parameters when the log is listed, so the
// console UI says them in the reader's language; a detail no template matches keeps its words.
export const WRITE_DETAILS = {
  'ticket.created': 'created ticket {{ticket}}',
  'ticket.foundByMarker': 'ticket {{ticket}} already existed (found by its marker)',
  'ticket.gone': 'ticket {{ticket}} no longer exists in the PSA; the track is closed',
  'ticket.alreadyClosed': 'ticket {{ticket}} was already closed',
  'note.appended': 'note appended to ticket {{ticket}}',
  'note.alreadyOn': 'note {{note}} already on ticket {{ticket}}',
  'track.gone': 'the track no longer exists',
  'track.goneSkipped': '{{what}} skipped: the track no longer exists',
  'track.newerTicket': '{{what}} skipped: the track has a newer ticket',
  'configType.found': 'configuration type {{type}} found by its name',
  'configType.created': 'created configuration type {{type}}',
  'configType.activated': 'configuration type made active',
  'configType.renamed': 'configuration type renamed',
  'question.created': 'created question {{question}} ({{key}})',
  'question.set': 'question {{question}} ({{key}}) set to {{values}}',
  'configuration.gone':
    'configuration {{configuration}} no longer exists in the PSA (deleted by hand?): it is looked up, then created again',
  'configuration.answers': 'answers written to configuration {{configuration}}',
  'configuration.found': 'configuration {{configuration}} found by type and company',
  'configuration.created': 'created configuration {{configuration}}',
  'configuration.unchanged': 'configuration {{configuration}} unchanged (confirmed {{at}})',
  'customer.gone': 'the customer no longer exists',
  'mapping.changed': 'the customer was mapped differently since this sync was decided',
  'psa.refused': 'the PSA refused {{request}} ({{status}}): {{words}}',
} as const;

export type WriteDetailKey = keyof typeof WRITE_DETAILS;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const READERS = Object.entries(WRITE_DETAILS).map(([key, template]) => {
  const names: string[] = [];
  const pattern = template
    .split(/(\{\{\w+\}\})/)
    .map((part) => {
      const m = /^\{\{(\w+)\}\}$/.exec(part);
      if (!m) return escapeRe(part);
      names.push(m[1]!);
      return '(.+?)';
    })
    .join('');
  return { key, names, re: new RegExp(`^${pattern}$`, 's') };
});

/** The key and parameters of a stored detail, or null when no template reads it. */
export function readWriteDetail(detail: string): { key: string; params: Record<string, string> } | null {
  for (const r of READERS) {
    const m = r.re.exec(detail);
    if (m) return { key: r.key, params: Object.fromEntries(r.names.map((n, i) => [n, m[i + 1]!])) };
  }
  return null;
}
