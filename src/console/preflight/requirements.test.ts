import { describe, expect, it } from 'vitest';
import { PROBES, probeRequest, REQUIREMENTS, requirement } from './requirements.js';

describe('requirements', () => {
  it('are the 13 rows of the article role: 10 levels and 3 allow-list items', () => {
    expect(REQUIREMENTS).toHaveLength(13);
    expect(REQUIREMENTS.filter((r) => r.kind === 'level').map((r) => r.label)).toEqual([
      'Companies → Company Maintenance: Inquire All',
      'Companies → Configurations: Add All',
      'Companies → Configurations: Edit All',
      'Companies → Configurations: Inquire All',
      'Service Desk → Service Tickets: Add All',
      'Service Desk → Service Tickets: Edit All',
      'Service Desk → Service Tickets: Inquire All',
      'System → Table Setup: Add All',
      'System → Table Setup: Edit All',
      'System → Table Setup: Inquire All',
    ]);
    expect(REQUIREMENTS.filter((r) => r.kind === 'allow').map((r) => r.fix)).toEqual([
      'System → Table Setup → customize: allow Company / Configuration',
      'System → Table Setup → customize: allow Service / Priority',
      'System → Table Setup → customize: allow Service / Service Board',
    ]);
    expect(new Set(REQUIREMENTS.map((r) => r.id)).size).toBe(13);
    expect(new Set(REQUIREMENTS.map((r) => r.label)).size).toBe(13);
  });

  it('word level fixes the way the Security Roles screen reads', () => {
    expect(requirement('serviceTickets.add').fix).toBe(
      'Service Desk → Service Tickets: set Add Level to All',
    );
    expect(requirement('companyMaintenance.inquire').fix).toBe(
      'Companies → Company Maintenance: set Inquire Level to All',
    );
    expect(() => requirement('nope' as never)).toThrow(/unknown/);
  });
});

describe('probes', () => {
  it('cover every requirement row', () => {
    const covered = new Set(PROBES.flatMap((p) => p.rows));
    for (const r of REQUIREMENTS) expect(covered.has(r.id), r.id).toBe(true);
    for (const p of PROBES) for (const id of p.rows) expect(() => requirement(id)).not.toThrow();
  });

  it('read one record, or write something the PSA must refuse by validation', () => {
    for (const p of PROBES) {
      expect(p.harmless.length, p.id).toBeGreaterThan(10);
      if (p.method === 'GET') {
        expect(p.query).toEqual({ pageSize: 1 });
        expect(p.body).toBeUndefined();
      } else if (p.method === 'POST') {
        expect(p.body).toEqual({});
        expect(p.permittedStatuses).toEqual([400]);
      } else {
        expect(p.method).toBe('PATCH');
        expect(p.body).toEqual([]);
        expect(p.path).toMatch(/\/0$/);
        expect(p.permittedStatuses).toEqual([400, 404]);
      }
    }
    expect(PROBES.map(probeRequest)).toEqual([
      'GET /company/companies',
      'GET /company/configurations',
      'GET /service/tickets',
      'GET /company/configurations/types',
      'GET /service/priorities',
      'GET /service/boards',
      'POST /company/configurations',
      'POST /service/tickets',
      'POST /company/configurations/types',
      'PATCH /company/configurations/0',
      'PATCH /service/tickets/0',
      'PATCH /company/configurations/types/0',
    ]);
  });
});
