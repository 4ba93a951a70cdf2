// PSA Integration Details (CON-3): the settings of MSP/MSSP Settings → PSA Integration Details.
// Keys are sealed with the keyring (bound to provider and field), only masked hints ever leave this
// service, and Save runs the preflight and stores its result with its time.
import type { Clock } from '../../platform/clock.js';
import { cwDate } from '../../platform/clock.js';
import type { Keyring } from '../../platform/keyring.js';
import { type IntegrationInput, integrationSchema } from '../model/validation.js';
import type { PreflightResult, PreflightSettings, PreflightStep } from '../preflight/run.js';
import type { ConnectWiseApi, PsaConnection } from '../psa-client/types.js';
import type { ConsoleStore, IntegrationRow } from '../store/console-store.js';
import { parse } from './accounts.js';
import { ConsoleError, notFound } from './errors.js';

export type { PreflightResult, PreflightStep };

export type PreflightRunner = (api: ConnectWiseApi, settings: PreflightSettings) => Promise<PreflightResult>;

export type ClientFactory = (connection: PsaConnection) => ConnectWiseApi & { close?(): Promise<void> };

export interface IntegrationView {
  enabled: boolean;
  site: string;
  companyId: string;
  clientId: string;
  publicKeyHint: string | null;
  privateKeyHint: string | null;
  hasKeys: boolean;
  trustedCa: boolean;
  preflight: PreflightResult | null;
  preflightAt: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  /** "MSP Settings" or "MSSP Settings", after the provider's kind. */
  settingsPage: string;
}

const refuse = async (): Promise<never> => {
  throw ConsoleError.keyed('invalid', 'integration.incomplete');
};
const unusableClient: ConnectWiseApi = {
  discover: refuse,
  get: refuse,
  list: refuse,
  listAll: refuse,
  count: refuse,
  post: refuse,
  put: refuse,
  patch: refuse,
  delete: refuse,
};

const aad = (providerId: number, field: 'publicKey' | 'privateKey') =>
  `con_psa_integration:${providerId}:${field}`;

/** Only the last four characters, as the original console shows saved keys. */
export function maskHint(secret: string): string {
  return `••••${secret.slice(-4)}`;
}

/** Told after every preflight (Save, or `parasol console psa preflight`): delivery closes its circuit on success. */
export type PreflightListener = (providerId: number, result: PreflightResult) => Promise<void>;

export class IntegrationService {
  private readonly listeners: PreflightListener[] = [];

  constructor(
    private readonly store: ConsoleStore,
    private readonly keyring: () => Keyring,
    private readonly clock: Clock,
    private readonly clientFactory: ClientFactory,
    private readonly preflight: PreflightRunner,
  ) {}

  onPreflight(listener: PreflightListener): void {
    this.listeners.push(listener);
  }

  private view(row: IntegrationRow | undefined, kind: 'MSP' | 'MSSP'): IntegrationView {
    return {
      enabled: row?.enabled ?? false,
      site: row?.site ?? '',
      companyId: row?.companyId ?? '',
      clientId: row?.clientId ?? '',
      publicKeyHint: row?.publicKeyHint ?? null,
      privateKeyHint: row?.privateKeyHint ?? null,
      hasKeys: Boolean(row?.publicKeySealed && row?.privateKeySealed),
      trustedCa: Boolean(row?.trustedCa),
      preflight: (row?.preflight as PreflightResult | null | undefined) ?? null,
      preflightAt: row?.preflightAt ?? null,
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy ?? null,
      settingsPage: `${kind} Settings`,
    };
  }

  private async kind(providerId: number): Promise<'MSP' | 'MSSP'> {
    const p = await this.store.getProvider(providerId);
    if (!p) throw notFound('provider');
    return p.kind;
  }

  async get(providerId: number): Promise<IntegrationView> {
    return this.view(await this.store.getIntegration(providerId), await this.kind(providerId));
  }

