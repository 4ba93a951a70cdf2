// Umbrella Reporting API credentials of a provider (CON-5 b): the API key and secret are sealed with
// the keyring, bound to provider, source and field (as the PSA keys are, see service/integration.ts);
// only masked hints leave this service. The organizations polled are the provider's 'umbrella-org'
// source bindings.
import { z } from 'zod';
import { type Clock, cwDate } from '../../platform/clock.js';
import type { Keyring } from '../../platform/keyring.js';
import { parse } from '../service/accounts.js';
import { ConsoleError } from '../service/errors.js';
import { maskHint } from '../service/integration.js';
import type { ConsoleStore } from '../store/console-store.js';
import type { RemoteSourceStore, SourceCredentialRow } from './remote-store.js';
import { checkBaseUrl, UMBRELLA_API_BASE, type UmbrellaCredentials } from './umbrella-reporting.js';

export const UMBRELLA_SOURCE = 'umbrella-api';

export const umbrellaSettingsSchema = z
  .object({
    enabled: z.boolean(),
    /** Default https://api.umbrella.com. */
    baseUrl: z.string().trim().url().max(500).nullable().optional(),
    apiKey: z.string().trim().min(1).max(200).optional(),
    apiSecret: z.string().trim().min(1).max(500).optional(),
  })
  .strict();

export interface UmbrellaSettingsView {
  enabled: boolean;
  baseUrl: string;
  apiKeyHint: string | null;
  apiSecretHint: string | null;
  hasCredentials: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

const aad = (providerId: number, field: 'key' | 'secret') =>
  `con_source_credential:${providerId}:${UMBRELLA_SOURCE}:${field}`;

export class UmbrellaSettingsService {
  constructor(
    private readonly store: RemoteSourceStore,
    private readonly consoleStore: ConsoleStore,
    private readonly keyring: () => Keyring,
    private readonly clock: Clock,
  ) {}

  private view(row: SourceCredentialRow | undefined): UmbrellaSettingsView {
    return {
      enabled: row?.enabled ?? false,
      baseUrl: row?.baseUrl ?? UMBRELLA_API_BASE,
      apiKeyHint: row?.keyHint ?? null,
      apiSecretHint: row?.secretHint ?? null,
      hasCredentials: Boolean(row?.keySealed && row?.secretSealed),
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  }

  async get(providerId: number): Promise<UmbrellaSettingsView> {
    return this.view(await this.store.getCredential(providerId, UMBRELLA_SOURCE));
  }

  /** Saves the settings; a key or secret left out keeps the stored one. */
  async save(providerId: number, input: unknown, actor: string): Promise<UmbrellaSettingsView> {
    const s = parse(umbrellaSettingsSchema, input, 'Umbrella Reporting API settings');
    let baseUrl: string | null = null;
    if (s.baseUrl) {
      try {
        baseUrl = checkBaseUrl(s.baseUrl);
      } catch (e) {
        throw new ConsoleError('invalid', 'Umbrella Reporting API settings are invalid', [
          { path: 'baseUrl', message: e instanceof Error ? e.message : String(e) },
        ]);
      }
    }
    const current = await this.store.getCredential(providerId, UMBRELLA_SOURCE);
    const ring = this.keyring();
    const at = cwDate(this.clock.now());
    const row: SourceCredentialRow = {
      providerId,
      source: UMBRELLA_SOURCE,
      enabled: s.enabled,
      baseUrl: s.baseUrl === undefined ? (current?.baseUrl ?? null) : baseUrl,
      keySealed: s.apiKey ? ring.seal(s.apiKey, aad(providerId, 'key')) : (current?.keySealed ?? null),
      secretSealed: s.apiSecret
        ? ring.seal(s.apiSecret, aad(providerId, 'secret'))
        : (current?.secretSealed ?? null),
      keyHint: s.apiKey ? maskHint(s.apiKey) : (current?.keyHint ?? null),
      secretHint: s.apiSecret ? maskHint(s.apiSecret) : (current?.secretHint ?? null),
      updatedAt: at,
      updatedBy: actor,
    };
    if (row.enabled && !(row.keySealed && row.secretSealed))
      throw new ConsoleError(
        'invalid',
        'Enter the Umbrella API key and secret before enabling the Reporting API.',
      );
    await this.store.saveCredential(row);
    const changed = [
      current?.enabled !== s.enabled ? `enabled=${s.enabled}` : '',
      s.baseUrl !== undefined && current?.baseUrl !== row.baseUrl ? 'baseUrl' : '',
      s.apiKey ? 'apiKey' : '',
      s.apiSecret ? 'apiSecret' : '',
    ].filter(Boolean);
    await this.consoleStore.audit({
      providerId,
      at,
      actor,
      action: 'umbrella-api.saved',
      detail: changed.join(', '),
    });
    return this.view(row);
  }

  /** The decrypted credentials and base URL, for the poller. */
  async connection(
    providerId: number,
  ): Promise<{ enabled: boolean; baseUrl: string; credentials: UmbrellaCredentials }> {
    const row = await this.store.getCredential(providerId, UMBRELLA_SOURCE);
    if (!row?.keySealed || !row.secretSealed)
      throw new ConsoleError('invalid', 'The Umbrella Reporting API key and secret are not configured.');
    const ring = this.keyring();
    return {
      enabled: row.enabled,
      baseUrl: row.baseUrl ?? UMBRELLA_API_BASE,
      credentials: {
        key: ring.open(row.keySealed, aad(providerId, 'key')),
        secret: ring.open(row.secretSealed, aad(providerId, 'secret')),
      },
    };
  }

  /** Providers whose Reporting API polling is enabled. */
  async enabledProviders(): Promise<number[]> {
    return (await this.store.listCredentials(UMBRELLA_SOURCE))
      .filter((r) => r.enabled && r.keySealed && r.secretSealed)
      .map((r) => r.providerId);
  }

  /** Re-seals every stored credential under `to`'s current key (`parasol keys rotate`). */
  async resealAll(from: Keyring, to: Keyring): Promise<number> {
    let n = 0;
    await this.store.transaction(async (store) => {
      for (const row of await store.listCredentials()) {
        if (row.source !== UMBRELLA_SOURCE) continue;
        const next = { ...row };
        for (const [field, col] of [
          ['key', 'keySealed'],
          ['secret', 'secretSealed'],
        ] as const) {
          const sealed = row[col];
          if (!sealed) continue;
          next[col] = to.seal(from.open(sealed, aad(row.providerId, field)), aad(row.providerId, field));
          n++;
        }
        await store.saveCredential(next);
      }
    });
    return n;
  }

  /** Key ids still sealing stored credentials. */
  async keyIdsInUse(ring: Keyring): Promise<Set<string>> {
    const used = new Set<string>();
    for (const row of await this.store.listCredentials()) {
      for (const v of [row.keySealed, row.secretSealed]) {
        const id = v && ring.keyIdOf(v);
        if (id) used.add(id);
      }
    }
    return used;
  }
}
