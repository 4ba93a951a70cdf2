// The security catalogue as the server serves it (GET /admin/api/v1/catalog), and its names in the
// UI's language: modules, functions and Table Setup tables are translated in the `catalog` namespace.
import { useTranslation } from 'react-i18next';
import { adminApi } from './api.js';

export interface FunctionDef {
  id: string;
  name: string;
  myAllowed: boolean;
  customize?: string;
  sortOrder: number;
}

export interface ModuleDef {
  id: string;
  name: string;
  functions: FunctionDef[];
}

export interface CustomizeItem {
  id: string;
  label: string;
}

export interface Catalog {
  modules: ModuleDef[];
  tableSetupItems: CustomizeItem[];
}

let cached: Promise<Catalog> | undefined;

export function loadCatalog(): Promise<Catalog> {
  cached ??= adminApi.get<Catalog>('/catalog').catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

export function useCatalogNames() {
  const { t } = useTranslation('catalog');
  return {
    module: (m: ModuleDef) => t(`modules.${m.id}`, { defaultValue: m.name }),
    fn: (f: FunctionDef) => t(`functions.${f.id}`, { defaultValue: f.name }),
    table: (item: CustomizeItem) => t(`tables.${item.id}`, { defaultValue: item.label }),
  };
}
