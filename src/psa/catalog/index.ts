// Public surface of the security catalogue: data, pure evaluation and ConnectWise renderings.

export * from './evaluate.js';
export * from './modules.js';
export * from './presets.js';
export * from './privilege.js';
export * from './render.js';
export * from './table-setup.js';
export * from './types.js';
