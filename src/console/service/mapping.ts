// Company mapping (CON-4): each customer carries its PSA company identifier ("ConnectWise Company
// ID"); suggestions by similar name, bulk CSV import/export, detection of mappings whose company
// disappeared, and the cache of the PSA's reference data (companies, boards with statuses, types,
// subtypes and items, priorities, sources) with refresh on demand.
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import {
  type CompanySuggestion,
  detectMissingMappings,
  formatMappingCsv,
  parseMappingCsv,
  suggestCompanies,
} from '../model/mapping.js';
import { mappingSchema } from '../model/validation.js';
import { type ConnectWiseApi, ConnectWiseError } from '../psa-client/types.js';
import type { ConsoleStore, Customer } from '../store/console-store.js';
import { parse } from './accounts.js';
import { ConsoleError, notFound } from './errors.js';

export interface PsaCompany {
  id: number;
  identifier: string;
  name: string;
}

export interface PsaBoard {
  id: number;
  name: string;
  statuses: Array<{ id: number; name: string; closedStatus?: boolean; defaultFlag?: boolean }>;
  types: Array<{ id: number; name: string }>;
  subtypes: Array<{ id: number; name: string }>;
  items: Array<{ id: number; name: string }>;
}

export interface ReferenceData {
  companies: PsaCompany[];
  boards: PsaBoard[];
  priorities: Array<{ id: number; name: string; sortOrder?: number; defaultFlag?: boolean }>;
  sources: Array<{ id: number; name: string; defaultFlag?: boolean }>;
  refreshedAt: string | null;
}

export type ClientFor = (providerId: number) => Promise<ConnectWiseApi & { close?(): Promise<void> }>;

const REFERENCE_KIND = 'reference';

const pick = <T extends Record<string, unknown>>(r: T, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));

export class MappingService {
  constructor(
    private readonly store: ConsoleStore,
    private readonly clock: Clock,
    private readonly clientFor: ClientFor,
  ) {}

  private at(): string {
    return cwDate(this.clock.now());
  }

  private async withClient<T>(providerId: number, work: (api: ConnectWiseApi) => Promise<T>): Promise<T> {
    const api = await this.clientFor(providerId);
    try {
      return await work(api);
    } finally {
      await api.close?.();
    }
  }

  /** Reads the PSA's reference data afresh and caches it. */
  async refreshReference(providerId: number): Promise<ReferenceData> {
    const data = await this.withClient(providerId, async (api) => {
      const companies = await api.listAll<PsaCompany>('/company/companies', { fields: 'id,identifier,name' });
      const boards = await api.listAll<{ id: number; name: string }>('/service/boards', {
        fields: 'id,name',
      });
      const fullBoards: PsaBoard[] = [];
      for (const b of boards) {
        const base = `/service/boards/${b.id}`;
        const [statuses, types, subtypes, items] = await Promise.all([
          api.listAll<Record<string, unknown>>(`${base}/statuses`),
          api.listAll<Record<string, unknown>>(`${base}/types`),
          api.listAll<Record<string, unknown>>(`${base}/subtypes`),
          api.listAll<Record<string, unknown>>(`${base}/items`),
        ]);
        fullBoards.push({
          id: b.id,
          name: b.name,
          statuses: statuses.map((s) =>
            pick(s, ['id', 'name', 'closedStatus', 'defaultFlag', 'sortOrder']),
          ) as PsaBoard['statuses'],
          types: types.map((t) => pick(t, ['id', 'name'])) as PsaBoard['types'],
          subtypes: subtypes.map((t) => pick(t, ['id', 'name'])) as PsaBoard['subtypes'],
          items: items.map((t) => pick(t, ['id', 'name'])) as PsaBoard['items'],
        });
      }
      const priorities = (await api.listAll<Record<string, unknown>>('/service/priorities')).map((p) =>
        pick(p, ['id', 'name', 'sortOrder', 'defaultFlag']),
      ) as ReferenceData['priorities'];
      // The article's least-privilege role does not allow Table Setup → Service / Source: without
      // that row the reference data lists no sources (tickets get the PSA's default) instead of failing.
      const rawSources = await api
        .listAll<Record<string, unknown>>('/service/sources')
        .catch((e: unknown) => {
          if (e instanceof ConnectWiseError && e.status === 403) return [];
          throw e;
        });
      const sources = rawSources.map((s) =>
        pick(s, ['id', 'name', 'defaultFlag']),
      ) as ReferenceData['sources'];
      return {
        companies: companies.map((c) => ({ id: c.id, identifier: c.identifier, name: c.name })),
        boards: fullBoards,
        priorities,
        sources,
      };
    });
    const at = this.at();
    await this.store.putCache(providerId, REFERENCE_KIND, data, at);
    return { ...data, refreshedAt: at };
  }

  /** The cached reference data (empty lists and no time until the first refresh). */
  async reference(providerId: number): Promise<ReferenceData> {
    const cached = await this.store.getCache(providerId, REFERENCE_KIND);
    if (!cached) return { companies: [], boards: [], priorities: [], sources: [], refreshedAt: null };
    return { ...(cached.data as Omit<ReferenceData, 'refreshedAt'>), refreshedAt: cached.refreshedAt };
  }

  private async companies(providerId: number): Promise<PsaCompany[]> {
    const ref = await this.reference(providerId);
    return ref.refreshedAt ? ref.companies : (await this.refreshReference(providerId)).companies;
  }

  async suggestions(providerId: number, customerId: number): Promise<Array<CompanySuggestion<PsaCompany>>> {
    const customer = await this.store.getCustomer(providerId, customerId);
    if (!customer) throw notFound('customer');
    return suggestCompanies(customer.name, await this.companies(providerId));
  }

