// What every console-side CLI command shares: opening the console's services for one command,
// resolving a provider by name or id, and printing JSON or human lines.
import { ConsoleError } from '../console/service/errors.js';
import type { ConsoleServices } from '../console/service/services.js';
import { openParasol } from '../main.js';
import { loadConfig } from '../platform/config.js';
import type { CliIo } from './io.js';

export async function withConsole<T>(io: CliIo, work: (s: ConsoleServices) => Promise<T>): Promise<T> {
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

export function out(io: CliIo, json: boolean, value: unknown, human: () => string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const line of human()) io.out(line);
}
