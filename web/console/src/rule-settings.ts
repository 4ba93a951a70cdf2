// What the rule editor offers: the window lengths, the templates' placeholders and the time zones.

/** Rule windows are whole multiples of the 4-hour aggregation window and align to midnight UTC. */
export const WINDOW_CHOICES = [240, 480, 720, 1440, 2880, 10080] as const;

/** The placeholders the templates may use: the server's list. */
export { PLACEHOLDERS } from '../../../src/console/ticketing/templates.js';

/** IANA time zones the browser knows, offered for the ticket text's time zone (the server checks it). */
export const TIME_ZONES: readonly string[] = [
  'UTC',
  ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC'),
];
