// What the rule editor offers: the window lengths and the templates' placeholders.

/** Rule windows are whole multiples of the 4-hour aggregation window and align to midnight UTC. */
export const WINDOW_CHOICES = [240, 480, 720, 1440, 2880, 10080] as const;

/** The placeholders the templates may use: the server's list. */
export { PLACEHOLDERS } from '../../../src/console/ticketing/templates.js';
