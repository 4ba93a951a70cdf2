// GET /api/v1/setup: a provider's stored state, judged by the setup steps' rule (model/setup-steps.ts).
import { judgeSetup, type SetupProgress } from '../model/setup-steps.js';
import type { PreflightResult } from '../preflight/run.js';
import { readSetupCounts } from '../store/setup-facts.js';
import type { ConsoleServices } from './services.js';

export type { SetupProgress };

export async function readSetup(services: ConsoleServices, providerId: number): Promise<SetupProgress> {
  const [row, counts] = await Promise.all([
    services.store.getIntegration(providerId),
    readSetupCounts(services.storage.db, providerId),
  ]);
  const preflight = row?.preflight as PreflightResult | null | undefined;
  return judgeSetup({
    ...counts,
    integration: row
      ? {
          enabled: row.enabled,
          saved: Boolean(
            row.site && row.companyId && row.clientId && row.publicKeySealed && row.privateKeySealed,
          ),
          preflightOk: preflight ? preflight.ok : null,
        }
      : null,
  });
}
