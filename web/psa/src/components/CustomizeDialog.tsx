// "(customize)": the Update Security dialog with the "Allow Access to these" and "Disallow Access
// to these" lists and the > < >> << buttons; Save hands the allowed list back to the role screen.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type CustomizeItem, useCatalogNames } from '../catalog.js';
import { Field } from './ui.js';

interface Props {
  title: string;
  items: CustomizeItem[];
  allowed: string[];
  readOnly: boolean;
  onSave: (allowed: string[]) => void;
  onCancel: () => void;
}

function selectedValues(select: HTMLSelectElement | null): string[] {
  return select ? [...select.selectedOptions].map((o) => o.value) : [];
}

export function CustomizeDialog({ title, items, allowed, readOnly, onSave, onCancel }: Props) {
  const { t } = useTranslation();
  const names = useCatalogNames();
  const dialog = useRef<HTMLDialogElement>(null);
  const allowList = useRef<HTMLSelectElement>(null);
  const disallowList = useRef<HTMLSelectElement>(null);
  const [allow, setAllow] = useState<string[]>(allowed);

  // Modal: focus moves into the dialog, Escape cancels, and focus goes back to "(customize)" after.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => opener?.focus();
  }, []);

  // Items allowed earlier that the PSA no longer lists stay visible, so nothing is dropped unseen.
  const known = new Map(items.map((i) => [i.id, i]));
  for (const id of allowed) if (!known.has(id)) known.set(id, { id, label: id });
  const all = [...known.values()];
  const label = (i: CustomizeItem) => names.table(i);
  const allowedItems = all.filter((i) => allow.includes(i.id));
  const disallowedItems = all.filter((i) => !allow.includes(i.id));
  const ordered = (ids: Set<string>) => all.filter((i) => ids.has(i.id)).map((i) => i.id);

  const move = (toAllow: boolean, every: boolean) => {
    if (toAllow) {
      const picked = every ? disallowedItems.map((i) => i.id) : selectedValues(disallowList.current);
      setAllow(ordered(new Set([...allow, ...picked])));
    } else {
      const picked = new Set(every ? allow : selectedValues(allowList.current));
      setAllow(allow.filter((id) => !picked.has(id)));
    }
  };

  return (
    <dialog ref={dialog} className="customize" aria-labelledby="customize-title" onCancel={onCancel}>
      <h2 id="customize-title">{t('customize.title')}</h2>
      <p className="muted">{title}</p>
      <div className="lists">
        <Field label={t('customize.allow')}>
          <select ref={allowList} multiple size={12}>
            {allowedItems.map((i) => (
              <option key={i.id} value={i.id}>
                {label(i)}
              </option>
            ))}
          </select>
        </Field>
        <div className="movers">
          <button
            type="button"
            disabled={readOnly}
            onClick={() => move(false, false)}
            aria-label={t('customize.disallowSelected')}
            title={t('customize.disallowSelected')}
          >
            {'>'}
          </button>
          <button
            type="button"
            disabled={readOnly}
            onClick={() => move(true, false)}
            aria-label={t('customize.allowSelected')}
            title={t('customize.allowSelected')}
          >
            {'<'}
          </button>
          <button
            type="button"
            disabled={readOnly}
            onClick={() => move(false, true)}
            aria-label={t('customize.disallowAll')}
            title={t('customize.disallowAll')}
          >
            {'>>'}
          </button>
          <button
            type="button"
            disabled={readOnly}
            onClick={() => move(true, true)}
            aria-label={t('customize.allowAll')}
            title={t('customize.allowAll')}
          >
            {'<<'}
          </button>
        </div>
        <Field label={t('customize.disallow')}>
          <select ref={disallowList} multiple size={12}>
            {disallowedItems.map((i) => (
              <option key={i.id} value={i.id}>
                {label(i)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {all.length === 0 && <p className="muted">{t('customize.noItems')}</p>}
      <div className="toolbar">
        {!readOnly && (
          <button type="button" className="primary" onClick={() => onSave(allow)}>
            {t('common.save')}
          </button>
        )}
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </dialog>
  );
}
