// One module of the Security Roles screen ("^ Service Desk"): a row per function with the four level
// drop-downs (All / My / None; My only where the function offers it) and "(customize)" links.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type FunctionDef, type ModuleDef, useCatalogNames } from '../catalog.js';
import type { Action, Level, Levels } from '../session.js';

const ACTIONS: readonly Action[] = ['add', 'edit', 'delete', 'inquire'];
const NONE: Levels = { add: 'None', edit: 'None', delete: 'None', inquire: 'None' };

interface Props {
  module: ModuleDef;
  levels: Record<string, Levels>;
  disabled: boolean;
  onChange: (fnId: string, levels: Levels) => void;
  onCustomize: (fn: FunctionDef) => void;
}

export function ModuleGrid({ module, levels, disabled, onChange, onCustomize }: Props) {
  const { t } = useTranslation();
  const names = useCatalogNames();
  const [open, setOpen] = useState(true);
  const moduleName = names.module(module);
  const panelId = `module-${module.id}`;
  return (
    <section className="module" aria-label={moduleName}>
      <h3>
        <button
          type="button"
          className="toggle"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen(!open)}
        >
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> {moduleName}
        </button>
      </h3>
      <div id={panelId} hidden={!open} className="table-wrap">
        <table className="grid">
          <caption className="sr-only">{moduleName}</caption>
          <thead>
            <tr>
              <th scope="col">{t('roles.function')}</th>
              {ACTIONS.map((a) => (
                <th scope="col" key={a}>
                  {t(`roles.actions.${a}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {module.functions.map((fn) => {
              const current = levels[fn.id] ?? NONE;
              const fnName = names.fn(fn);
              return (
                <tr key={fn.id}>
                  <th scope="row">
                    {fnName}
                    {fn.customize && (
                      <>
                        {' ('}
                        <button
                          type="button"
                          className="link"
                          onClick={() => onCustomize(fn)}
                          aria-label={t('customize.open', { module: moduleName, function: fnName })}
                        >
                          {t('customize.link')}
                        </button>
                        {')'}
                      </>
                    )}
                  </th>
                  {ACTIONS.map((a) => (
                    <td key={a}>
                      <select
                        aria-label={t('roles.levelLabel', {
                          module: moduleName,
                          function: fnName,
                          action: t(`roles.actions.${a}`),
                        })}
                        value={current[a]}
                        disabled={disabled}
                        onChange={(e) => onChange(fn.id, { ...current, [a]: e.target.value as Level })}
                      >
                        <option value="All">{t('roles.levels.All')}</option>
                        {(fn.myAllowed || current[a] === 'My') && (
                          <option value="My">{t('roles.levels.My')}</option>
                        )}
                        <option value="None">{t('roles.levels.None')}</option>
                      </select>
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
