// Loading data for a screen: the value, the error, and a reload after a change (shared with the console UI).
export { type Loaded, useLoad } from '../../shared/hooks.js';
