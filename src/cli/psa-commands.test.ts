// The CLI names the catalogue's presets and the Table Setup list without importing the catalogue
// (commands are registered before anything heavy loads): the copies must stay the catalogue's.
import { describe, expect, it } from 'vitest';
import { ADMIN_ROLE, ARTICLE_ROLE, CUSTOMIZE, READ_ONLY_ROLE } from '../psa/catalog/index.js';
import { PRESET_NAMES, TABLE_SETUP } from './psa-commands.js';

describe('psa commands', () => {
  it("name the catalogue's Table Setup list and its three presets", () => {
    expect(TABLE_SETUP).toBe(CUSTOMIZE.systemTableSetup);
    expect(PRESET_NAMES).toHaveLength([ARTICLE_ROLE, ADMIN_ROLE, READ_ONLY_ROLE].length);
  });
});
