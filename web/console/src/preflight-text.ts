// The preflight's steps in the chosen language. The server reports each step by id with its fix in
// English (src/console/preflight: REQUIREMENTS' fixes and FIX); the English catalogue holds exactly
// those texts (a unit test compares them), so a fix the console knows is shown translated — the role
// row named with the PSA catalogue's own translated module, function and table names — and anything
// else (a status the PSA answered, a network error) in the server's words. Pure: takes `t`.
import type { PreflightStep } from './types.js';

/** i18next's `t`, as these functions use it. */
export type Translate = (key: string, options?: Record<string, unknown>) => string;

type Action = 'add' | 'edit' | 'inquire';

interface LevelRow {
  kind: 'level';
  module: string;
  fn: string;
  action: Action;
}
interface AllowRow {
  kind: 'allow';
  table: string;
}

/** The preflight's requirement ids → the role row, by the PSA catalogue's ids. */
export const PREFLIGHT_ROWS: Readonly<Record<string, LevelRow | AllowRow>> = {
  'companyMaintenance.inquire': {
    kind: 'level',
    module: 'Companies',
    fn: 'Companies/CompanyMaintenance',
    action: 'inquire',
  },
  'configurations.add': { kind: 'level', module: 'Companies', fn: 'Companies/Configurations', action: 'add' },
  'configurations.edit': {
    kind: 'level',
    module: 'Companies',
    fn: 'Companies/Configurations',
    action: 'edit',
  },
  'configurations.inquire': {
    kind: 'level',
    module: 'Companies',
    fn: 'Companies/Configurations',
    action: 'inquire',
  },
  'serviceTickets.add': {
    kind: 'level',
    module: 'ServiceDesk',
    fn: 'ServiceDesk/ServiceTickets',
    action: 'add',
  },
  'serviceTickets.edit': {
    kind: 'level',
    module: 'ServiceDesk',
    fn: 'ServiceDesk/ServiceTickets',
    action: 'edit',
  },
  'serviceTickets.inquire': {
    kind: 'level',
    module: 'ServiceDesk',
    fn: 'ServiceDesk/ServiceTickets',
    action: 'inquire',
  },
  'tableSetup.add': { kind: 'level', module: 'System', fn: 'System/TableSetup', action: 'add' },
  'tableSetup.edit': { kind: 'level', module: 'System', fn: 'System/TableSetup', action: 'edit' },
  'tableSetup.inquire': { kind: 'level', module: 'System', fn: 'System/TableSetup', action: 'inquire' },
  'tableSetup.allow.configuration': { kind: 'allow', table: 'Company/Configuration' },
  'tableSetup.allow.priority': { kind: 'allow', table: 'Service/Priority' },
  'tableSetup.allow.serviceBoard': { kind: 'allow', table: 'Service/ServiceBoard' },
};

/** Connection and key problems the server names (FIX in src/console/preflight/run.ts). */
export const FIX_KEYS = [
  'siteMissing',
  'siteInvalid',
  'companyIdMissing',
  'publicKeyMissing',
  'privateKeyMissing',
  'clientIdMissing',
  'dns',
  'network',
  'tls',
  'plainHttp',
  'unknownCompany',
  'notConnectWise',
  'clientIdRejected',
  'keyRevoked',
  'memberInactive',
  'roleInactive',
  'keysRejected',
  'throttled',
  'budget',
] as const;

function rowNames(t: Translate, row: LevelRow | AllowRow) {
  if (row.kind === 'allow')
    return {
      module: t('catalog:modules.System'),
      function: t('catalog:functions.System/TableSetup'),
      table: t(`catalog:tables.${row.table}`),
    };
  return {
    module: t(`catalog:modules.${row.module}`),
    function: t(`catalog:functions.${row.fn}`),
    action: t(`preflight.actions.${row.action}`),
  };
}

/** How the role row reads on System → Security Roles, translated. */
export function rowLabel(t: Translate, id: string): string | undefined {
  const row = PREFLIGHT_ROWS[id];
  if (!row) return undefined;
  return t(row.kind === 'allow' ? 'preflight.rowLabel.allow' : 'preflight.rowLabel.level', rowNames(t, row));
}

/** The change that makes the row right, translated. */
export function rowFix(t: Translate, id: string): string | undefined {
  const row = PREFLIGHT_ROWS[id];
  if (!row) return undefined;
  return t(row.kind === 'allow' ? 'preflight.rowFix.allow' : 'preflight.rowFix.level', rowNames(t, row));
}

const LEVELS = ['All', 'My', 'None'] as const;

/** One fix as the server wrote it (English) → translated when known, else as written. */
function translateOne(t: Translate, english: string): string {
  const en: Translate = (key, options = {}) => t(key, { ...options, lng: 'en' });
  for (const key of FIX_KEYS)
    if (english === en(`preflight.fixes.${key}`)) return t(`preflight.fixes.${key}`);
  for (const id of Object.keys(PREFLIGHT_ROWS)) {
    const row = PREFLIGHT_ROWS[id]!;
    const enFix = en(
      row.kind === 'allow' ? 'preflight.rowFix.allow' : 'preflight.rowFix.level',
      rowNames(en, row),
    );
    if (english === enFix) return rowFix(t, id)!;
    for (const level of LEVELS) {
      if (english === `${enFix} (it is ${level})`)
        return `${rowFix(t, id)!} ${t('preflight.currently', { level: t(`preflight.levels.${level}`) })}`;
    }
  }
  return english;
}

const JOINT = 'one of these is missing, and the PSA does not say which: ';

/**
 * A step's fix, translated where the console knows it: several settings fixes are joined by '; ',
 * and a refusal the PSA does not explain names the candidate rows joined by '; or '.
 */
export function translateFix(t: Translate, step: PreflightStep): string[] {
  const fix = step.fix;
  if (!fix) return [];
  if (fix.startsWith(JOINT))
    return [
      t('preflight.oneOf'),
      ...fix
        .slice(JOINT.length)
        .split('; or ')
        .map((p) => `• ${translateOne(t, p)}`),
    ];
  if (step.id === 'settings') return fix.split('; ').map((p) => translateOne(t, p));
  return [translateOne(t, fix)];
}

/** The step's name: the three connection steps, or the role row. */
export function stepLabel(t: Translate, step: PreflightStep): string {
  if (step.id === 'settings' || step.id === 'discovery' || step.id === 'authentication')
    return t(`preflight.steps.${step.id}`);
  return rowLabel(t, step.id) ?? step.label;
}
