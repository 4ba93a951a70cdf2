// Providers, their users and customers (CON-1, CON-2): validated input, tenant-scoped access,
// every admin change in the audit log.
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import { hashPassword } from '../../platform/passwords.js';
import {
  customerCreateSchema,
  customerUpdateSchema,
  providerCreateSchema,
  providerUpdateSchema,
  userCreateSchema,
  userUpdateSchema,
} from '../model/validation.js';
import type { ConsoleStore, Customer, Provider, User } from '../store/console-store.js';
import { ConsoleError, notFound } from './errors.js';

/** Parses input with a schema or throws a 400 naming every field that is wrong. */
export function parse<S extends z.ZodTypeAny>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) {
    throw ConsoleError.keyed(
      'invalid',
      'input.invalid',
      { what },
      r.error.issues.map((i) =>
        i.code === 'unrecognized_keys'
          ? {
              path: i.keys.join(','),
              message: `unknown field(s): ${i.keys.join(', ')}`,
              key: 'field.unknown',
              params: { field: i.keys.join(', ') },
            }
          : {
              path: i.path.join('.'),
              message: i.message,
              key: 'field.invalid',
              params: { detail: i.message },
            },
      ),
    );
  }
  return r.data;
}

export interface PublicUser {
  id: number;
  email: string;
  name: string;
  role: 'admin' | 'read-only';
  locked: boolean;
  createdAt: string;
}

export const publicUser = (u: User, now: Date): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  locked: u.lockedUntil !== null && new Date(u.lockedUntil) > now,
  createdAt: u.createdAt,
});

export class AccountsService {
  constructor(
    readonly store: ConsoleStore,
    private readonly clock: Clock,
  ) {}

  private at(): string {
    return cwDate(this.clock.now());
  }

  async createProvider(input: unknown, actor: string): Promise<Provider> {
    const p = parse(providerCreateSchema, input, 'provider');
    if (await this.store.findProviderByName(p.name))
      throw ConsoleError.keyed('conflict', 'provider.nameInUse', { name: p.name });
    const at = this.at();
    const id = await this.store.createProvider({ ...p, at });
    await this.store.audit({
      providerId: id,
      at,
      actor,
      action: 'provider.created',
      detail: `${p.kind} ${p.name}`,
    });
    return (await this.store.getProvider(id))!;
  }

  async updateProvider(providerId: number, input: unknown, actor: string): Promise<Provider> {
    const p = parse(providerUpdateSchema, input, 'provider');
    await this.store.updateProvider(providerId, p);
    await this.store.audit({
      providerId,
      at: this.at(),
      actor,
      action: 'provider.updated',
      detail: Object.keys(p).join(', '),
    });
    const out = await this.store.getProvider(providerId);
    if (!out) throw notFound('provider');
    return out;
  }

  async createUser(providerId: number, input: unknown, actor: string): Promise<PublicUser> {
    const u = parse(userCreateSchema, input, 'user');
    if (await this.store.findUserByEmail(u.email))
      throw ConsoleError.keyed('conflict', 'user.emailInUse', { email: u.email });
    const at = this.at();
    const id = await this.store.createUser({
      providerId,
      email: u.email,
      name: u.name,
      role: u.role,
      passwordHash: await hashPassword(u.password),
      at,
    });
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'user.created',
      detail: `${u.email} (${u.role})`,
    });
    return publicUser((await this.store.getUser(providerId, id))!, this.clock.now());
  }

  async listUsers(providerId: number): Promise<PublicUser[]> {
    const now = this.clock.now();
    return (await this.store.listUsers(providerId)).map((u) => publicUser(u, now));
  }

  async getUser(providerId: number, id: number): Promise<PublicUser> {
    const u = await this.store.getUser(providerId, id);
    if (!u) throw notFound('user');
    return publicUser(u, this.clock.now());
  }

  async updateUser(providerId: number, id: number, input: unknown, actor: string): Promise<PublicUser> {
    const u = parse(userUpdateSchema, input, 'user');
    if (!(await this.store.getUser(providerId, id))) throw notFound('user');
    const at = this.at();
    await this.store.updateUser(providerId, id, {
      at,
      ...(u.name !== undefined ? { name: u.name } : {}),
      ...(u.role !== undefined ? { role: u.role } : {}),
      ...(u.password !== undefined
        ? { passwordHash: await hashPassword(u.password), failedAttempts: 0, lockedUntil: null }
        : {}),
    });
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'user.updated',
      detail: `${id}: ${Object.keys(u).join(', ')}`,
    });
    return this.getUser(providerId, id);
  }

  async deleteUser(providerId: number, id: number, actor: string): Promise<void> {
    if (!(await this.store.deleteUser(providerId, id))) throw notFound('user');
    await this.store.audit({ providerId, at: this.at(), actor, action: 'user.deleted', detail: String(id) });
  }

  async createCustomer(providerId: number, input: unknown, actor: string): Promise<Customer> {
    const c = parse(customerCreateSchema, input, 'customer');
    const at = this.at();
    const id = await this.store.createCustomer({ providerId, name: c.name, seats: c.seats, at });
    await this.store.audit({ providerId, at, actor, action: 'customer.created', detail: `${id} ${c.name}` });
    return (await this.store.getCustomer(providerId, id))!;
  }

  async getCustomer(providerId: number, id: number): Promise<Customer> {
    const c = await this.store.getCustomer(providerId, id);
    if (!c) throw notFound('customer');
    return c;
  }

  listCustomers(providerId: number): Promise<Customer[]> {
    return this.store.listCustomers(providerId);
  }

  async updateCustomer(providerId: number, id: number, input: unknown, actor: string): Promise<Customer> {
    const c = parse(customerUpdateSchema, input, 'customer');
    await this.getCustomer(providerId, id);
    const at = this.at();
    await this.store.updateCustomer(providerId, id, { ...c, at });
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'customer.updated',
      detail: `${id}: ${Object.keys(c).join(', ')}`,
    });
    return this.getCustomer(providerId, id);
  }

  async deleteCustomer(providerId: number, id: number, actor: string): Promise<void> {
    if (!(await this.store.deleteCustomer(providerId, id))) throw notFound('customer');
    await this.store.audit({
      providerId,
      at: this.at(),
      actor,
      action: 'customer.deleted',
      detail: String(id),
    });
  }
}
