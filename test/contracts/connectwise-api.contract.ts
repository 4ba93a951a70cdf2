// The behaviours every ConnectWiseApi must share — the real client against a PSA and the in-memory
// fake alike — so console unit tests written against the fake hold against a real ConnectWise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectWiseApi, ConnectWiseError } from '../../src/console/psa-client/types.js';

// biome-ignore lint/suspicious/noExplicitAny: records are read loosely, as the JSON they are
type Doc = Record<string, any>;

export interface ContractSubject {
  api: ConnectWiseApi;
  cleanup(): Promise<void>;
}

const COMPANIES = '/company/companies';

async function rejection(call: Promise<unknown>): Promise<ConnectWiseError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectWiseError);
    return error as ConnectWiseError;
  }
  throw new Error('expected the call to fail with a ConnectWiseError');
}

export function describeConnectWiseContract(name: string, setup: () => Promise<ContractSubject>): void {
  describe(`ConnectWiseApi contract: ${name}`, () => {
    let subject: ContractSubject;
    let api: ConnectWiseApi;
    // Unique per run, so the suite also works against a PSA that already holds data.
    const tag = `K${Date.now().toString(36).slice(-5).toUpperCase()}`;
    const created: string[] = [];

    const createCompany = async (suffix: string, extra: Doc = {}) => {
      const company = await api.post<Doc>(COMPANIES, {
        identifier: `${tag}${suffix}`,
        name: `Contract ${suffix}`,
        ...extra,
      });
      created.push(`${COMPANIES}/${company.id}`);
      return company;
    };

    beforeAll(async () => {
      subject = await setup();
      api = subject.api;
    });
    afterAll(async () => {
      // Best effort: tickets before companies (a company in use cannot be deleted).
      for (const path of created.reverse()) await api?.delete(path).catch(() => {});
      await subject?.cleanup();
    });

    it('discovers the company and its codebase', async () => {
      const info = await api.discover();
      expect(typeof info.CompanyName).toBe('string');
      expect(info.Codebase).toMatch(/^[A-Za-z0-9_.]+\/$/);
    });

    it('creates, reads, patches, replaces and deletes a company', async () => {
      const company = await api.post<Doc>(COMPANIES, { identifier: `${tag}Crud`, name: 'Contract Crud' });
      expect(company).toMatchObject({ identifier: `${tag}Crud`, name: 'Contract Crud' });
      expect(typeof company.id).toBe('number');
      expect(typeof company._info?.dateEntered).toBe('string');
      const path = `${COMPANIES}/${company.id}`;
      created.push(path);

      expect(await api.get<Doc>(path)).toMatchObject({
        id: company.id,
        identifier: `${tag}Crud`,
        name: 'Contract Crud',
      });
      expect(await api.get<Doc>(path, { fields: 'id,name' })).toEqual({
        id: company.id,
        name: 'Contract Crud',
      });

      const patched = await api.patch<Doc>(path, [
        { op: 'replace', path: 'name', value: 'Contract Patched' },
      ]);
      expect(patched).toMatchObject({ id: company.id, identifier: `${tag}Crud`, name: 'Contract Patched' });

      const replaced = await api.put<Doc>(path, { identifier: `${tag}Crud`, name: 'Contract Replaced' });
      expect(replaced).toMatchObject({ id: company.id, identifier: `${tag}Crud`, name: 'Contract Replaced' });
      expect(await api.get<Doc>(path)).toMatchObject({ name: 'Contract Replaced' });

      await api.delete(path);
      expect(await rejection(api.get(path))).toMatchObject({ kind: 'http', status: 404 });
    });

    it('lists with an identifier condition and counts', async () => {
      const company = await createCompany('Find');
      await createCompany('Other');
      const found = await api.list<Doc>(COMPANIES, { conditions: `identifier = "${tag}Find"` });
      expect(found.map((c) => c.id)).toEqual([company.id]);
      expect(await api.count(COMPANIES, `identifier = "${tag}Find"`)).toBe(1);
      expect(await api.count(COMPANIES, `identifier = "${tag}Nothing"`)).toBe(0);
      expect(await api.count(COMPANIES)).toBeGreaterThanOrEqual(2);
    });

    it('lists everything over several pages, by id and in a requested order', async () => {
      for (const n of [1, 2, 3, 4, 5]) await createCompany(`Pg${n}`);
      const conditions = `identifier like "${tag}Pg*"`;
      const single = await api.list<Doc>(COMPANIES, { conditions, pageSize: 1000 });
      expect(single).toHaveLength(5);
      const all = await api.listAll<Doc>(COMPANIES, { conditions, pageSize: 2 });
      expect(all.map((c) => c.id)).toEqual(single.map((c) => c.id));
      expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort((a, b) => a - b));

      const ordered = await api.listAll<Doc>(COMPANIES, {
        conditions,
        pageSize: 2,
        orderBy: 'identifier desc',
      });
      expect(ordered.map((c) => c.identifier)).toEqual([5, 4, 3, 2, 1].map((n) => `${tag}Pg${n}`));
      const page2 = await api.list<Doc>(COMPANIES, {
        conditions,
        pageSize: 2,
        page: 2,
        orderBy: 'identifier desc',
      });
      expect(page2.map((c) => c.identifier)).toEqual([`${tag}Pg3`, `${tag}Pg2`]);
    });

    it('reports a missing record as an http 404 carrying ConnectWise code and message', async () => {
      const error = await rejection(api.get(`${COMPANIES}/987654321`));
      expect(error).toMatchObject({ kind: 'http', status: 404, attempts: 1 });
      expect(error.code).toEqual(expect.any(String));
      expect(error.cwMessage).toEqual(expect.any(String));
    });

    it('refuses a duplicate company identifier with 400 and the field error', async () => {
      await createCompany('Dup');
      const error = await rejection(api.post(COMPANIES, { identifier: `${tag}Dup`, name: 'Second' }));
      expect(error).toMatchObject({ kind: 'http', status: 400, code: 'InvalidObject' });
      expect(error.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ code: 'ObjectExists', field: 'identifier' })]),
      );
    });

    it('creates a ticket naming its board by name and its company by identifier', async () => {
      const [board] = await api.list<Doc>('/service/boards', { pageSize: 1 });
      expect(board?.name).toEqual(expect.any(String));
      const company = await createCompany('Tkt');
      const ticket = await api.post<Doc>('/service/tickets', {
        summary: 'Contract: DNS threat blocked',
        board: { name: board!.name },
        company: { identifier: `${tag}Tkt` },
      });
      const path = `/service/tickets/${ticket.id}`;
      created.push(path);
      expect(ticket).toMatchObject({
        summary: 'Contract: DNS threat blocked',
        board: { id: board!.id, name: board!.name },
        company: { id: company.id, identifier: `${tag}Tkt` },
      });
      expect(await api.get<Doc>(path)).toMatchObject({ id: ticket.id, company: { id: company.id } });
      const mine = await api.list<Doc>('/service/tickets', { conditions: `company/id = ${company.id}` });
      expect(mine.map((t) => t.id)).toEqual([ticket.id]);
    });
  });
}
