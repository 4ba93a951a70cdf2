// Per-customer overrides of a rule (CON-7): a customer may get its own threshold, window, PSA
// references or closed-ticket policy; everything left at "the rule's value" follows the rule.
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { Empty, ErrorMessage, Field, Section, Success, Table } from '../components/ui.js';
import { useAction, useLoad } from '../hooks.js';
import { TIME_ZONES, WINDOW_CHOICES } from '../rule-settings.js';
import { useIsAdmin } from '../session.js';
import type { ClosedPolicy, Customer, Reference, Rule, RuleOverride, RuleSettings } from '../types.js';
import { clearBoardChildren, PsaPickers } from './PsaPickers.js';

type OverrideSettings = Partial<RuleSettings>;

/** The label key of each setting (most are named after the setting). */
const FIELD_KEY: Record<string, string> = { windowMinutes: 'window', autoCloseQuietWindows: 'quietWindows' };

/** "threshold 5, board Service Board" — what an override changes, in short. */
function useDescribe() {
  const { t } = useTranslation();
  return (o: OverrideSettings) =>
    Object.entries(o)
      .map(([key, v]) => {
        const label = t(`ticketing.fields.${FIELD_KEY[key] ?? key}`);
        if (v === null) return `${label}: ${key === 'timeZone' ? 'UTC' : t('ticketing.psaDefault')}`;
        if (typeof v === 'object' && 'id' in v) return `${label}: ${v.name ?? `#${v.id}`}`;
        if (typeof v === 'object' && 'mode' in v) return `${label}: ${t(`ticketing.policy.${v.mode}`)}`;
        return `${label}: ${Array.isArray(v) ? v.join(', ') : String(v)}`;
      })
      .join('; ');
}

