// A security role: Role ID, the module → function grid with the Add / Edit / Delete / Inquire levels,
// "(customize)" allow-lists, Save and Save and close. A member whose role cannot edit roles sees
// the grid with every control disabled.
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi, restApi } from '../api.js';
import {
  type Catalog,
  type CustomizeItem,
  type FunctionDef,
  loadCatalog,
  useCatalogNames,
} from '../catalog.js';
import { CustomizeDialog } from '../components/CustomizeDialog.js';
import { ModuleGrid } from '../components/ModuleGrid.js';
import { ErrorMessage, Field, Loading, PageHeader, Success } from '../components/ui.js';
import { useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';
import { type Levels, useCan } from '../session.js';
import type { Role } from './role-types.js';

const NONE: Levels = { add: 'None', edit: 'None', delete: 'None', inquire: 'None' };

interface Draft {
  name: string;
  adminFlag: boolean;
  inactiveFlag: boolean;
  levels: Record<string, Levels>;
  allowLists: Record<string, string[]>;
}

function draftOf(role: Role): Draft {
  return {
    name: role.name,
    adminFlag: role.adminFlag,
    inactiveFlag: role.inactiveFlag,
    levels: { ...role.levels },
    allowLists: { ...role.allowLists },
  };
}

/** Only what changed: the admin API keeps every function and list the body does not name. */
function changes(role: Role, d: Draft) {
  const levels: Record<string, Levels> = {};
  for (const [fn, l] of Object.entries(d.levels)) {
    const before = role.levels[fn] ?? NONE;
    if ((Object.keys(l) as Array<keyof Levels>).some((a) => l[a] !== before[a])) levels[fn] = l;
  }
  const allowLists: Record<string, string[]> = {};
  for (const [id, items] of Object.entries(d.allowLists)) {
    if ([...items].sort().join('\n') !== [...(role.allowLists[id] ?? [])].sort().join('\n'))
      allowLists[id] = items;
  }
  return { name: d.name, adminFlag: d.adminFlag, inactiveFlag: d.inactiveFlag, levels, allowLists };
}

/** Items offered by a customize list: fixed for Table Setup, the PSA's records for the others. */
async function customizeItems(catalog: Catalog, customizeId: string): Promise<CustomizeItem[]> {
  if (customizeId === 'SystemTableSetup') return catalog.tableSetupItems;
  if (customizeId === 'CompanyConfigurations') {
    const types = await restApi
      .get<Array<{ name: string }>>('/company/configurations/types?pageSize=1000&orderBy=name')
      .catch(() => []);
    return types.map((ty) => ({ id: ty.name, label: ty.name }));
  }
  return [];
}

export function RoleEditor({ id }: { id: number }) {
  const { t } = useTranslation();
  const names = useCatalogNames();
  const canEdit = useCan('System/SecurityRoles', 'edit');
  const loaded = useLoad(
    async () => ({ role: await adminApi.get<Role>(`/roles/${id}`), catalog: await loadCatalog() }),
    [id],
  );
  const [draft, setDraft] = useState<Draft>();
  const [customizing, setCustomizing] = useState<{
    fn: FunctionDef;
    items: CustomizeItem[];
    moduleName: string;
  }>();
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (loaded.data) setDraft(draftOf(loaded.data.role));
  }, [loaded.data]);

  if (loaded.error) return <ErrorMessage error={loaded.error} />;
  if (!loaded.data || !draft) return <Loading />;
  const { role, catalog } = loaded.data;

  const save = async (close: boolean) => {
    setError(undefined);
    setSaved(undefined);
    try {
      await adminApi.put<Role>(`/roles/${id}`, changes(role, draft));
      if (close) return navigate('system', 'security-roles');
      setSaved(t('common.savedRecord'));
      loaded.reload(); // the saved role becomes the new baseline of `changes`
    } catch (err) {
      setError(err);
    }
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void save(false);
  };
  const openCustomize = async (fn: FunctionDef) => {
    const items = await customizeItems(catalog, fn.customize!);
    const module = catalog.modules.find((m) => m.functions.some((f) => f.id === fn.id));
    setCustomizing({ fn, items, moduleName: module ? names.module(module) : '' });
  };

  return (
    <form onSubmit={onSubmit} aria-label={t('roles.editTitle', { name: role.name })}>
      <PageHeader title={`${t('roles.title')}: ${role.name}`}>
        {canEdit && (
          <>
            <button type="submit" className="primary">
              {t('common.save')}
            </button>
            <button type="button" onClick={() => void save(true)}>
              {t('common.saveAndClose')}
            </button>
          </>
        )}
        <a className="button" href={href('system', 'security-roles')}>
          {t('common.backToList')}
        </a>
      </PageHeader>
      {!canEdit && <p className="message info">{t('roles.readOnly')}</p>}
      <Success text={saved} />
      <ErrorMessage error={error} />
      <fieldset disabled={!canEdit} className="role-fields">
        <legend className="sr-only">{t('roles.details')}</legend>
        <Field label={t('roles.roleId')} required>
          <input
            required
            maxLength={30}
            value={draft.name}
            onChange={(e) => setDraft({ ...draft, name: e.target.value })}
          />
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.adminFlag}
            onChange={(e) => setDraft({ ...draft, adminFlag: e.target.checked })}
          />
          {t('roles.adminFlag')}
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.inactiveFlag}
            onChange={(e) => setDraft({ ...draft, inactiveFlag: e.target.checked })}
          />
          {t('roles.inactiveFlag')}
        </label>
      </fieldset>
      <h2>{t('roles.modules')}</h2>
      {catalog.modules.map((m) => (
        <ModuleGrid
          key={m.id}
          module={m}
          levels={draft.levels}
          disabled={!canEdit}
          onChange={(fnId, levels) => setDraft({ ...draft, levels: { ...draft.levels, [fnId]: levels } })}
          onCustomize={(fn) => void openCustomize(fn)}
        />
      ))}
      {customizing && (
        <CustomizeDialog
          title={`${customizing.moduleName} → ${names.fn(customizing.fn)}`}
          items={customizing.items}
          allowed={draft.allowLists[customizing.fn.customize!] ?? []}
          readOnly={!canEdit}
          onSave={(list) => {
            setDraft({ ...draft, allowLists: { ...draft.allowLists, [customizing.fn.customize!]: list } });
            setCustomizing(undefined);
          }}
          onCancel={() => setCustomizing(undefined)}
        />
      )}
    </form>
  );
}
