// What the rule editor offers: the window lengths and the templates' placeholders
// (src/console/ticketing/templates.ts; a unit test compares).

/** Rule windows are whole multiples of the 4-hour aggregation window and align to midnight UTC. */
export const WINDOW_CHOICES = [240, 480, 720, 1440, 2880, 10080] as const;

/** The placeholders the templates may use (src/console/ticketing/templates.ts; a unit test compares). */
export const PLACEHOLDERS = [
  'customer',
  'identity',
  'identityType',
  'count',
  'threshold',
  'categories',
  'window',
  'windowStart',
  'windowEnd',
  'firstSeen',
  'lastSeen',
  'topDomains',
  'rule',
] as const;