  /** Saves the settings (keys omitted keep the stored ones), then runs the preflight when enabled. */
  async save(providerId: number, input: unknown, actor: string): Promise<IntegrationView> {
    const s: IntegrationInput = parse(integrationSchema, input, 'PSA integration');
    const kind = await this.kind(providerId);
    const current = await this.store.getIntegration(providerId);
    const ring = this.keyring();
    const at = cwDate(this.clock.now());
    const row: IntegrationRow = {
      providerId,
      enabled: s.enabled,
      site: s.site.replace(/^https:\/\//, '').replace(/\/$/, ''),
      companyId: s.companyId,
      clientId: s.clientId,
      publicKeySealed: s.publicKey
        ? ring.seal(s.publicKey, aad(providerId, 'publicKey'))
        : (current?.publicKeySealed ?? null),
      privateKeySealed: s.privateKey
        ? ring.seal(s.privateKey, aad(providerId, 'privateKey'))
        : (current?.privateKeySealed ?? null),
      publicKeyHint: s.publicKey ? maskHint(s.publicKey) : (current?.publicKeyHint ?? null),
      privateKeyHint: s.privateKey ? maskHint(s.privateKey) : (current?.privateKeyHint ?? null),
      trustedCa: s.trustedCa === undefined ? (current?.trustedCa ?? null) : s.trustedCa,
      preflight: null,
      preflightAt: null,
      updatedAt: at,
      updatedBy: actor,
    };
    await this.store.saveIntegration(row);
    const changed = [
      current?.enabled !== s.enabled ? `enabled=${s.enabled}` : '',
      current?.site !== row.site ? 'site' : '',
      current?.companyId !== s.companyId ? 'companyId' : '',
      current?.clientId !== s.clientId ? 'clientId' : '',
      s.publicKey ? 'publicKey' : '',
      s.privateKey ? 'privateKey' : '',
      s.trustedCa !== undefined ? 'trustedCa' : '',
    ].filter(Boolean);
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'psa-integration.saved',
      detail: changed.join(', '),
    });
    if (s.enabled) await this.runPreflight(providerId, actor);
    return this.view(await this.store.getIntegration(providerId), kind);
  }

  /** The decrypted connection for this provider's PSA; used by preflight, mapping and delivery. */
  async connection(providerId: number): Promise<PsaConnection> {
    const row = await this.store.getIntegration(providerId);
    if (!row?.publicKeySealed || !row.privateKeySealed) {
      throw ConsoleError.keyed('invalid', 'integration.notConfigured');
    }
    const ring = this.keyring();
    return {
      site: row.site,
      companyId: row.companyId,
      clientId: row.clientId,
      publicKey: ring.open(row.publicKeySealed, aad(providerId, 'publicKey')),
      privateKey: ring.open(row.privateKeySealed, aad(providerId, 'privateKey')),
      ...(row.trustedCa ? { ca: row.trustedCa } : {}),
    };
  }

  /** A client for this provider's PSA (callers close it when done). */
  async client(providerId: number): Promise<ConnectWiseApi & { close?(): Promise<void> }> {
    return this.clientFactory(await this.connection(providerId));
  }

  async runPreflight(providerId: number, actor: string): Promise<PreflightResult> {
    const conn = await this.connection(providerId);
    let api: ConnectWiseApi & { close?(): Promise<void> };
    try {
      api = this.clientFactory(conn);
    } catch {
      // Incomplete settings make the client refuse to exist; the preflight reports what is missing
      // without calling the PSA, so it gets a client that cannot be used.
      api = unusableClient;
    }
    let result: PreflightResult;
    try {
      result = await this.preflight(api, conn);
    } finally {
      await api.close?.();
    }
    const at = cwDate(this.clock.now());
    await this.store.savePreflight(providerId, result, at);
    await this.store.audit({
      providerId,
      at,
      actor,
      action: 'psa-integration.preflight',
      detail: result.ok
        ? 'all checks passed'
        : `failed: ${result.steps
            .filter((s) => s.status === 'fail')
            .map((s) => s.id)
            .join(', ')}`,
    });
    for (const listener of this.listeners) await listener(providerId, result);
    return result;
  }

  /**
   * Re-seals every stored secret under the keyring's current key (`parasol keys rotate`). Returns
   * how many values were re-sealed; afterwards no value needs the older keys.
   */
  async resealAll(from: Keyring, to: Keyring): Promise<number> {
    let n = 0;
    await this.store.transaction(async (trx) => {
      for (const row of await this.store.listIntegrations(trx)) {
        const next = { ...row };
        for (const [field, col] of [
          ['publicKey', 'publicKeySealed'],
          ['privateKey', 'privateKeySealed'],
        ] as const) {
          const sealed = row[col];
          if (!sealed) continue;
          next[col] = to.seal(from.open(sealed, aad(row.providerId, field)), aad(row.providerId, field));
          n++;
        }
        await this.store.saveIntegration(next, trx);
      }
    });
    return n;
  }

  /** Key ids still used by stored values (a key may be removed only when unused). */
  async keyIdsInUse(ring: Keyring): Promise<Set<string>> {
    const used = new Set<string>();
    for (const row of await this.store.listIntegrations()) {
      for (const v of [row.publicKeySealed, row.privateKeySealed]) {
        const id = v && ring.keyIdOf(v);
        if (id) used.add(id);
      }
    }
    return used;
  }
}
