// Table Setup tables: ids, order, the article's customize dialog, and the customize-list sources.

import { describe, expect, it } from 'vitest';
import { CUSTOMIZE_IDS } from './modules.js';
import {
  CUSTOMIZE_SOURCES,
  customizeItems,
  findTableSetupItem,
  TABLE,
  TABLE_SETUP_ITEMS,
  tableSetupLabel,
} from './table-setup.js';

// Every row visible in the article's "Update Security" dialog (both lists).
const SEED_DIALOG = [
  'Activities / Activity Status-CRM',
  'Activities / Activity Type',
  'Agreements / Agreement Type',
  'Agreements / Batch',
  'Company / Address Formats',
  'Company / Company Status',
  'Company / Company Type',
  'Company / Configuration',
  'Company / Configuration Status',
  'Company / Country',
  'Service / Priority',
  'Service / Service Board',
];

describe('Table Setup items', () => {
  it('have unique ids of the form Area/Table matching their "Area / Table" label', () => {
    const ids = TABLE_SETUP_ITEMS.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(TABLE_SETUP_ITEMS.map((i) => i.label)).size).toBe(ids.length);
    for (const { id, label } of TABLE_SETUP_ITEMS) {
      expect(id).toMatch(/^[A-Z][A-Za-z]*\/[A-Z][A-Za-z0-9]*$/);
      const [area, table] = label.split(' / ');
      expect(table, label).toBeDefined();
      expect(id.split('/')[0]).toBe(area);
      // The id is the table name without spaces or punctuation (acronyms written as words).
      expect(id.split('/')[1]?.toLowerCase()).toBe(table?.replace(/[^A-Za-z0-9]/g, '').toLowerCase());
    }
  });

  it('are sorted by area, then table, case-insensitively, as the customize dialog lists them', () => {
    const keys = TABLE_SETUP_ITEMS.map((i) => i.label.toLowerCase().split(' / '));
    const sorted = [...keys].sort(([a1 = '', t1 = ''], [a2 = '', t2 = '']) =>
      a1 === a2 ? (t1 < t2 ? -1 : t1 > t2 ? 1 : 0) : a1 < a2 ? -1 : 1,
    );
    expect(keys).toEqual(sorted);
  });

  it("contain every row of the article's customize dialog", () => {
    const labels = TABLE_SETUP_ITEMS.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(SEED_DIALOG));
  });

  it('contain the tables the endpoints need and a realistic wider set', () => {
    const labels = TABLE_SETUP_ITEMS.map((i) => i.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'Contacts / Communication Type',
        'Service / Source',
        'General / Manage Hosted API',
        'Service / SLA',
        'Service / Knowledge Base Category',
        'Invoicing / Billing Terms',
      ]),
    );
    expect(TABLE_SETUP_ITEMS.length).toBeGreaterThan(50);
  });

  it('name only known tables in TABLE', () => {
    for (const [key, id] of Object.entries(TABLE)) expect(findTableSetupItem(id), key).toBeDefined();
    expect(TABLE).toMatchObject({
      configuration: 'Company/Configuration',
      priority: 'Service/Priority',
      serviceBoard: 'Service/ServiceBoard',
      source: 'Service/Source',
      communicationType: 'Contacts/CommunicationType',
    });
  });

  it('label ids, falling back to the id for unknown tables', () => {
    expect(tableSetupLabel('Service/Priority')).toBe('Service / Priority');
    expect(tableSetupLabel('Activities/ActivityStatusCrm')).toBe('Activities / Activity Status-CRM');
    expect(tableSetupLabel('Service/Nope')).toBe('Service/Nope');
    expect(findTableSetupItem('Service/Nope')).toBeUndefined();
  });

  it('are frozen', () => {
    expect(Object.isFrozen(TABLE_SETUP_ITEMS)).toBe(true);
    expect(TABLE_SETUP_ITEMS.every((i) => Object.isFrozen(i))).toBe(true);
  });
});

describe('customizeItems', () => {
  it('returns the setup tables for SystemTableSetup', () => {
    expect(customizeItems('SystemTableSetup')).toBe(TABLE_SETUP_ITEMS);
  });

  it.each(CUSTOMIZE_IDS.filter((id) => id !== 'SystemTableSetup'))(
    'returns no static items for dynamic %s',
    (id) => {
      expect(CUSTOMIZE_SOURCES[id]).toBe('dynamic');
      expect(customizeItems(id)).toEqual([]);
    },
  );

  it('returns nothing for an unknown list and marks only Table Setup static', () => {
    expect(customizeItems('Nope')).toEqual([]);
    expect(Object.entries(CUSTOMIZE_SOURCES).filter(([, s]) => s === 'static')).toEqual([
      ['SystemTableSetup', 'static'],
    ]);
  });
});