export function Overrides({
  rule,
  reference,
  customers,
}: {
  rule: Rule;
  reference: Reference;
  customers: Customer[];
}) {
  const { t } = useTranslation();
  const admin = useIsAdmin();
  const describe = useDescribe();
  const list = useLoad(() => api.get<RuleOverride[]>(`/ticket-rules/${rule.id}/overrides`), [rule.id]);
  const [editing, setEditing] = useState<number>();
  const action = useAction();
  const remove = async (customerId: number) => {
    await action.run(() => api.del(`/ticket-rules/${rule.id}/overrides/${customerId}`));
    list.reload();
  };
  const name = (id: number) => customers.find((c) => c.id === id)?.name ?? `#${id}`;
  const free = customers.filter((c) => !list.data?.some((o) => o.customerId === c.id));
  return (
    <Section title={t('overrides.title')}>
      <p className="muted">{t('overrides.intro')}</p>
      <ErrorMessage error={list.error ?? action.error} />
      {list.data?.length === 0 && <Empty text={t('overrides.none')} />}
      {list.data && list.data.length > 0 && (
        <Table caption={t('overrides.title')}>
          <thead>
            <tr>
              <th scope="col">{t('overrides.customer')}</th>
              <th scope="col">{t('overrides.changes')}</th>
              <th scope="col">{t('overrides.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((o) => (
              <tr key={o.customerId}>
                <th scope="row">{name(o.customerId)}</th>
                <td>{describe(o.settings)}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={t('overrides.editNamed', { name: name(o.customerId) })}
                    onClick={() => setEditing(o.customerId)}
                  >
                    {t('overrides.edit')}
                  </button>
                  <button
                    type="button"
                    disabled={!admin || action.busy}
                    aria-label={t('overrides.removeNamed', { name: name(o.customerId) })}
                    onClick={() => remove(o.customerId)}
                  >
                    {t('overrides.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {admin && editing === undefined && free.length > 0 && (
        <AddOverride customers={free} onPick={setEditing} />
      )}
      {editing !== undefined && (
        <OverrideEditor
          key={editing}
          rule={rule}
          customerName={name(editing)}
          customerId={editing}
          reference={reference}
          initial={list.data?.find((o) => o.customerId === editing)?.settings ?? {}}
          onDone={() => {
            setEditing(undefined);
            list.reload();
          }}
        />
      )}
    </Section>
  );
}

function AddOverride({ customers, onPick }: { customers: Customer[]; onPick: (id: number) => void }) {
  const { t } = useTranslation();
  const [id, setId] = useState('');
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (id) onPick(Number(id));
      }}
    >
      <Field label={t('overrides.customer')}>
        <select value={id} onChange={(e) => setId(e.target.value)}>
          <option value="">{t('overrides.pick')}</option>
          {customers.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={!id}>
        {t('overrides.add')}
      </button>
    </form>
  );
}

function OverrideEditor({
  rule,
  customerId,
  customerName,
  reference,
  initial,
  onDone,
}: {
  rule: Rule;
  customerId: number;
  customerName: string;
  reference: Reference;
  initial: OverrideSettings;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const admin = useIsAdmin();
  const [o, setO] = useState<OverrideSettings>(initial);
  const [saved, setSaved] = useState<string>();
  const action = useAction();
  const set = <K extends keyof RuleSettings>(key: K, value: RuleSettings[K] | undefined) =>
    setO((old) => {
      const next = { ...old };
      if (value === undefined) delete next[key];
      else next[key] = value;
      return next;
    });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => api.put(`/ticket-rules/${rule.id}/overrides/${customerId}`, o))) {
      setSaved(t('overrides.saved'));
      onDone();
    }
  };
  const policy = o.closedPolicy;
  const inherit = t('overrides.inherit');
  const zones = useId();
  return (
    <form onSubmit={save} className="form" aria-label={t('overrides.editorTitle', { name: customerName })}>
      <h3>{t('overrides.editorTitle', { name: customerName })}</h3>
      <fieldset disabled={!admin || action.busy}>
        <div className="role-fields">
          <Field
            label={t('ticketing.fields.threshold')}
            hint={t('overrides.ruleValue', { value: rule.settings.threshold })}
          >
            <input
              type="number"
              min={0}
              max={1_000_000}
              value={o.threshold ?? ''}
              placeholder={String(rule.settings.threshold)}
              onChange={(e) => set('threshold', e.target.value === '' ? undefined : Number(e.target.value))}
            />
          </Field>
          <Field label={t('ticketing.fields.window')}>
            <select
              value={o.windowMinutes ?? ''}
              onChange={(e) =>
                set('windowMinutes', e.target.value === '' ? undefined : Number(e.target.value))
              }
            >
              <option value="">{inherit}</option>
              {WINDOW_CHOICES.map((m) => (
                <option key={m} value={m}>
                  {t('ticketing.windowHours', { count: m / 60 })}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('ticketing.fields.closedPolicy')}>
            <select
              value={policy?.mode ?? ''}
              onChange={(e) => {
                const mode = e.target.value;
                set(
                  'closedPolicy',
                  mode === ''
                    ? undefined
                    : ((mode === 'silence' ? { mode, hours: 24 } : { mode }) as ClosedPolicy),
                );
              }}
            >
              <option value="">{inherit}</option>
              {(['new', 'reopen', 'silence'] as const).map((m) => (
                <option key={m} value={m}>
                  {t(`ticketing.policy.${m}`)}
                </option>
              ))}
            </select>
          </Field>
          {policy?.mode === 'silence' && (
            <Field label={t('ticketing.fields.silenceHours')}>
              <input
                type="number"
                min={1}
                max={8760}
                value={policy.hours}
                onChange={(e) => set('closedPolicy', { mode: 'silence', hours: Number(e.target.value) })}
              />
            </Field>
          )}
          <Field
            label={t('ticketing.fields.timeZone')}
            hint={t('overrides.ruleValue', { value: rule.settings.timeZone ?? 'UTC' })}
          >
            <input
              list={zones}
              maxLength={64}
              placeholder={rule.settings.timeZone ?? 'UTC'}
              value={o.timeZone ?? ''}
              onChange={(e) =>
                set('timeZone', e.target.value.trim() === '' ? undefined : e.target.value.trim())
              }
            />
          </Field>
          <datalist id={zones}>
            {TIME_ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </div>
        <PsaPickers
          reference={reference}
          inheritLabel={inherit}
          value={(key) => (key in o ? (o[key] ?? null) : undefined)}
          onChange={(key, ref) => {
            if (key === 'board') {
              setO((old) => {
                if (ref !== undefined) return clearBoardChildren({ ...old, board: ref });
                const next = { ...old };
                delete next.board;
                return next;
              });
            } else set(key, ref);
          }}
        />
        <div className="toolbar">
          <button type="submit" className="primary">
            {t('overrides.save')}
          </button>
          <button type="button" onClick={onDone}>
            {t('overrides.cancel')}
          </button>
        </div>
      </fieldset>
      <ErrorMessage error={action.error} />
      <Success text={saved} />
    </form>
  );
}
