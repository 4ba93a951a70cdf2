// Aggregation of DNS-security events (CON-6): pure, fed by the sources, read by ticketing and config sync.
export * from './blocked.js';
export * from './columns.js';
export * from './counts.js';
export * from './heavy-hitters.js';
export * from './types.js';
export * from './windows.js';
