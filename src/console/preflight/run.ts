// The preflight run on Save of PSA Integration Details (CON-3): settings, codebase discovery,
// authentication, then one verdict per role row the integration needs, each failure with the fix an
// MSP admin can act on. Talks to the PSA only through the ConnectWise client; never creates,
// changes or deletes anything there.
import { type Clock, systemClock } from '../../platform/clock.js';
import { type ConnectWiseApi, ConnectWiseError } from '../psa-client/types.js';
import { answeredWithoutTls, apiOrigin } from '../psa-client/wire.js';
import { diagnose, type ProbeOutcome, probeOutcome } from './diagnose.js';
import { PROBES, type Probe, REQUIREMENTS } from './requirements.js';

export interface PreflightSettings {
  site: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface PreflightStep {
  /** 'settings', 'discovery', 'authentication', or a requirement id ('serviceTickets.add' …). */
  id: string;
  label: string;
  status: 'pass' | 'fail' | 'skipped';
  fix?: string;
  detail?: string;
}

export interface PreflightResult {
  /** Every step passed. */
  ok: boolean;
  checkedAt: string;
  steps: PreflightStep[];
}

export const STEP_LABELS = {
  settings: 'Settings: site, company id, public key, private key and clientId',
  discovery: 'Codebase discovery (GET /login/companyinfo/{companyId})',
  authentication: 'Authentication with the API keys (GET /system/info)',
} as const;

/** The fixes for connection and key problems; each names one cause (the UI and tests key on the words before —). */
export const FIX = {
  siteMissing:
    "site missing — enter your ConnectWise site (e.g. na.myconnectwise.net or your own server's name)",
  siteInvalid:
    "site not valid — enter a host name such as na.myconnectwise.net or your own server's name, optionally with :port",
  companyIdMissing: 'company id missing — enter the company id you enter when signing in to ConnectWise',
  publicKeyMissing:
    'public key missing — paste the public key of the API member (System → Members → API Members → API Keys)',
  privateKeyMissing:
    'private key missing — paste the private key shown when the key was created (it is shown only once; if it is lost, create a new key)',
  clientIdMissing:
    'clientId missing — register an integration at developer.connectwise.com (ClientID) and paste its GUID here',
  dns: "host unreachable — check the site (e.g. na.myconnectwise.net or your own server's name)",
  network:
    'host unreachable — the console could not connect to the site (refused or timed out); check the site and its port, and that the PSA can be reached from the console',
  tls: "TLS certificate not trusted — the PSA's certificate is not signed by a trusted authority; install a valid certificate or paste the PSA's CA certificate",
  plainHttp:
    'the PSA answered plain HTTP on an HTTPS port — the console reaches a PSA only over HTTPS (keys never travel in clear); serve the PSA over HTTPS (for Parasol: unset PSA_ALLOW_HTTP) or enter the site with its HTTPS port',
  unknownCompany: 'company id unknown — use the company id you enter when signing in to ConnectWise',
  notConnectWise:
    'no ConnectWise at this site — the answer was not what ConnectWise sends; check the site (the host you sign in to, not a web page address)',
  clientIdRejected:
    'clientId rejected — the PSA does not accept this clientId; use the ClientID (a GUID) of an integration registered at developer.connectwise.com',
  keyRevoked: 'key revoked — create a new key: System → Members → API Members → API Keys',
  memberInactive:
    'API member inactive — System → Members → API Members: clear Inactive on the member, or create the keys on an active API member',
  roleInactive: "security role inactive — System → Security Roles: clear Inactive on the API member's role",
  keysRejected:
    'keys rejected — the private key is shown only once in ConnectWise; create a new key (System → Members → API Members → API Keys) and paste both keys here',
  throttled: 'the PSA is refusing requests for now (too many requests) — save again in a minute',
  budget: "the console's request budget for this PSA is spent for now — save again in a minute",
} as const;

/** A message for an unexpected status, so the admin still sees what the PSA said. */
function httpFix(status: number | undefined, what: string): string {
  if (status !== undefined && status >= 500)
    return `the PSA failed (HTTP ${status}) on ${what} — try again later; if it persists, check the PSA's health`;
  return `the PSA answered HTTP ${status ?? '?'} to ${what} — check the site and try again`;
}

/** The fix for an error of discovery or authentication. */
export function fixForError(error: unknown, what: string): string {
  if (!(error instanceof ConnectWiseError)) return `unexpected error during ${what} — try again`;
  switch (error.kind) {
    case 'dns':
      return FIX.dns;
    case 'network':
    case 'timeout':
      return FIX.network;
    case 'tls':
      return answeredWithoutTls(error.systemCode) ? FIX.plainHttp : FIX.tls;
    case 'unknown-company':
      return FIX.unknownCompany;
    case 'malformed-response':
      return FIX.notConnectWise;
    case 'budget-exhausted':
      return FIX.budget;
    case 'http':
      break;
  }
  if (error.status === 401) {
    const said = `${error.cwMessage ?? ''} ${error.code ?? ''}`.toLowerCase();
    if (/client[\s_-]*id/.test(said)) return FIX.clientIdRejected;
    if (said.includes('revoked')) return FIX.keyRevoked;
    if (said.includes('inactive')) return said.includes('role') ? FIX.roleInactive : FIX.memberInactive;
    return FIX.keysRejected;
  }
  if (error.status === 429) return FIX.throttled;
  if (error.status === 404 && what === 'discovery') return FIX.notConnectWise;
  return httpFix(error.status, what);
}

function detailOf(error: unknown): string {
  if (error instanceof ConnectWiseError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Required fields and the site's shape; the fixes, one per problem (empty when the settings are complete). */
export function checkSettings(settings: Partial<PreflightSettings>): string[] {
  const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
  const fixes: string[] = [];
  if (blank(settings.site)) fixes.push(FIX.siteMissing);
  else {
    try {
      apiOrigin(settings.site!);
    } catch {
      fixes.push(FIX.siteInvalid);
    }
  }
  if (blank(settings.companyId)) fixes.push(FIX.companyIdMissing);
  if (blank(settings.publicKey)) fixes.push(FIX.publicKeyMissing);
  if (blank(settings.privateKey)) fixes.push(FIX.privateKeyMissing);
  if (blank(settings.clientId)) fixes.push(FIX.clientIdMissing);
  return fixes;
}

/** Every string a result could carry a secret in, removed: the private key and the Basic credentials. */
function scrubber(settings: Partial<PreflightSettings>): (text: string) => string {
  const secrets = new Set<string>();
  const priv = settings.privateKey ?? '';
  if (priv.length >= 4) {
    secrets.add(priv);
    const basic = Buffer.from(`${settings.companyId ?? ''}+${settings.publicKey ?? ''}:${priv}`).toString(
      'base64',
    );
    secrets.add(basic);
  }
  return (text) => {
    let out = text;
    for (const s of secrets) out = out.split(s).join('[redacted]');
    return out.replace(/\bBasic\s+[A-Za-z0-9+/=]{8,}/g, 'Basic [redacted]');
  };
}

async function answerOf(
  api: ConnectWiseApi,
  probe: Probe,
): Promise<
  | { ok: true; status: number }
  | { ok: false; status?: number; kind: string; message: string; cwMessage?: string }
> {
  try {
    if (probe.method === 'GET') await api.list(probe.path, probe.query ?? { pageSize: 1 });
    else if (probe.method === 'POST') await api.post(probe.path, probe.body ?? {});
    else await api.patch(probe.path, []);
    return { ok: true, status: probe.method === 'POST' ? 201 : 200 };
  } catch (error) {
    if (error instanceof ConnectWiseError)
      return {
        ok: false,
        kind: error.kind,
        message: error.message,
        ...(error.status !== undefined ? { status: error.status } : {}),
        ...(error.cwMessage !== undefined ? { cwMessage: error.cwMessage } : {}),
      };
    return { ok: false, kind: 'unexpected', message: detailOf(error) };
  }
}

/** A summary list, or null when the PSA will not give it (some PSAs answer 403/404). */
async function summary(api: ConnectWiseApi, path: string): Promise<unknown[] | null> {
  try {
    const rows = await api.list(path, { pageSize: 1000 });
    return Array.isArray(rows) ? rows : null;
  } catch {
    return null;
  }
}

/**
 * Runs the preflight. `api` is a client for exactly these `settings` (the caller builds it and closes
 * it); it is not used at all when the settings are incomplete. Never throws for what the PSA answers.
 */
export async function runPreflight(
  api: ConnectWiseApi,
  settings: PreflightSettings,
  clock: Clock = systemClock,
): Promise<PreflightResult> {
  const steps: PreflightStep[] = [];
  const rowSteps = (status: 'skipped', detail: string): PreflightStep[] =>
    REQUIREMENTS.map((r) => ({ id: r.id, label: r.label, status, detail }));
  const finish = (): PreflightResult => {
    const scrub = scrubber(settings);
    const clean = steps.map((s) => {
      const out: PreflightStep = { id: s.id, label: s.label, status: s.status };
      if (s.fix !== undefined) out.fix = scrub(s.fix);
      if (s.detail !== undefined) out.detail = scrub(s.detail);
      return out;
    });
    return {
      ok: clean.every((s) => s.status === 'pass'),
      checkedAt: clock.now().toISOString(),
      steps: clean,
    };
  };

  const settingFixes = checkSettings(settings);
  if (settingFixes.length > 0) {
    steps.push({ id: 'settings', label: STEP_LABELS.settings, status: 'fail', fix: settingFixes.join('; ') });
    const why = 'not checked: complete the settings first';
    steps.push({ id: 'discovery', label: STEP_LABELS.discovery, status: 'skipped', detail: why });
    steps.push({ id: 'authentication', label: STEP_LABELS.authentication, status: 'skipped', detail: why });
    steps.push(...rowSteps('skipped', why));
    return finish();
  }
  steps.push({ id: 'settings', label: STEP_LABELS.settings, status: 'pass' });

  try {
    const info = await api.discover();
    const codebase = typeof info.Codebase === 'string' ? info.Codebase.replace(/\/+$/, '') : '?';
    const name = typeof info.CompanyName === 'string' ? `${info.CompanyName}, ` : '';
    steps.push({
      id: 'discovery',
      label: STEP_LABELS.discovery,
      status: 'pass',
      detail: `${name}codebase ${codebase}`,
    });
  } catch (error) {
    steps.push({
      id: 'discovery',
      label: STEP_LABELS.discovery,
      status: 'fail',
      fix: fixForError(error, 'discovery'),
      detail: detailOf(error),
    });
    const why = 'not checked: codebase discovery failed';
    steps.push({ id: 'authentication', label: STEP_LABELS.authentication, status: 'skipped', detail: why });
    steps.push(...rowSteps('skipped', why));
    return finish();
  }

  try {
    await api.get('/system/info');
    steps.push({ id: 'authentication', label: STEP_LABELS.authentication, status: 'pass' });
  } catch (error) {
    if (error instanceof ConnectWiseError && error.kind === 'http' && error.status === 403) {
      // The keys were accepted; only the role keeps the member from this endpoint.
      steps.push({
        id: 'authentication',
        label: STEP_LABELS.authentication,
        status: 'pass',
        detail: 'the keys were accepted (the role may not read /system/info)',
      });
    } else {
      steps.push({
        id: 'authentication',
        label: STEP_LABELS.authentication,
        status: 'fail',
        fix: fixForError(error, 'authentication'),
        detail: detailOf(error),
      });
      steps.push(...rowSteps('skipped', 'not checked: authentication failed'));
      return finish();
    }
  }

  const [mySecurity, customizeItems, ...answers] = await Promise.all([
    summary(api, '/system/mySecurity'),
    summary(api, '/system/mySecurity/customizeItems'),
    ...PROBES.map((p) => answerOf(api, p)),
  ]);
  const outcomes: ProbeOutcome[] = PROBES.map((p, i) => probeOutcome(p, answers[i]!));
  const diagnosis = diagnose({
    mySecurity: mySecurity ?? null,
    customizeItems: customizeItems ?? null,
    probes: outcomes,
  });
  for (const v of diagnosis.rows) {
    const r = REQUIREMENTS.find((x) => x.id === v.id)!;
    const step: PreflightStep = {
      id: r.id,
      label: r.label,
      status: v.status === 'unchecked' ? 'skipped' : v.status,
    };
    if (v.fix !== undefined) step.fix = v.fix;
    if (v.detail !== undefined) step.detail = v.detail;
    steps.push(step);
  }
  return finish();
}
