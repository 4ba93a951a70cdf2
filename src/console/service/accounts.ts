// Providers, their users and customers (CON-1, CON-2): validated input, tenant-scoped access,
// every admin change in the audit log. A provider always keeps an admin (issue 13), and a new
// password ends the user's other sessions.
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import type { Database, Dialect } from '../../platform/db-types.js';
import { hashPassword } from '../../platform/passwords.js';
import type { SignInGuard } from '../../platform/sign-in-guard.js';
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
  /** Locked out after failed sign-ins from at least one client address right now. */
  locked: boolean;
  createdAt: string;
}

export const publicUser = (u: User, locked: boolean): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  locked,
  createdAt: u.createdAt,
});

export class AccountsService {
  constructor(
    readonly store: ConsoleStore,
    private readonly clock: Clock,
    private readonly guard: SignInGuard,
    private readonly dialect: Dialect,
  ) {}

  private async withLocks(users: User[]): Promise<PublicUser[]> {
    const locked = await this.guard.lockedAccounts(users.map((u) => u.email));
    return users.map((u) => publicUser(u, locked.has(u.email)));
  }

  /** Refuses a change that would leave the provider without an admin (call inside its lock). */
  private async keepAnAdmin(providerId: number, user: User, trx: Transaction<Database>, doing: string) {
    if (user.role !== 'admin') return;
    const admins = await this.store.adminIds(providerId, trx);
    if (admins.length <= 1 && admins.includes(user.id))
      throw new ConsoleError(
        'conflict',
        `${user.email} is the last admin of this account and cannot be ${doing}: make another user an admin first.`,
      );
  }

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
    return publicUser((await this.store.getUser(providerId, id))!, false);
  }

  async listUsers(providerId: number): Promise<PublicUser[]> {
    return this.withLocks(await this.store.listUsers(providerId));
  }

  async getUser(providerId: number, id: number): Promise<PublicUser> {
    const u = await this.store.getUser(providerId, id);
    if (!u) throw notFound('user');
    return (await this.withLocks([u]))[0]!;
  }

  /**
   * Changes a user. A new password ends every other session of the user — all of them, or all but
   * `keepSession` (the caller's own, when users change their own password) — and forgets the
   * failed sign-ins counted against the account. Demoting the provider's last admin is refused.
   */
  async updateUser(
    providerId: number,
    id: number,
    input: unknown,
    actor: string,
    keepSession?: string,
  ): Promise<PublicUser> {
    const u = parse(userUpdateSchema, input, 'user');
    if (!(await this.store.getUser(providerId, id))) throw notFound('user');
    // scrypt takes a while: hashed before the transaction, which holds the provider's row.
    const passwordHash = u.password !== undefined ? await hashPassword(u.password) : undefined;
    const at = this.at();
    const user = await this.store.transaction(async (trx) => {
      await this.store.lockProvider(providerId, trx, this.dialect);
      const user = await this.store.getUser(providerId, id, trx);
      if (!user) throw notFound('user');
      if (u.role === 'read-only') await this.keepAnAdmin(providerId, user, trx, 'made read-only');
      await this.store.updateUser(
        providerId,
        id,
        {
          at,
          ...(u.name !== undefined ? { name: u.name } : {}),
          ...(u.role !== undefined ? { role: u.role } : {}),
          ...(passwordHash !== undefined ? { passwordHash } : {}),
        },
        trx,
      );
      const ended =
        passwordHash !== undefined
          ? await this.store.deleteUserSessions(providerId, id, keepSession, trx)
          : 0;
      await this.store.audit(
        {
          providerId,
          at,
          actor,
          action: 'user.updated',
          detail:
            `${id}: ${Object.keys(u).join(', ')}` +
            (passwordHash !== undefined ? `; ${ended} other session(s) ended` : ''),
        },
        trx,
      );
      return user;
    });
    if (passwordHash !== undefined) await this.guard.forget(user.email);
    return this.getUser(providerId, id);
  }

  /** Removes a user (and their sessions); the provider's last admin cannot be removed. */
  async deleteUser(providerId: number, id: number, actor: string): Promise<void> {
    await this.store.transaction(async (trx) => {
      await this.store.lockProvider(providerId, trx, this.dialect);
      const user = await this.store.getUser(providerId, id, trx);
      if (!user) throw notFound('user');
      await this.keepAnAdmin(providerId, user, trx, 'removed');
      await this.store.deleteUser(providerId, id, trx);
      await this.store.audit(
        { providerId, at: this.at(), actor, action: 'user.deleted', detail: `${id} ${user.email}` },
        trx,
      );
    });
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