  /** Maps (or, with null, unmaps) a customer; the company must exist in the PSA. */
  async setMapping(providerId: number, customerId: number, input: unknown, actor: string): Promise<Customer> {
    const { psaCompanyIdentifier } = parse(mappingSchema, input, 'mapping');
    const customer = await this.store.getCustomer(providerId, customerId);
    if (!customer) throw notFound('customer');
    const at = this.at();
    if (psaCompanyIdentifier === null) {
      await this.store.updateCustomer(providerId, customerId, {
        psaCompanyIdentifier: null,
        psaCompanyId: null,
        mappingState: 'unmapped',
        mappingCheckedAt: at,
        at,
      });
    } else {
      const company = await this.findCompany(providerId, psaCompanyIdentifier);
      if (!company) {
        throw new ConsoleError(
          'invalid',
          `No company with the identifier '${psaCompanyIdentifier}' exists in the PSA.`,
          [{ path: 'psaCompanyIdentifier', message: 'unknown company identifier' }],
        );
      }
      await this.store.updateCustomer(providerId, customerId, {
        psaCompanyIdentifier: company.identifier,
        psaCompanyId: company.id,
        mappingState: 'mapped',
        mappingCheckedAt: at,
        at,
      });
    }
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'customer.mapped',
      detail: `${customerId} → ${psaCompanyIdentifier ?? '(unmapped)'}`,
    });
    return (await this.store.getCustomer(providerId, customerId))!;
  }

  private async findCompany(providerId: number, identifier: string): Promise<PsaCompany | undefined> {
    const quoted = identifier.includes('"') ? `'${identifier}'` : `"${identifier}"`;
    return this.withClient(providerId, async (api) => {
      const rows = await api.list<PsaCompany>('/company/companies', {
        conditions: `identifier = ${quoted}`,
        fields: 'id,identifier,name',
        pageSize: 1,
      });
      return rows[0];
    });
  }

  async exportCsv(providerId: number): Promise<string> {
    const customers = await this.store.listCustomers(providerId);
    const ref = await this.reference(providerId);
    const names = new Map(ref.companies.map((c) => [c.identifier.toLowerCase(), c.name]));
    return formatMappingCsv(
      customers.map((c) => ({
        customerId: c.id,
        customerName: c.name,
        psaCompanyIdentifier: c.psaCompanyIdentifier,
        psaCompanyName: c.psaCompanyIdentifier
          ? (names.get(c.psaCompanyIdentifier.toLowerCase()) ?? null)
          : null,
        state: c.mappingState,
      })),
    );
  }

  /** Applies a mapping CSV; bad lines are reported with their line number and the rest applied. */
  async importCsv(
    providerId: number,
    text: string,
    actor: string,
  ): Promise<{ applied: number; unchanged: number; errors: Array<{ line: number; message: string }> }> {
    const parsed = parseMappingCsv(text);
    const errors = [...parsed.errors];
    const customers = await this.store.listCustomers(providerId);
    const byId = new Map(customers.map((c) => [c.id, c]));
    const byName = new Map(customers.map((c) => [c.name.toLowerCase(), c]));
    const companies = await this.companies(providerId);
    const byIdentifier = new Map(companies.map((c) => [c.identifier.toLowerCase(), c]));
    let applied = 0;
    let unchanged = 0;
    const at = this.at();
    for (const row of parsed.rows) {
      const customer =
        row.customerId !== undefined
          ? byId.get(row.customerId)
          : byName.get((row.customerName ?? '').toLowerCase());
      if (!customer) {
        errors.push({
          line: row.line,
          message: `no customer ${row.customerId ?? `named '${row.customerName}'`} in this account`,
        });
        continue;
      }
      const wanted = row.psaCompanyIdentifier;
      const company = wanted === null ? undefined : byIdentifier.get(wanted.toLowerCase());
      if (wanted !== null && !company) {
        errors.push({ line: row.line, message: `no company with the identifier '${wanted}' in the PSA` });
        continue;
      }
      if (
        (customer.psaCompanyIdentifier ?? null)?.toLowerCase() ===
        (company?.identifier ?? null)?.toLowerCase()
      ) {
        unchanged++;
        continue;
      }
      await this.store.updateCustomer(providerId, customer.id, {
        psaCompanyIdentifier: company?.identifier ?? null,
        psaCompanyId: company?.id ?? null,
        mappingState: company ? 'mapped' : 'unmapped',
        mappingCheckedAt: at,
        at,
      });
      applied++;
    }
    errors.sort((a, b) => a.line - b.line);
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'mapping.imported',
      detail: `${applied} applied, ${unchanged} unchanged, ${errors.length} errors`,
    });
    return { applied, unchanged, errors };
  }

  /** Refreshes the companies and marks mappings whose company no longer exists as 'missing'. */
  async checkMappings(
    providerId: number,
    actor: string,
  ): Promise<Array<{ customerId: number; psaCompanyIdentifier: string }>> {
    const ref = await this.refreshReference(providerId);
    const customers = await this.store.listCustomers(providerId);
    const missing = detectMissingMappings(
      customers.map((c) => ({ customerId: c.id, psaCompanyIdentifier: c.psaCompanyIdentifier })),
      ref.companies,
    );
    const missingIds = new Set(missing.map((m) => m.customerId));
    const at = this.at();
    for (const c of customers) {
      if (!c.psaCompanyIdentifier) continue;
      const state = missingIds.has(c.id) ? 'missing' : 'mapped';
      if (state !== c.mappingState)
        await this.store.updateCustomer(providerId, c.id, { mappingState: state, mappingCheckedAt: at, at });
      else await this.store.updateCustomer(providerId, c.id, { mappingCheckedAt: at, at });
    }
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'mapping.checked',
      detail: `${missing.length} missing`,
    });
    return missing;
  }
}
