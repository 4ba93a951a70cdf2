// Ticketing (CON-7): pure rules, lifecycle table, decisions and ticket text; the service stores and delivers.
export * from './evaluate.js';
export * from './lifecycle.js';
export * from './rules.js';
export * from './simulate.js';
export * from './templates.js';
export * from './types.js';
export * from './zoned-time.js';
