// Pickers for the ticket's board, status, priority, type, subtype, item and source, filled from the
// PSA's own lists (GET /api/v1/psa/reference, cached by the console; an admin reloads them from the
// PSA). Status, type, subtype and item belong to the chosen board.
import { useTranslation } from 'react-i18next';
import { Field } from '../components/ui.js';
import type { Named, PsaRef, Reference, RuleSettings } from '../types.js';

export const REF_KEYS = ['board', 'status', 'priority', 'type', 'subType', 'item', 'source'] as const;
export type RefKey = (typeof REF_KEYS)[number];

/** The choices of each picker, given the board chosen. */
export function choices(reference: Reference, boardId: number | undefined): Record<RefKey, Named[]> {
  const board = reference.boards.find((b) => b.id === boardId);
  return {
    board: reference.boards,
    status: board?.statuses ?? [],
    priority: reference.priorities,
    type: board?.types ?? [],
    subType: board?.subtypes ?? [],
    item: board?.items ?? [],
    source: reference.sources,
  };
}

/**
 * The pickers. `value(key)` is the chosen reference (null: the PSA's default, undefined: inherit,
 * offered only when `inheritLabel` is given — customer overrides inherit the rule's value).
 */
export function PsaPickers({
  reference,
  value,
  onChange,
  inheritLabel,
  disabled,
}: {
  reference: Reference;
  value: (key: RefKey) => PsaRef | null | undefined;
  onChange: (key: RefKey, ref: PsaRef | null | undefined) => void;
  inheritLabel?: string;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const lists = choices(reference, value('board')?.id);
  const select = (key: RefKey, id: string) => {
    if (id === 'inherit') return onChange(key, undefined);
    if (id === '') return onChange(key, null);
    const found = lists[key].find((x) => String(x.id) === id);
    onChange(key, found ? { id: found.id, name: found.name } : null);
  };
  return (
    <div className="pickers">
      {REF_KEYS.map((key) => {
        const current = value(key);
        const known = current && lists[key].some((x) => x.id === current.id);
        return (
          <Field key={key} label={t(`ticketing.fields.${key}`)}>
            <select
              disabled={disabled}
              value={current === undefined ? 'inherit' : current === null ? '' : String(current.id)}
              onChange={(e) => select(key, e.target.value)}
            >
              {inheritLabel !== undefined && <option value="inherit">{inheritLabel}</option>}
              <option value="">{t('ticketing.psaDefault')}</option>
              {current && !known && (
                <option value={String(current.id)}>
                  {current.name ?? `#${current.id}`} {t('ticketing.notInLists')}
                </option>
              )}
              {lists[key].map((x) => (
                <option key={x.id} value={String(x.id)} translate="no">
                  {x.name}
                </option>
              ))}
            </select>
          </Field>
        );
      })}
    </div>
  );
}

/**
 * A board's statuses, types, subtypes and items belong to it: when the board changes they are set
 * back to the PSA's default (the board's own), also in an override that inherited them.
 */
export function clearBoardChildren<T extends Partial<RuleSettings>>(settings: T): T {
  return { ...settings, status: null, type: null, subType: null, item: null, closedStatus: null };
}
