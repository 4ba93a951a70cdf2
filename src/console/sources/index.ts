// CON-5 event sources, the pure decoders: every vendor's record becomes one DnsEvent.
export * from './categories.js';
export * from './dnsfilter.js';
export * from './event.js';
export { normalizeIdentityType } from './identity.js';
export * from './ndjson.js';
export * from './text.js';
export * from './umbrella-api.js';
export * from './umbrella-csv.js';
