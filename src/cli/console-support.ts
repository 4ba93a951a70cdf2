// What every console-side CLI command shares: opening the console's services for one command,
// resolving a provider by name or id, and printing JSON or human lines.
import { ConsoleError } from '../console/service/errors.js';
import type { ConsoleServices } from '../console/service/services.js';
import type { CliIo } from './io.js';

export async function withConsole<T>(io: CliIo, work: (s: ConsoleServices) => Promise<T>): Promise<T> {
  // Imported when a command runs: building the program loads none of the services.
  const [{ openParasol }, { loadConfig }] = await Promise.all([
    import('../open.js'),
    import('../platform/config.js'),
  ]);
  const config = loadConfig(io.env, { logLevel: io.env.LOG_LEVEL ?? 'warn' });
  const opened = await openParasol(config);
  try {
    return await work(opened.console);
  } finally {
    await opened.storage.close();
  }
}

export async function providerId(s: ConsoleServices, nameOrId: string): Promise<number> {
  const p = /^\d+$/.test(nameOrId)
    ? await s.store.getProvider(Number(nameOrId))
    : await s.store.findProviderByName(nameOrId);
  if (!p)
    throw new ConsoleError(
      'not-found',
      `provider '${nameOrId}' not found (see parasol console provider list)`,
    );
  return p.id;
}

/** A customer of the provider by id or by name (names are unique per provider, compared case-insensitively). */
export async function customerId(s: ConsoleServices, provider: number, nameOrId: string): Promise<number> {
  if (/^\d{1,15}$/.test(nameOrId)) return Number(nameOrId);
  const wanted = nameOrId.trim().toLowerCase();
  const found = (await s.accounts.listCustomers(provider)).find((c) => c.name.toLowerCase() === wanted);
  if (!found)
    throw new ConsoleError(
      'not-found',
      `customer '${nameOrId}' not found (see parasol console customer list --provider …)`,
    );
  return found.id;
}

export function out(io: CliIo, json: boolean, value: unknown, human: () => string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const line of human()) io.out(line);
}
